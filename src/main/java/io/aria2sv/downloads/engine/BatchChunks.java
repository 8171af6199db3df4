package io.aria2sv.downloads.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Splits calls into {@code system.multicall} chunks that stay well under aria2's request size limit
 * ({@code rpc-max-request-size}, 2 MiB by default).
 */
final class BatchChunks {
  static final int MAX_BYTES = 512 * 1024;
  static final int MAX_CALLS = 500;

  private BatchChunks() {}

  static <T> List<List<T>> split(List<T> items, ToIntFunction<T> size) {
    List<List<T>> chunks = new ArrayList<>();
    List<T> current = new ArrayList<>();
    int bytes = 0;
    for (T item : items) {
      int s = size.applyAsInt(item);
      if (!current.isEmpty() && (bytes + s > MAX_BYTES || current.size() >= MAX_CALLS)) {
        chunks.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(item);
      bytes += s;
    }
    if (!current.isEmpty()) {
      chunks.add(current);
    }
    return chunks;
  }
}
