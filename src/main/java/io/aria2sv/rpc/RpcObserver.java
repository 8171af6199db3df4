package io.aria2sv.rpc;

/**
 * Told about every JSON-RPC call and retry, for metrics: the RPC classes get one handed in and know
 * nothing of where the figures go.
 */
public interface RpcObserver {
  /** Observes nothing. */
  RpcObserver NONE =
      new RpcObserver() {
        @Override
        public void called(String method, long nanos, Aria2RpcException failure) {}

        @Override
        public void retried() {}
      };

  /** A call of {@code method} took {@code nanos}; {@code failure} is null when it succeeded. */
  void called(String method, long nanos, Aria2RpcException failure);

  /** A call is sent again after a transport failure or timeout. */
  void retried();
}
