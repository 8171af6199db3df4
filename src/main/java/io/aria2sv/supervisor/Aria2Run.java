package io.aria2sv.supervisor;

import java.util.List;

/** One aria2c from spawn to exit, as the supervisor tracks it. Event-loop confined. */
final class Aria2Run {
  final Aria2Handle handle;
  String version;
  List<String> enabledFeatures = List.of();
  String sessionId;
  long readyAtMillis;
  long startupMillis;

  /** True once we asked it to stop or killed it to replace it: its exit is not a crash. */
  boolean expectedExit;

  boolean rpcHealthy;
  Integer exitCode;

  /** Its health watch while it runs; null before it is ready and after it ended. */
  HealthWatch watch;

  Aria2Run(Aria2Handle handle) {
    this.handle = handle;
  }

  void ready(ReadinessProbe.Ready ready, long startupMillis) {
    this.version = ready.version();
    this.enabledFeatures = ready.enabledFeatures();
    this.sessionId = ready.sessionId();
    this.readyAtMillis = System.currentTimeMillis();
    this.startupMillis = startupMillis;
    this.rpcHealthy = true;
  }

  long pid() {
    return handle.pid();
  }

  int port() {
    return handle.port();
  }

  /** Stops watching it (timers cancelled; nothing it does is reported any more). */
  void unwatch() {
    if (watch != null) {
      watch.close();
      watch = null;
    }
  }
}
