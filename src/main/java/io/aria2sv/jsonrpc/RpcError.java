package io.aria2sv.jsonrpc;

/** An error answer of aria2's JSON-RPC: its code (1 for aria2's own errors) and message. */
final class RpcError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  static final int ARIA2 = 1;
  static final int PARSE = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int NO_METHOD = -32601;

  final int code;

  RpcError(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  static RpcError aria2(String message) {
    return new RpcError(ARIA2, message);
  }

  static RpcError wrongType(int index) {
    return aria2("The parameter at " + index + " has wrong type.");
  }
}
