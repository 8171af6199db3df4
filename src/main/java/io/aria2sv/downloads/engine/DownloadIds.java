package io.aria2sv.downloads.engine;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random ids: ours for downloads and batches, and the GIDs we give aria2 (16 hex digits). */
final class DownloadIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private DownloadIds() {}

  static String newGid() {
    return randomHex(8);
  }

  static String newDownloadId() {
    return "d" + randomHex(7);
  }

  static String newBatchId() {
    return "b" + randomHex(7);
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
