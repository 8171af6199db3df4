package io.aria2sv.downloads;

import java.util.Locale;

/** Our download statuses; {@code retrying} means waiting for an automatic re-add. */
public enum DownloadStatus {
  WAITING, ACTIVE, PAUSED, RETRYING, COMPLETE, FAILED, REMOVED;

  /** The wire name: lower case. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** True for statuses that never change on their own. */
  public boolean terminal() {
    return this == COMPLETE || this == FAILED || this == REMOVED;
  }

  /** The status for a wire name, or null when there is none. */
  public static DownloadStatus of(String wire) {
    for (DownloadStatus s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    return null;
  }
}
