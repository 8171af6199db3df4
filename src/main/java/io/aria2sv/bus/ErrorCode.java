package io.aria2sv.bus;

import java.util.Arrays;

/**
 * The failure codes of every event-bus request, with the HTTP status each maps to. Consumers fail
 * with {@code message.fail(code.code(), text)}; explicit numbers keep the wire format stable
 * whatever the order of the constants.
 */
public enum ErrorCode {
  BAD_REQUEST(400, 400),
  /** The HTTP API's token is missing or wrong (never sent on the bus). */
  UNAUTHORIZED(401, 401),
  /** The HTTP API's token is valid but its scope does not allow the request (never on the bus). */
  FORBIDDEN(403, 403),
  NOT_FOUND(404, 404),
  CONFLICT(409, 409),
  /** Too many failed authentications from one address; refused for a while (never on the bus). */
  TOO_MANY_REQUESTS(429, 429),
  /** aria2c is not running (stopped, starting or restarting). */
  NOT_RUNNING(503, 503),
  /** The supervisor gave up after its restart budget; only an explicit start leaves this state. */
  SUPERVISOR_FAILED(530, 503),
  /** aria2c could not be started. */
  START_FAILED(531, 503),
  /** aria2 answered with an error. */
  ARIA2_ERROR(502, 502),
  /** aria2 did not answer in time. */
  TIMEOUT(504, 504),
  /** The registry cannot store anything: the file system under the data directory is full. */
  STORAGE_FULL(507, 507),
  /**
   * The registry cannot store anything for another reason (read-only, locked, I/O error, file
   * replaced): the message names the cause and the data directory.
   */
  STORAGE_UNAVAILABLE(532, 503),
  INTERNAL(500, 500);

  private final int code;
  private final int httpStatus;

  ErrorCode(int code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  /** The number sent as the failure code on the bus. */
  public int code() {
    return code;
  }

  /** The HTTP status this failure becomes in the REST API. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The constant for a failure code received from the bus, or {@link #INTERNAL}. */
  public static ErrorCode of(int code) {
    return Arrays.stream(values()).filter(c -> c.code == code).findFirst().orElse(INTERNAL);
  }
}
