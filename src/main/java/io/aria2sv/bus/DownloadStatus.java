package io.aria2sv.bus;

import java.util.Locale;

/**
 * Our download statuses; {@code metadata} means a magnet link's metadata is being fetched (its data
 * comes next); {@code seeding} means a torrent's data is complete and it still uploads; {@code
 * retrying} means waiting for an automatic re-add.
 */
public enum DownloadStatus {
  WAITING,
  METADATA,
  ACTIVE,
  SEEDING,
  PAUSED,
  RETRYING,
  COMPLETE,
  FAILED,
  REMOVED;

  /** Every wire name, comma separated, for messages. */
  public static String wireNames() {
    return String.join(", ", java.util.Arrays.stream(values()).map(DownloadStatus::wire).toList());
  }

  /** True while aria2 transfers data for it (a magnet's metadata, downloading or seeding). */
  public boolean transferring() {
    return this == METADATA || this == ACTIVE || this == SEEDING;
  }

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
