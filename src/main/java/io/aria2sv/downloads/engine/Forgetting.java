package io.aria2sv.downloads.engine;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.registry.ColdRows;
import io.aria2sv.downloads.registry.RegistryStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets downloads: gone from the index, the registry and their retry history; a batch once all of
 * it goes. Event-loop confined.
 */
public final class Forgetting {
  private static final Logger LOG = LoggerFactory.getLogger(Forgetting.class);

  private final DownloadIndex index;
  private final Transitions transitions;
  private final RegistryStore store;
  private final DownloadEvents events;

  Forgetting(
      DownloadIndex index, Transitions transitions, RegistryStore store, DownloadEvents events) {
    this.index = index;
    this.transitions = transitions;
    this.store = store;
    this.events = events;
  }

  /** Forgets one ended download now (files stay); fails CONFLICT while it has not ended. */
  public Future<Void> forget(Download d) {
    if (!d.status.terminal() || AddsInFlight.reAddUnderway(d)) {
      return Future.failedFuture(
          new ServiceException(
              ErrorCode.CONFLICT, "cannot forget download " + d.id + ": it is " + d.status.wire()));
    }
    return forget(List.of(d), null);
  }

  /**
   * Forgets {@code items} (and the batch, when given) a page at a time: each page leaves the index
   * and the registry in a transaction of its own, the next once it is committed, so that forgetting
   * a million never holds the registry or the event loop for long. The batch row goes with the last
   * page.
   */
  Future<Void> forgetPaged(List<Download> items, String batchId) {
    if (items.isEmpty()) {
      return forget(items, batchId);
    }
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < items.size(); from += PAGE) {
      List<Download> page = items.subList(from, Math.min(items.size(), from + PAGE));
      String batch = from + PAGE >= items.size() ? batchId : null;
      // a single download retried meanwhile has not ended any more: it stays
      chain = chain.compose(v -> forget(batchId != null ? page : stillEnded(page), batch));
    }
    return chain;
  }

  private static void markForgetting(List<Download> items, boolean on) {
    items.forEach(d -> d.forgetting = on);
  }

  /** Of {@code page}, those still ended; the others (retried meanwhile) stay, unmarked. */
  private static List<Download> stillEnded(List<Download> page) {
    List<Download> out = new ArrayList<>(page.size());
    for (Download d : page) {
      if (d.status.terminal() && !AddsInFlight.reAddUnderway(d)) {
        out.add(d);
      } else {
        d.forgetting = false;
      }
    }
    return out;
  }

  /** The most downloads one transaction of {@link #forgetPaged} forgets. */
  static final int PAGE = 1000;

  Future<Void> forget(List<Download> items, String batchId) {
    return forget(items, batchId, true);
  }

  /**
   * Drops downloads another node took over while this one was fenced: out of memory and the
   * registry, without a word to the catalog (which lists them with their new owner now).
   */
  Future<Void> dropTakenOver(List<Download> items) {
    return forget(items, null, false);
  }

  private Future<Void> forget(List<Download> items, String batchId, boolean tellCatalog) {
    if (items.isEmpty() && batchId == null) {
      return Future.succeededFuture();
    }
    items.forEach(
        d -> {
          index.remove(d);
          transitions.firstAddAbandoned(d);
        });
    if (batchId != null) {
      index.batches().forget(batchId);
    }
    if (tellCatalog) {
      events.forgotten(items);
    }
    return store.delete(items.stream().map(d -> d.id).toList(), batchId);
  }

  /**
   * Forgets downloads that ended (complete, failed, removed) before {@code endedBefore} (epoch ms):
   * gone from the registry, the list and their retry history. A batch goes as a whole, once all of
   * its downloads have ended before then, so its figures never count a part of it. Cold downloads
   * ({@link ColdTier}) go a page at a time in the registry; one pass over them at a time.
   *
   * @return how many downloads are forgotten (the pages go on after the answer)
   */
  public Future<Integer> forgetEnded(long endedBefore) {
    if (index.coldSize() == 0 || coldPass) {
      return Future.succeededFuture(forgetEnded(endedBefore, Map.of()));
    }
    coldPass = true;
    return store
        .read(ColdRows::batchesEnded)
        .compose(
            latest -> {
              Map<String, Long> coldLatest = new HashMap<>();
              latest.forEach(b -> coldLatest.put(b[0], Long.parseLong(b[1])));
              return store
                  .read(r -> ColdRows.countEndedBefore(r, endedBefore))
                  .map(
                      single -> {
                        int n = forgetEnded(endedBefore, coldLatest) + single;
                        forgetColdPages(endedBefore, null)
                            .onFailure(
                                err ->
                                    LOG.warn(
                                        "cannot forget ended downloads in the registry: {}",
                                        err.getMessage()))
                            .onComplete(ar -> coldPass = false);
                        return n;
                      });
            })
        .onFailure(err -> coldPass = false);
  }

  /** Whether a pass over the cold downloads is under way. */
  private boolean coldPass;

  /**
   * Forgets the cold downloads of no batch that ended before {@code cutoff}, or (with {@code
   * batchId}) every cold one of that batch, a page per transaction until none is left.
   */
  private Future<Void> forgetColdPages(long cutoff, String batchId) {
    return store
        .read(r -> ColdRows.forget(r, cutoff, batchId, PAGE))
        .compose(
            gone -> {
              List<String> ids = new ArrayList<>(gone.size());
              for (String[] g : gone) {
                ids.add(g[0]);
                index.forgetCold(DownloadStatus.valueOf(g[1]));
              }
              if (!ids.isEmpty()) {
                events.forgottenIds(ids);
              }
              return gone.size() < PAGE
                  ? Future.succeededFuture()
                  : forgetColdPages(cutoff, batchId);
            });
  }

  /**
   * The pass over the downloads held in memory; a batch with cold downloads goes when the last of
   * those ended before then too ({@code coldLatest}: when, by batch), with them.
   */
  private int forgetEnded(long endedBefore, Map<String, Long> coldLatest) {
    List<Download> single = new ArrayList<>();
    Map<String, List<Download>> byBatch = new HashMap<>();
    // the ended downloads in the order they ended, up to the cutoff: not every download
    for (Download d : index.queue().endedBefore(endedBefore)) {
      if (d.forgetting || AddsInFlight.reAddUnderway(d)) {
        continue;
      }
      if (d.batchId == null) {
        single.add(d);
      } else {
        byBatch.computeIfAbsent(d.batchId, k -> new ArrayList<>()).add(d);
      }
    }
    // batches all of whose held downloads are cold: they go when the cold ones ended before then
    coldLatest.forEach(
        (id, at) -> {
          if (index.batches().items(id).isEmpty()) {
            byBatch.putIfAbsent(id, new ArrayList<>());
          }
        });
    // a batch goes once every one of its downloads ended before then
    Set<String> batchesStillGoing = new HashSet<>();
    byBatch.forEach(
        (id, old) -> {
          Long cold = coldLatest.get(id);
          boolean coldUnknown = cold == null && index.batches().coldSize(id) > 0;
          if (old.size() != index.batches().items(id).size()
              || coldUnknown
              || (cold != null && cold >= endedBefore)) {
            batchesStillGoing.add(id);
          }
        });
    int n = single.size();
    // one page after another, all in one chain: never one transaction for everything
    markForgetting(single, true);
    Future<Void> chain =
        forgetPaged(single, null)
            .onFailure(
                err -> {
                  markForgetting(single, false);
                  LOG.warn(
                      "cannot forget {} ended downloads in the registry: {}",
                      single.size(),
                      err.getMessage());
                });
    for (Map.Entry<String, List<Download>> b : byBatch.entrySet()) {
      if (!batchesStillGoing.contains(b.getKey())) {
        String batchId = b.getKey();
        boolean withCold = coldLatest.containsKey(batchId);
        n += b.getValue().size() + (withCold ? index.batches().coldSize(batchId) : 0);
        markForgetting(b.getValue(), true);
        chain =
            chain
                .otherwiseEmpty()
                .compose(
                    v ->
                        withCold
                            ? forgetColdPages(Long.MAX_VALUE, batchId)
                                .compose(w -> forgetPaged(b.getValue(), batchId))
                            : forgetPaged(b.getValue(), batchId))
                .onFailure(
                    err -> {
                      markForgetting(b.getValue(), false);
                      LOG.warn(
                          "cannot forget batch {} in the registry: {}", batchId, err.getMessage());
                    });
      }
    }
    return n;
  }
}
