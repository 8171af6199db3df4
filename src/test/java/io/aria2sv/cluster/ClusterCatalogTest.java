package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ClusterCatalog}'s writes go a few at a time, and a leave waits until every change made
 * before it is written. The catalog here is a map whose writes land a millisecond later, as a
 * cluster's do.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterCatalogTest {
  @TempDir Path root;

  @Test
  void aLeaveWaitsUntilEveryChangeMadeBeforeItIsInTheCatalog(Vertx vertx) throws Exception {
    AtomicInteger unwritten = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    SlowMap map = new SlowMap(vertx, mostAtOnce);
    ClusterCatalog catalog = new ClusterCatalog(map, map, "n0", TorrentStore.open(root), unwritten);
    int n = 500;
    int[] waitingBeforeLeave = new int[1];
    int inMapWhenDone =
        SupervisorHarness.on(
            vertx.getOrCreateContext(),
            () -> {
              for (int i = 0; i < n; i++) {
                catalog.write("d" + i, new JsonObject().put("id", "d" + i));
              }
              catalog.write("d7", null); // a later change replaces one not written yet
              waitingBeforeLeave[0] = unwritten.get();
              return catalog.written(Duration.ofSeconds(20)).map(v -> map.entries.size());
            });
    assertThat(waitingBeforeLeave[0]).as("counted while they wait").isEqualTo(n);
    assertThat(inMapWhenDone).as("written when the leave goes on").isEqualTo(n - 1);
    assertThat(map.entries).doesNotContainKey("d7");
    assertThat(unwritten.get()).isZero();
    assertThat(mostAtOnce.get()).as("writes under way at once").isLessThanOrEqualTo(32);
  }

  /** Puts and removes that land on a timer; the rest is not used by the catalog's writes. */
  private static final class SlowMap implements AsyncMap<String, JsonObject> {
    final Map<String, JsonObject> entries = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final AtomicInteger mostAtOnce;
    private final AtomicInteger underway = new AtomicInteger();

    SlowMap(Vertx vertx, AtomicInteger mostAtOnce) {
      this.vertx = vertx;
      this.mostAtOnce = mostAtOnce;
    }

    private <T> Future<T> later(Runnable change, T result) {
      mostAtOnce.accumulateAndGet(underway.incrementAndGet(), Math::max);
      Promise<T> p = Promise.promise();
      vertx.setTimer(
          1,
          id -> {
            change.run();
            underway.decrementAndGet();
            p.complete(result);
          });
      return p.future();
    }

    @Override
    public Future<Void> put(String k, JsonObject v) {
      return later(() -> entries.put(k, v), null);
    }

    @Override
    public Future<JsonObject> remove(String k) {
      return later(() -> entries.remove(k), null);
    }

    @Override
    public Future<JsonObject> get(String k) {
      return Future.succeededFuture(entries.get(k));
    }

    @Override
    public Future<Void> put(String k, JsonObject v, long ttl) {
      return put(k, v);
    }

    @Override
    public Future<JsonObject> putIfAbsent(String k, JsonObject v) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<JsonObject> putIfAbsent(String k, JsonObject v, long ttl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Boolean> removeIfPresent(String k, JsonObject v) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<JsonObject> replace(String k, JsonObject v) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<JsonObject> replace(String k, JsonObject v, long ttl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Boolean> replaceIfPresent(String k, JsonObject oldValue, JsonObject newValue) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Boolean> replaceIfPresent(
        String k, JsonObject oldValue, JsonObject newValue, long ttl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> clear() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Integer> size() {
      return Future.succeededFuture(entries.size());
    }

    @Override
    public Future<Set<String>> keys() {
      return Future.succeededFuture(Set.copyOf(entries.keySet()));
    }

    @Override
    public Future<List<JsonObject>> values() {
      return Future.succeededFuture(List.copyOf(entries.values()));
    }

    @Override
    public Future<Map<String, JsonObject>> entries() {
      return Future.succeededFuture(Map.copyOf(entries));
    }
  }
}
