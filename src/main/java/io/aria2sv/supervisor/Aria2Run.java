package io.aria2sv.supervisor;

import io.aria2sv.rpc.Aria2Rpc;
import java.util.List;

/** One aria2c process from spawn to exit, as the supervisor tracks it. Event-loop confined. */
final class Aria2Run {
  final Aria2Process process;
  final Aria2Rpc rpc;
  String version;
  List<String> enabledFeatures = List.of();
  String sessionId;
  long readyAtMillis;
  long startupMillis;
  /** True once we asked it to stop or killed it to replace it: its exit is not a crash. */
  boolean expectedExit;
  boolean rpcHealthy;
  Integer exitCode;

  Aria2Run(Aria2Process process, Aria2Rpc rpc) {
    this.process = process;
    this.rpc = rpc;
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
    return process.pid();
  }

  int port() {
    return rpc.endpoint().port();
  }
}
