package io.aria2sv.supervisor;

import io.vertx.core.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Starts one aria2c and waits until it is ready. {@link ProcessStarter} is the real one. */
interface Aria2Starter {
  /**
   * Spawns aria2c, hands the run to {@code spawned} at once (a stop may need it before it is
   * ready), and completes with it once it answers with our secret. Gives up when {@code cancelled}
   * turns true (the run is then left to whoever cancelled), and otherwise kills what it spawned
   * when it fails: with {@link StartCrash} when aria2c was killed by a signal before it was ready,
   * with a failure naming why in any other case.
   */
  Future<Aria2Run> start(BooleanSupplier cancelled, Consumer<Aria2Run> spawned);
}
