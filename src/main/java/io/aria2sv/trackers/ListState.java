package io.aria2sv.trackers;

import java.time.Instant;
import java.util.List;

/** One tracker list: its last good content and when it came, and the last failure since. */
final class ListState {
  List<String> trackers = List.of();
  Instant fetchedAt;
  String error;
  Instant failedAt;
}
