package io.aria2sv.rpc;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;

/**
 * A failed JSON-RPC call, typed by what went wrong. Only {@link Kind#TRANSPORT} and {@link
 * Kind#TIMEOUT} are worth retrying; an {@link Kind#ARIA2} error is aria2's answer.
 */
public final class Aria2RpcException extends ServiceException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is. */
  public enum Kind {
    /** aria2 answered with a JSON-RPC error object. */
    ARIA2,
    /** No usable answer: connection refused or reset, or a body that is not JSON-RPC. */
    TRANSPORT,
    /** No answer within the call's time limit. */
    TIMEOUT,
    /** No aria2c is running, and none is on its way (the supervisor is stopped). */
    NOT_RUNNING,
    /** No aria2c is running: the supervisor gave up after its restart budget (FAILED). */
    GAVE_UP
  }

  private final Kind kind;
  private final String method;
  private final int aria2Code;

  private Aria2RpcException(
      Kind kind, String method, int aria2Code, String message, Throwable cause) {
    super(codeOf(kind), method + ": " + message, cause);
    this.kind = kind;
    this.method = method;
    this.aria2Code = aria2Code;
  }

  /** aria2's own error answer. */
  public static Aria2RpcException aria2(String method, int code, String message) {
    return new Aria2RpcException(
        Kind.ARIA2, method, code, "aria2 error " + code + ": " + message, null);
  }

  /** A transport failure. */
  public static Aria2RpcException transport(String method, String message, Throwable cause) {
    return new Aria2RpcException(Kind.TRANSPORT, method, 0, message, cause);
  }

  /** No answer in time. */
  public static Aria2RpcException timeout(String method, long millis) {
    return new Aria2RpcException(
        Kind.TIMEOUT, method, 0, "no answer within " + millis + " ms", null);
  }

  /** No aria2c to send {@code method} to: stopped, or given up on ({@code gaveUp}). */
  public static Aria2RpcException notRunning(String method, boolean gaveUp, String why) {
    return new Aria2RpcException(gaveUp ? Kind.GAVE_UP : Kind.NOT_RUNNING, method, 0, why, null);
  }

  /** The bus failure's code for each kind of failure. */
  private static ErrorCode codeOf(Kind kind) {
    return switch (kind) {
      case ARIA2 -> ErrorCode.ARIA2_ERROR;
      case TIMEOUT -> ErrorCode.TIMEOUT;
      case TRANSPORT, NOT_RUNNING -> ErrorCode.NOT_RUNNING;
      case GAVE_UP -> ErrorCode.SUPERVISOR_FAILED;
    };
  }

  /** A transport failure says that aria2 is unreachable; the others say what they are. */
  @Override
  public String callerMessage() {
    return kind == Kind.TRANSPORT ? "aria2 is unreachable: " + getMessage() : getMessage();
  }

  public Kind kind() {
    return kind;
  }

  /** The RPC method that failed. */
  public String method() {
    return method;
  }

  /** aria2's error code for {@link Kind#ARIA2}, else 0. */
  public int aria2Code() {
    return aria2Code;
  }

  /** True for failures where asking again may succeed. */
  public boolean isRetryable() {
    return kind == Kind.TRANSPORT || kind == Kind.TIMEOUT;
  }

  /** True when {@code err} is aria2's own error answer (it refused the call). */
  public static boolean isAria2Error(Throwable err) {
    return err instanceof Aria2RpcException e && e.kind == Kind.ARIA2;
  }

  /** True when aria2 refused our secret. */
  public boolean isUnauthorized() {
    return kind == Kind.ARIA2 && getMessage().endsWith("Unauthorized");
  }
}
