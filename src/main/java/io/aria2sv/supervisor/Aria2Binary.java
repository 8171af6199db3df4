package io.aria2sv.supervisor;

import java.nio.file.Path;
import java.util.List;

/** An aria2c executable that answered {@code --version}: where it is, its version, its features. */
public record Aria2Binary(Path path, String version, List<String> enabledFeatures) {}
