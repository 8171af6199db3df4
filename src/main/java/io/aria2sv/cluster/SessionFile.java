package io.aria2sv.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * aria2's saved session ({@code --save-session}): one entry per download, a line of its URIs
 * followed by its options, each on a line that starts with a space ({@code " gid=…"}). Used to take
 * out, before aria2c starts, the downloads another node took over.
 */
public final class SessionFile {
  private SessionFile() {}

  /**
   * Rewrites {@code file} without the entries whose {@code gid} is in {@code gids}; returns how
   * many went. A missing file is left missing. Blocking.
   */
  public static int strip(Path file, Set<String> gids) throws IOException {
    if (gids.isEmpty() || !Files.isRegularFile(file)) {
      return 0;
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> kept = new ArrayList<>(lines.size());
    List<String> entry = new ArrayList<>();
    int removed = 0;
    for (String line : lines) {
      if (!line.startsWith(" ") && !line.startsWith("\t") && !entry.isEmpty()) {
        removed += flush(entry, kept, gids);
      }
      entry.add(line);
    }
    removed += flush(entry, kept, gids);
    if (removed > 0) {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, kept, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    return removed;
  }

  private static int flush(List<String> entry, List<String> kept, Set<String> gids) {
    boolean drop =
        entry.stream()
            .anyMatch(
                l -> l.startsWith(" gid=") && gids.contains(l.substring(" gid=".length()).trim()));
    if (!drop) {
      kept.addAll(entry);
    }
    entry.clear();
    return drop ? 1 : 0;
  }
}
