package io.aria2sv.downloads.engine;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.request.DownloadRequest;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The same BitTorrent content added twice: refused before aria2 sees it. */
final class SameContent {
  private SameContent() {}

  /**
   * A torrent whose info hash is already a download that has not ended (or twice in one batch):
   * aria2 would accept it and fail it later with error 12. Null when there is none.
   */
  static ServiceException check(Collection<Download> all, List<DownloadRequest> requests) {
    if (requests.stream().allMatch(r -> r.infoHash() == null)) {
      // nothing to compare: no walk over every download (100 ms at a million) for an add of URIs
      return null;
    }
    Map<String, String> live = new HashMap<>();
    for (Download d : all) {
      if (d.request.infoHash() != null && !d.status.terminal()) {
        live.put(d.request.infoHash(), d.id);
      }
    }
    if (live.isEmpty() && requests.size() == 1) {
      return null;
    }
    Set<String> seen = new HashSet<>();
    for (DownloadRequest r : requests) {
      String hash = r.infoHash();
      if (hash == null) {
        continue;
      }
      if (live.containsKey(hash)) {
        return new ServiceException(
            ErrorCode.CONFLICT,
            "torrent "
                + hash
                + " is already download "
                + live.get(hash)
                + "; the same content cannot be added twice while it runs");
      }
      if (!seen.add(hash)) {
        return new ServiceException(
            ErrorCode.CONFLICT, "torrent " + hash + " appears twice in the batch");
      }
    }
    return null;
  }
}
