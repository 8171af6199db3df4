package io.aria2sv.downloads.engine;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
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
    events.forgotten(items);
    return store.delete(items.stream().map(d -> d.id).toList(), batchId);
  }

  /**
   * Forgets downloads that ended (complete, failed, removed) before {@code endedBefore} (epoch ms):
   * gone from the registry, the list and their retry history. A batch goes as a whole, once all of
   * its downloads have ended before then, so its figures never count a part of it.
   *
   * @return how many downloads were forgotten
   */
  public int forgetEnded(long endedBefore) {
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
    // a batch goes once every one of its downloads ended before then
    Set<String> batchesStillGoing = new HashSet<>();
    byBatch.forEach(
        (id, old) -> {
          if (old.size() != index.batches().items(id).size()) {
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
        n += b.getValue().size();
        markForgetting(b.getValue(), true);
        chain =
            chain
                .otherwiseEmpty()
                .compose(v -> forgetPaged(b.getValue(), b.getKey()))
                .onFailure(
                    err -> {
                      markForgetting(b.getValue(), false);
                      LOG.warn(
                          "cannot forget batch {} in the registry: {}",
                          b.getKey(),
                          err.getMessage());
                    });
      }
    }
    return n;
  }
}
