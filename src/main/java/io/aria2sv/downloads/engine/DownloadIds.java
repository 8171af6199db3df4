package io.aria2sv.downloads.engine;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids: ours for downloads and batches, and the GIDs we give aria2 (16 hex digits).
 *
 * <p>Download ids and GIDs are keys of the registry's indexes. Drawn at random, each insert of a
 * large batch lands on another page of those indexes, and a commit rewrites thousands of pages: at
 * a million rows a batch add spent most of its time there. So each process counts up from a random
 * start, by a random step of 1 to 16: the ids of one run follow each other (an insert appends to
 * the index), and two processes collide only if their ranges meet (for a million ids each, a chance
 * of about 10<sup>-10</sup> for download ids, 10<sup>-12</sup> for GIDs). Ids are names, not
 * secrets: access rests on tokens, never on an id being hard to guess.
 */
final class DownloadIds {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Counter IDS = new Counter(56);
  private static final Counter GIDS = new Counter(64);

  private DownloadIds() {}

  static String newGid() {
    return HexFormat.of().toHexDigits(GIDS.next());
  }

  static String newDownloadId() {
    return "d" + HexFormat.of().toHexDigits(IDS.next()).substring(2);
  }

  static String newBatchId() {
    byte[] b = new byte[7];
    RANDOM.nextBytes(b);
    return "b" + HexFormat.of().formatHex(b);
  }

  /** Counts up from a random start within {@code bits} bits; a new start when it would overflow. */
  static final class Counter {
    private static final int MAX_STEP = 16;
    private final long mask;
    private long last;

    Counter(int bits) {
      this.mask = bits == 64 ? -1L : (1L << bits) - 1;
      this.last = start();
    }

    synchronized long next() {
      long step = 1 + ThreadLocalRandom.current().nextInt(MAX_STEP);
      long next = last + step;
      if (Long.compareUnsigned(next & mask, last) <= 0 || next == 0) {
        next = start(); // wrapped around (a few times in all of time): start again elsewhere
      }
      last = next;
      return next;
    }

    private long start() {
      // never in the top 1/1024 of the range: a run reaches its end that rarely
      long s;
      do {
        s = RANDOM.nextLong() & mask;
      } while (Long.compareUnsigned(s, mask - (mask >>> 10)) > 0 || s == 0);
      return s;
    }
  }
}
