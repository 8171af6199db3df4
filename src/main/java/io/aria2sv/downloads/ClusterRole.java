package io.aria2sv.downloads;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.config.AppConfig;
import io.aria2sv.downloads.engine.DownloadEvents;
import io.aria2sv.downloads.engine.DownloadManager;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.registry.StoredDownload;
import io.aria2sv.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * What a cluster adds to one node's downloads service, implemented in the cluster package so that
 * the downloads never depend on it: the composition root hands a {@link Factory} to {@link
 * DownloadsVerticle} when clustering is on.
 */
public interface ClusterRole {
  /** Makes the role of a node whose registry is {@code store}. */
  @FunctionalInterface
  interface Factory {
    ClusterRole create(
        Vertx vertx, RegistryStore store, TorrentStore torrents, AppConfig config, Metrics metrics);
  }

  /**
   * The registry's downloads without those other nodes took over while this node was away: they
   * never run here again.
   */
  Future<List<StoredDownload>> withoutHandedOver(List<StoredDownload> all);

  /**
   * The engine is loaded: its downloads are listed for the other nodes (and every later change,
   * through {@code events}), and adoptions of a lost node's downloads are answered at {@code
   * adoptAddress}.
   */
  Future<Void> join(DownloadManager manager, DownloadEvents events, String adoptAddress);

  /**
   * This node stops: what its downloads' changes still owe the other nodes is written first (a
   * graceful leave hands over what they know), within {@code within}.
   */
  Future<Void> leave(java.time.Duration within);
}
