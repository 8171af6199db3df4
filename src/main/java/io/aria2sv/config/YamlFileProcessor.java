package io.aria2sv.config;

import io.vertx.config.spi.ConfigProcessor;
import io.vertx.config.yaml.YamlProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The configuration file's format ({@value #NAME}): YAML, where a file with no document at all
 * (empty, or only comments, like the shipped {@code conf/config.yaml}) is an empty configuration.
 * vertx-config's own YAML format fails on such a file.
 */
public final class YamlFileProcessor implements ConfigProcessor {
  /** The format name for a file store. */
  public static final String NAME = "aria2sv-yaml";

  private final YamlProcessor yaml = new YamlProcessor();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<JsonObject> process(Vertx vertx, JsonObject configuration, Buffer input) {
    return hasNoDocument(input.toString())
        ? Future.succeededFuture(new JsonObject())
        : yaml.process(vertx, configuration, input);
  }

  /** Only blank lines, comments and document markers. */
  static boolean hasNoDocument(String text) {
    return text.lines()
        .map(String::strip)
        .allMatch(l -> l.isEmpty() || l.startsWith("#") || l.equals("---") || l.equals("..."));
  }
}
