package io.aria2sv.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.config.yaml.YamlProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Loads the effective configuration. Layers, lowest first: the built-in defaults ({@code
 * aria2sv/defaults.yaml} in the jar), the preset of the chosen {@code profile}, the YAML file,
 * {@code ARIA2SV_<PATH>} environment variables, {@code aria2sv.<path>} system properties. The file,
 * environment and property layers are listed explicitly as vertx-config stores (its default stores
 * would let the file beat the environment).
 *
 * <p>A key that is not among the defaults is refused, so a typo never passes silently.
 */
public final class ConfigLoader {
  /** Environment variables with this prefix override configuration keys. */
  public static final String ENV_PREFIX = "ARIA2SV_";

  /** System properties with this prefix override configuration keys. */
  public static final String PROPERTY_PREFIX = "aria2sv.";

  /** The file read when none is named on the command line; optional. */
  public static final Path DEFAULT_FILE = Path.of("conf", "config.yaml");

  private static final String OPTIONS_PATH = "aria2.options";

  /** Sections whose keys are the user's (option names, category names): any key is one. */
  private static final java.util.Set<String> FREE_SECTIONS =
      java.util.Set.of(OPTIONS_PATH, "categories");

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConfigLoader.class);

  private final Vertx vertx;
  private final Path base;
  private final Map<String, String> env;
  private final Properties properties;

  /**
   * @param base the working directory: the default file and relative paths resolve against it
   */
  public ConfigLoader(Vertx vertx, Path base, Map<String, String> env, Properties properties) {
    this.vertx = vertx;
    this.base = base.toAbsolutePath();
    this.env = env;
    this.properties = properties;
  }

  /** A loader for the real process environment and system properties. */
  public static ConfigLoader forProcess(Vertx vertx) {
    return new ConfigLoader(vertx, Path.of(""), System.getenv(), System.getProperties());
  }

  /**
   * Loads, merges and validates.
   *
   * @param file the file named on the command line, or {@code null} for the optional default
   * @return the effective configuration with absolute paths; fails with {@link ConfigException}
   */
  public Future<JsonObject> load(Path file) {
    return defaults()
        .compose(defaults -> userLayers(file, defaults).compose(user -> merge(defaults, user)));
  }

  private Future<JsonObject> merge(JsonObject defaults, JsonObject user) {
    String profile = String.valueOf(user.getValue("profile", defaults.getValue("profile")));
    Future<JsonObject> preset =
        AppConfig.PROFILES.contains(profile) && !"default".equals(profile)
            ? yamlResource("aria2sv/profile-" + profile + ".yaml")
            : Future.succeededFuture(new JsonObject());
    return preset.map(
        p -> {
          rejectUnknownKeys(user, defaults, "");
          JsonObject effective = defaults.copy().mergeIn(p, true).mergeIn(user, true);
          AppConfig config = AppConfig.from(effective, base);
          effective
              .getJsonObject("aria2")
              .put("dataDir", config.aria2().dataDir().toString())
              .put("downloadDir", config.aria2().downloadDir().toString());
          return effective;
        });
  }

  /**
   * The effective configuration for a host application: {@code overrides} (any subset of the keys,
   * as in the YAML file) on top of the defaults and the chosen profile's preset. The process
   * environment and system properties are not read.
   */
  public static Future<JsonObject> forEmbedding(Vertx vertx, JsonObject overrides, Path base) {
    ConfigLoader loader = new ConfigLoader(vertx, base, Map.of(), new Properties());
    return loader
        .defaults()
        .compose(
            defaults -> {
              try {
                return loader.merge(
                    defaults, overrides == null ? new JsonObject() : overrides.copy());
              } catch (ConfigException e) {
                return Future.failedFuture(e);
              }
            });
  }

  /** The built-in defaults, which also define the set of known keys. */
  public Future<JsonObject> defaults() {
    return yamlResource("aria2sv/defaults.yaml");
  }

  private Future<JsonObject> yamlResource(String name) {
    return vertx
        .executeBlocking(
            () -> {
              try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(name)) {
                if (in == null) {
                  throw new IllegalStateException("missing resource " + name);
                }
                return Buffer.buffer(in.readAllBytes());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .compose(bytes -> new YamlProcessor().process(vertx, new JsonObject(), bytes));
  }

  private Future<JsonObject> userLayers(Path file, JsonObject defaults) {
    ConfigRetriever retriever;
    try {
      retriever = retriever(file, defaults, -1);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    Path path = resolveFile(file);
    return retriever
        .getConfig()
        .recover(
            err ->
                Future.failedFuture(
                    new ConfigException(
                        path.toString(), "cannot be read as YAML: " + yamlProblem(err))))
        .eventually(retriever::close);
  }

  private Path resolveFile(Path file) {
    return file == null ? base.resolve(DEFAULT_FILE) : base.resolve(file);
  }

  /**
   * The explicit stores, lowest first: the file (when present), the environment, the properties.
   */
  private ConfigRetriever retriever(Path file, JsonObject defaults, long scanPeriodMillis) {
    JsonObject envLayer = environmentLayer(defaults);
    JsonObject propertyLayer = propertyLayer(defaults);
    Path path = resolveFile(file);
    List<ConfigStoreOptions> stores = new ArrayList<>();
    if (Files.isRegularFile(path)) {
      stores.add(
          new ConfigStoreOptions()
              .setType("file")
              .setFormat(YamlFileProcessor.NAME)
              .setConfig(new JsonObject().put("path", path.toString())));
    }
    stores.add(new ConfigStoreOptions().setType("json").setConfig(envLayer));
    stores.add(new ConfigStoreOptions().setType("json").setConfig(propertyLayer));
    return ConfigRetriever.create(
        vertx,
        new ConfigRetrieverOptions()
            .setIncludeDefaultStores(false)
            .setScanPeriod(scanPeriodMillis)
            .setStores(stores));
  }

  /**
   * Watches the configuration file (vertx-config scan and listen). Each change that validates and
   * that {@code vet} accepts is handed to {@code onChange} as a new effective configuration; one
   * that fails either is logged with the key it fails on and refused whole: the running
   * configuration is kept. Changes are measured against {@code loaded}, the configuration the
   * process started with, so an edit made at any moment after the load is applied (the watcher does
   * not read the file again to prime itself).
   *
   * @return the watching retriever; close it to stop watching
   */
  public Future<ConfigRetriever> watch(
      Path file,
      java.time.Duration scanPeriod,
      JsonObject loaded,
      java.util.function.Function<JsonObject, Future<Void>> vet,
      java.util.function.Consumer<JsonObject> onChange) {
    if (!Files.isRegularFile(resolveFile(file))) {
      return Future.succeededFuture(null); // no file, nothing that can change
    }
    JsonObject[] last = {loaded};
    return defaults()
        .map(
            defaults -> {
              ConfigRetriever retriever = retriever(file, defaults, scanPeriod.toMillis());
              retriever.listen(
                  change ->
                      defaults()
                          .compose(d -> merge(d, change.getNewConfiguration()))
                          .onComplete(
                              ar -> {
                                if (ar.failed()) {
                                  LOG.error(
                                      "configuration change rejected, keeping the running configuration: {}",
                                      ar.cause().getMessage());
                                  return;
                                }
                                JsonObject next = ar.result();
                                if (next.equals(last[0])) {
                                  return;
                                }
                                vet.apply(next)
                                    .onSuccess(
                                        v -> {
                                          last[0] = next;
                                          LOG.info("configuration file changed: applying it");
                                          onChange.accept(next);
                                        })
                                    .onFailure(
                                        err ->
                                            LOG.error(
                                                "configuration change rejected, keeping the running configuration: {}",
                                                err.getMessage()));
                              }));
              return retriever;
            });
  }

  /**
   * What the YAML parser found wrong, with the line and column where it found it (both counted from
   * 1), when it says.
   */
  static String yamlProblem(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
        return "line "
            + (m.getProblemMark().getLine() + 1)
            + ", column "
            + (m.getProblemMark().getColumn() + 1)
            + ": "
            + m.getProblem();
      }
    }
    return rootMessage(err);
  }

  private static String rootMessage(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage()).lines().findFirst().orElse("");
  }

  private JsonObject environmentLayer(JsonObject defaults) {
    Map<String, String> byEnvName = new java.util.HashMap<>();
    for (String key : leafKeys(defaults, "")) {
      byEnvName.put(envName(key), key);
    }
    JsonObject layer = new JsonObject();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith(ENV_PREFIX)) {
        continue;
      }
      String key = byEnvName.get(e.getKey());
      if (key == null) {
        throw new ConfigException(
            e.getKey(),
            "matches no configuration key (see conf/config.yaml)"
                + KeySuggestion.didYouMean(e.getKey(), byEnvName.keySet()));
      }
      put(layer, key, e.getValue());
    }
    return layer;
  }

  private JsonObject propertyLayer(JsonObject defaults) {
    List<String> known = leafKeys(defaults, "");
    JsonObject layer = new JsonObject();
    for (String name : properties.stringPropertyNames()) {
      if (!name.startsWith(PROPERTY_PREFIX)) {
        continue;
      }
      String key = name.substring(PROPERTY_PREFIX.length());
      if (!known.contains(key) && FREE_SECTIONS.stream().noneMatch(f -> key.startsWith(f + "."))) {
        throw new ConfigException(
            name,
            "matches no configuration key (see conf/config.yaml)"
                + KeySuggestion.didYouMean(
                    name, known.stream().map(k -> PROPERTY_PREFIX + k).toList()));
      }
      put(layer, key, properties.getProperty(name));
    }
    return layer;
  }

  /** {@code supervisor.restart.maxDelay} becomes {@code ARIA2SV_SUPERVISOR_RESTART_MAX_DELAY}. */
  public static String envName(String key) {
    StringBuilder sb = new StringBuilder(ENV_PREFIX);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '.') {
        sb.append('_');
      } else if (Character.isUpperCase(c)) {
        sb.append('_').append(c);
      } else {
        sb.append(Character.toUpperCase(c));
      }
    }
    return sb.toString().toUpperCase(Locale.ROOT);
  }

  /** Every leaf key of {@code json} as a dotted path; {@code aria2.options} counts as one leaf. */
  public static List<String> leafKeys(JsonObject json, String prefix) {
    List<String> keys = new ArrayList<>();
    for (String name : json.fieldNames()) {
      String key = prefix.isEmpty() ? name : prefix + "." + name;
      Object v = json.getValue(name);
      if (v instanceof JsonObject o && !FREE_SECTIONS.contains(key)) {
        keys.addAll(leafKeys(o, key));
      } else {
        keys.add(key);
      }
    }
    return keys;
  }

  private static void rejectUnknownKeys(JsonObject user, JsonObject known, String prefix) {
    for (String name : user.fieldNames()) {
      String key = prefix.isEmpty() ? name : prefix + "." + name;
      if (!known.containsKey(name)) {
        throw new ConfigException(
            key,
            "is not a configuration key (see conf/config.yaml)"
                + KeySuggestion.didYouMean(
                    key,
                    known.fieldNames().stream()
                        .map(k -> prefix.isEmpty() ? k : prefix + "." + k)
                        .toList()));
      }
      Object v = user.getValue(name);
      Object k = known.getValue(name);
      if (k instanceof JsonObject ko && !FREE_SECTIONS.contains(key)) {
        if (!(v instanceof JsonObject vo)) {
          throw new ConfigException(key, "must be a section (a map of keys), not '" + v + "'");
        }
        rejectUnknownKeys(vo, ko, key);
      }
    }
  }

  private static void put(JsonObject root, String key, Object value) {
    String[] parts = key.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = node.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        node.put(parts[i], next);
      }
      node = next;
    }
    node.put(parts[parts.length - 1], value);
  }
}
