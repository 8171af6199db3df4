package io.aria2sv.trackers;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * A response body gathered up to a limit: a write beyond it fails, which ends the Web Client's
 * request with that failure instead of holding an unbounded body.
 */
final class LimitedBody implements WriteStream<Buffer> {
  private final int limit;
  private final Buffer body = Buffer.buffer();

  LimitedBody(int limit) {
    this.limit = limit;
  }

  Buffer body() {
    return body;
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (body.length() + data.length() > limit) {
      return Future.failedFuture("the list is larger than " + limit + " bytes");
    }
    body.appendBuffer(data);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    return Future.succeededFuture();
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    return this;
  }
}
