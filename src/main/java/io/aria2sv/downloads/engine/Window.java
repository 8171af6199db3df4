package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.FAILED;
import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.rpc.Aria2;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few downloads aria2c holds out of the whole queue: those it runs, plus up to a margin of
 * waiting ones, so that a slot aria2 frees is taken at once by aria2 itself while the supervisor
 * adds the next. The window is {@code max-concurrent-downloads} (read from aria2c, so a change at
 * run time resizes it) plus the margin ({@code downloads.windowMargin}; by default as many again).
 * Filled in queue order whenever a download leaves aria2 or the queue changes; a waiting download
 * aria2 holds but has not started gives its place back to one moved ahead of it, and to a smaller
 * window. Paused downloads aria2 holds take no place; beyond the window's size the oldest are given
 * back. Nothing is added before the first reconcile with aria2c. Event-loop confined.
 */
final class Window {
  private static final Logger LOG = LoggerFactory.getLogger(Window.class);

  private final Context context;
  private final Aria2 rpc;
  private final DownloadIndex index;
  private final DownloadQueue queue;
  private final Aria2Side aria2;
  private final Transitions transitions;
  private final AddsInFlight inFlight;

  private int maxConcurrent = 5;
  private int margin;
  private boolean reconciled;
  private boolean kicked;
  private String fenced;

  Window(
      Vertx vertx,
      Aria2 rpc,
      DownloadIndex index,
      Aria2Side aria2,
      Transitions transitions,
      AddsInFlight inFlight,
      int margin) {
    this.inFlight = inFlight;
    this.context = vertx.getOrCreateContext();
    this.rpc = rpc;
    this.index = index;
    this.queue = index.queue();
    this.aria2 = aria2;
    this.transitions = transitions;
    this.margin = margin;
  }

  /** The waiting downloads aria2c holds beyond those it runs; negative: {@code max-concurrent}. */
  void margin(int next) {
    margin = next;
    kick();
  }

  /** How many downloads aria2c holds that are not paused, at most. */
  int size() {
    return Math.max(1, maxConcurrent + (margin < 0 ? maxConcurrent : margin));
  }

  /**
   * Whether the new download {@code d} can go to aria2c at once: a waiting one while the window has
   * room, a paused one while aria2c holds fewer paused downloads than the window's size (aria2
   * clients see a paused download's files and options from aria2 itself).
   */
  boolean hasRoom(Download d) {
    if (fenced != null || !reconciled || !rpc.running()) {
      return false;
    }
    return d.status == PAUSED ? queue.heldPaused().size() < size() : queue.occupied() < size();
  }

  /** aria2c and the registry were brought together: the window fills from here on. */
  void reconciled() {
    reconciled = true;
    kick();
  }

  /** Fills the window on the next turn of the event loop, once for any number of calls. */
  void kick() {
    if (!kicked) {
      kicked = true;
      context.runOnContext(
          v -> {
            kicked = false;
            fill();
          });
    }
  }

  /** Runs before each fill: the queue read back from the registry as its turn nears. */
  void beforeFill(Runnable r) {
    beforeFill = r;
  }

  private Runnable beforeFill = () -> {};

  private void fill() {
    beforeFill.run();
    if (!reconciled || !rpc.running()) {
      return;
    }
    if (fenced != null) {
      emptied();
      return;
    }
    int size = size();
    int room = size - queue.occupied();
    while (room < 0) {
      Download w = queue.lastHeldWaiting();
      if (w == null) {
        break;
      }
      giveBack(w);
      room++;
    }
    List<Download> paused = queue.heldPaused();
    for (int i = 0; i < paused.size() - size; i++) {
      giveBack(paused.get(i)); // the oldest beyond the window's size
    }
    for (; room > 0; room--) {
      Download next = queue.nextReady();
      if (next == null) {
        return;
      }
      send(next);
    }
    for (Download next = queue.nextReady(); next != null; next = queue.nextReady()) {
      Download w = queue.lastHeldWaiting();
      if (w == null || !DownloadQueue.before(next, w)) {
        return;
      }
      giveBack(w);
      send(next);
    }
  }

  /** Adds {@code d} to aria2c where it stands among the downloads aria2c lists as waiting. */
  private void send(Download d) {
    boolean resume = d.gids.size() > 1 || d.completedLength > 0;
    // a pause, resume or removal of d waits until aria2c has answered this add
    inFlight
        .reAdd(d, aria2.add(d, resume, queue.heldAhead(d)))
        .onFailure(
            err -> {
              if (err instanceof AddRefused why && d.status == WAITING) {
                d.errorCode = why.aria2Code();
                d.errorMessage = why.getMessage();
                transitions.move(d, FAILED);
              } else {
                LOG.debug("download {} stays queued: {}", d.id, err.getMessage());
              }
            });
  }

  /**
   * Takes {@code d} out of aria2c and back into the queue: under a new GID, so that what aria2
   * reports of the old one changes nothing; its partial file and control file stay, and its next
   * add resumes them.
   */
  private void giveBack(Download d) {
    aria2.giveBack(d, index.newGid(d));
    transitions.changed(d);
  }

  /**
   * Fences the downloads ({@code why} non-null) or lifts the fence (null): fenced, aria2c holds
   * none of them, running or not (each goes back to the queue under a new GID; its partial file and
   * control file stay for its next add), and none is sent to it until the fence is lifted.
   */
  void fence(String why) {
    boolean changed = (why == null) != (fenced == null);
    fenced = why;
    if (changed) {
      LOG.info(
          why == null
              ? "the fence is lifted: aria2c runs the queue again"
              : "fenced ({}): aria2c holds no download of this node until the fence is lifted",
          why);
      kick();
    }
  }

  /** Whether aria2c and the registry were brought together since the start. */
  boolean wasReconciled() {
    return reconciled;
  }

  /** Why the downloads are fenced, or null. */
  String fenced() {
    return fenced;
  }

  /**
   * Everything aria2c holds goes back to the queue (those it ran as waiting, paused as paused), but
   * seeding torrents.
   */
  private void emptied() {
    for (Download d : List.copyOf(queue.held())) {
      if (d.firstAddFrom != null) {
        continue; // its first add is answered first; the next fill gives it back
      }
      if (d.status == io.aria2sv.bus.DownloadStatus.SEEDING) {
        continue; // complete: nobody else runs it, and giving it back would fetch it again
      }
      giveBack(d);
      if (d.status.transferring()) {
        transitions.move(d, WAITING);
      }
    }
  }

  /** aria2c's {@code max-concurrent-downloads} as read now: a change resizes the window at once. */
  void maxConcurrent(int n) {
    if (n != maxConcurrent && n > 0) {
      maxConcurrent = n;
      LOG.info("aria2c runs {} downloads at once: it holds {} of the queue from now on", n, size());
      kick();
    }
  }
}
