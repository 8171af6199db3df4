package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.RETRYING;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The lists aria2's clients know: the queue, every waiting and paused download in order of {@link
 * Download#position}, whether aria2 holds it or not; and the stopped list, every ended download in
 * the order it ended. Also the downloads aria2 holds ({@link Download#held}) and, among the waiting
 * ones, those it does not hold yet: the {@link Window} takes the next from there. A new download
 * goes to the end; a move takes a position between its new neighbours, and renumbers the queue only
 * when there is no room between them. Event-loop confined.
 */
final class DownloadQueue {
  /** The distance between the positions of downloads added one after the other. */
  static final long STEP = 1L << 20;

  private static final Comparator<Download> ORDER =
      Comparator.<Download>comparingLong(d -> d.position).thenComparing(d -> d.id);

  /** Waiting and paused, by position. */
  private final NavigableSet<Download> order = new TreeSet<>(ORDER);

  /** Ended (complete, failed, removed), oldest end first. */
  private final NavigableSet<Download> stopped = new TreeSet<>(ENDED);

  /** Waiting, not held by aria2: what the window adds next. */
  private final NavigableSet<Download> ready = new TreeSet<>(ORDER);

  /** Held by aria2 (or on their way to it), in whatever status. */
  private final Set<Download> held = new LinkedHashSet<>();

  /** The highest position given so far. */
  private long last;

  /**
   * Every waiting or paused download at this position or before is held here; the registry holds
   * cold ones only after it ({@link ColdTier}). {@link Long#MAX_VALUE} while none is cold.
   */
  private long boundary = Long.MAX_VALUE;

  /** See {@link #boundary}. */
  long boundary() {
    return boundary;
  }

  void boundary(long at) {
    boundary = at;
  }

  /** The registry's highest position: new downloads go after it. */
  void lastAtLeast(long position) {
    last = Math.max(last, position);
  }

  /** The highest position given so far. */
  long last() {
    return last;
  }

  /** Waiting and paused downloads held here, in order. */
  Iterator<Download> iterator(boolean backwards) {
    return backwards ? order.descendingIterator() : order.iterator();
  }

  /**
   * The position of the {@code n}th download held in the queue (from 1), or of the last when it
   * holds fewer.
   */
  long positionOf(int n) {
    long at = 0;
    int i = 0;
    for (Download d : order) {
      at = d.position;
      if (++i >= n) {
        break;
      }
    }
    return at;
  }

  /** Gives {@code d} the position after every other, unless it has one. */
  void place(Download d) {
    if (d.position == 0) {
      last += STEP;
      d.position = last;
    } else {
      last = Math.max(last, d.position);
    }
  }

  /**
   * Takes {@code d} out before its status, position or end time changes; {@link #track} puts it
   * back.
   */
  void untrack(Download d) {
    order.remove(d);
    ready.remove(d);
    stopped.remove(d);
  }

  /** Files {@code d} where its status, position and hold put it now. */
  void track(Download d) {
    untrack(d);
    if (d.firstAddFrom != null) {
      return;
    }
    if (d.status == WAITING || d.status == PAUSED) {
      order.add(d);
    }
    if (d.status == WAITING && !d.held) {
      ready.add(d);
    }
    if (d.status.terminal()) {
      stopped.add(d);
    }
    if (d.held && (d.status.terminal() || d.status == RETRYING)) {
      release(d);
    }
  }

  /** {@code d} leaves the engine. */
  void remove(Download d) {
    untrack(d);
    held.remove(d);
    d.held = false;
  }

  /** aria2 holds {@code d}'s current GID from now on (or an add of it is on its way). */
  void hold(Download d) {
    d.held = true;
    held.add(d);
    ready.remove(d);
  }

  /** aria2 no longer holds {@code d}: a waiting one queues again. */
  void release(Download d) {
    d.held = false;
    held.remove(d);
    if (d.status == WAITING && d.firstAddFrom == null && order.contains(d)) {
      ready.add(d);
    }
  }

  /** How many downloads aria2 holds that take a place in its window: all but the paused ones. */
  int occupied() {
    int n = 0;
    for (Download d : held) {
      n += d.status == PAUSED ? 0 : 1;
    }
    return n;
  }

  /** The paused downloads aria2 holds, oldest hold first. */
  List<Download> heldPaused() {
    List<Download> out = new ArrayList<>();
    for (Download d : held) {
      if (d.status == PAUSED) {
        out.add(d);
      }
    }
    return out;
  }

  /** Every download aria2 holds. */
  Set<Download> held() {
    return held;
  }

  /**
   * The first waiting download aria2 does not hold, or null; none after the {@link #boundary} (the
   * registry's cold queue comes first).
   */
  Download nextReady() {
    Download d = ready.isEmpty() ? null : ready.first();
    return d == null || d.position > boundary ? null : d;
  }

  /**
   * The waiting download aria2 holds that has not started yet and comes last in the queue, or null:
   * the one the window gives back first when it must.
   */
  Download lastHeldWaiting() {
    Download last = null;
    for (Download d : held) {
      if (d.status == WAITING && d.completedLength == 0 && (last == null || before(last, d))) {
        last = d;
      }
    }
    return last;
  }

  /** Whether {@code a} comes before {@code b} in the queue. */
  static boolean before(Download a, Download b) {
    return ORDER.compare(a, b) < 0;
  }

  /** How many held downloads aria2 lists as waiting (waiting or paused) come before {@code d}. */
  int heldAhead(Download d) {
    int n = 0;
    for (Download o : held) {
      n += o != d && (o.status == WAITING || o.status == PAUSED) && before(o, d) ? 1 : 0;
    }
    return n;
  }

  /** The number of waiting and paused downloads. */
  int size() {
    return order.size();
  }

  /** {@code d}'s index in the queue, or -1 when it is not in it. */
  int indexOf(Download d) {
    return order.contains(d) ? order.headSet(d, false).size() : -1;
  }

  /**
   * {@code num} downloads from {@code offset}; a negative offset counts from the end (-1 is the
   * last) and goes towards the front, as aria2's {@code tellWaiting} does.
   */
  List<Download> page(int offset, int num) {
    return page(order, offset, num);
  }

  /** The ended downloads, paged as {@link #page(int, int)} pages the queue. */
  List<Download> stoppedPage(int offset, int num) {
    return page(stopped, offset, num);
  }

  /** The ended downloads held in memory, the oldest end first (or the newest). */
  Iterator<Download> stopped(boolean newestFirst) {
    return newestFirst ? stopped.descendingIterator() : stopped.iterator();
  }

  /** The order of the stopped list: when they ended, then our id. */
  static final Comparator<Download> ENDED =
      Comparator.<Download>comparingLong(d -> d.updatedAt).thenComparing(d -> d.id);

  /** The downloads that ended before {@code at} (epoch ms), the oldest end first. */
  List<Download> endedBefore(long at) {
    List<Download> out = new ArrayList<>();
    for (Download d : stopped) {
      if (d.updatedAt >= at) {
        break;
      }
      out.add(d);
    }
    return out;
  }

  /** The number of ended downloads. */
  int stoppedSize() {
    return stopped.size();
  }

  private static List<Download> page(NavigableSet<Download> order, int offset, int num) {
    List<Download> out = new ArrayList<>();
    if (num <= 0) {
      return out;
    }
    if (offset >= 0) {
      Iterator<Download> it = order.iterator();
      for (int i = 0; it.hasNext() && out.size() < num; i++) {
        Download d = it.next();
        if (i >= offset) {
          out.add(d);
        }
      }
    } else {
      Iterator<Download> it = order.descendingIterator();
      for (int i = -1; it.hasNext() && out.size() < num; i--) {
        Download d = it.next();
        if (i <= offset) {
          out.add(d);
        }
      }
    }
    return out;
  }

  /** Where a move put a download, and every download whose position it changed. */
  record Moved(int index, List<Download> changed) {}

  /**
   * Moves {@code d}, which is in the queue, to index {@code target} (clamped to the queue), as
   * aria2's {@code changePosition} does with its computed destination.
   */
  Moved moveTo(Download d, int target) {
    int n = order.size();
    int to = Math.max(0, Math.min(n - 1, target));
    untrack(d);
    List<Download> rest = page(0, Integer.MAX_VALUE);
    Download prev = to == 0 ? null : rest.get(to - 1);
    Download next = to >= rest.size() ? null : rest.get(to);
    List<Download> changed = new ArrayList<>();
    if (prev == null && next == null) {
      // alone in the queue: its position stays
    } else if (prev == null) {
      // zero means "no position yet"
      d.position = next.position - STEP == 0 ? -STEP : next.position - STEP;
    } else if (next == null) {
      last += STEP;
      d.position = last;
    } else if (next.position - prev.position >= 2) {
      d.position = prev.position + (next.position - prev.position) / 2;
    } else {
      // no room between the neighbours: the whole queue takes fresh positions, in order
      rest.add(to, d);
      for (Download o : rest) {
        untrack(o);
        last += STEP;
        o.position = last;
        track(o);
        if (o != d) {
          changed.add(o);
        }
      }
    }
    track(d);
    changed.add(d);
    return new Moved(to, changed);
  }
}
