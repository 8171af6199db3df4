package io.aria2sv.downloads.engine;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One page of a list that runs through the downloads held in memory and the cold ones in the
 * registry ({@link ColdTier}), both read in the same order and merged as they come: a page from
 * either end reads only as far as it reaches (and to the end when the number that match must be
 * counted). Cold rows are read a chunk at a time off the event loop. Event-loop confined.
 */
final class MergedPages {
  private MergedPages() {}

  /** The most cold rows one read takes. */
  static final int CHUNK = 1000;

  /** The next cold rows, in order, from where the last read stopped; empty once there are none. */
  interface ColdCursor {
    Future<List<Download>> next(int max);
  }

  /** A page: the downloads on it, and how many match in all (-1 when not counted). */
  record Page(List<Download> downloads, int total) {}

  /**
   * What to page: skips {@code offset} downloads that pass {@code keep} and takes the next {@code
   * limit}, from {@code hot} and {@code cold} merged by {@code order}. With {@code count}, reads on
   * to the end to count every match; else stops once the page is full. A cold row whose download is
   * held in memory ({@code held}) is left out: memory has it, and newer. A held download that
   * {@code surelyFirst} says comes before every cold row is taken without reading any.
   */
  record Spec(
      Iterator<Download> hot,
      ColdCursor cold,
      Comparator<Download> order,
      Predicate<Download> keep,
      Predicate<String> held,
      int offset,
      int limit,
      boolean count,
      Predicate<Download> surelyFirst) {}

  /** The page {@code spec} asks for. */
  static Future<Page> page(Spec spec) {
    return new Walk(spec).run();
  }

  private static final class Walk {
    final Iterator<Download> hot;
    final ColdCursor cold;
    final Comparator<Download> order;
    final Predicate<Download> keep;
    final Predicate<String> held;
    final int offset;
    final int limit;
    final boolean count;
    final Predicate<Download> surelyFirst;
    final List<Download> out = new ArrayList<>();
    final ArrayDeque<Download> coldBuffer = new ArrayDeque<>();
    Download nextHot;
    boolean coldDone;
    int seen;

    Walk(Spec s) {
      this.hot = s.hot();
      this.cold = s.cold();
      this.order = s.order();
      this.keep = s.keep();
      this.held = s.held();
      this.offset = s.offset();
      this.limit = s.limit();
      this.count = s.count();
      this.surelyFirst = s.surelyFirst();
      this.nextHot = advanceHot();
    }

    private Download advanceHot() {
      while (hot.hasNext()) {
        Download d = hot.next();
        if (keep.test(d)) {
          return d;
        }
      }
      return null;
    }

    Future<Page> run() {
      while (true) {
        if (!count && out.size() >= limit) {
          return done();
        }
        if (coldBuffer.isEmpty() && !coldDone && nextHot != null && surelyFirst.test(nextHot)) {
          // before every cold row: no need to read any yet
          emit(nextHot);
          nextHot = advanceHot();
          continue;
        }
        if (coldBuffer.isEmpty() && !coldDone) {
          int want = count ? CHUNK : Math.min(CHUNK, Math.max(limit, offset + limit - seen));
          Future<List<Download>> read = cold.next(want);
          if (!read.isComplete()) {
            return read.compose(
                rows -> {
                  take(rows, want);
                  return run();
                });
          }
          if (read.failed()) {
            return Future.failedFuture(read.cause());
          }
          take(read.result(), want); // read at once: no deeper call for the next chunk
          continue;
        }
        Download c = coldBuffer.peekFirst();
        Download next;
        if (c == null && nextHot == null) {
          return done();
        } else if (c == null || (nextHot != null && order.compare(nextHot, c) <= 0)) {
          next = nextHot;
          nextHot = advanceHot();
        } else {
          next = coldBuffer.pollFirst();
        }
        emit(next);
      }
    }

    private void emit(Download next) {
      if (seen >= offset && out.size() < limit) {
        out.add(next);
      }
      seen++;
    }

    private void take(List<Download> rows, int asked) {
      if (rows.size() < asked) {
        coldDone = true;
      }
      for (Download d : rows) {
        if (!held.test(d.id) && keep.test(d)) {
          coldBuffer.add(d);
        }
      }
    }

    private Future<Page> done() {
      return Future.succeededFuture(new Page(out, count ? seen : -1));
    }
  }

  /** A cursor over cold rows read by {@code read} from the last one it returned (null: start). */
  static ColdCursor cursor(Function<Download, Function<Integer, Future<List<Download>>>> read) {
    return new ColdCursor() {
      private Download last;

      @Override
      public Future<List<Download>> next(int max) {
        return read.apply(last)
            .apply(max)
            .map(
                rows -> {
                  if (!rows.isEmpty()) {
                    last = rows.get(rows.size() - 1);
                  }
                  return rows;
                });
      }
    };
  }
}
