package io.aria2sv.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The whole configuration as typed, validated records. Built from the effective JSON produced by
 * {@link ConfigLoader}; verticles rebuild it from their {@code config()} so each holds typed
 * values, never scattered {@code getString} calls.
 *
 * @param profile the preset that was applied: {@code default}, {@code dev} or {@code prod}
 */
public record AppConfig(
    String profile,
    Aria2 aria2,
    Supervisor supervisor,
    Rpc rpc,
    Downloads downloads,
    Http http,
    ClusterConfig cluster,
    Bittorrent bittorrent,
    Schedules schedules,
    Completion completion) {

  /** The profiles that select one of seed 000's presets. */
  public static final Set<String> PROFILES = Set.of("default", "dev", "prod");

  private static final Duration MS = Duration.ofMillis(1);
  private static final Duration ZERO = Duration.ZERO;

  /** The aria2c process: binary, endpoint port, directories and extra options. */
  public record Aria2(
      String binary, int rpcPort, Path dataDir, Path downloadDir, Map<String, String> options) {

    /**
     * Creates the data directory (owner only: it holds the RPC secret and the session, whose URIs
     * may carry credentials) and the download directory where missing, and checks that both are
     * writable directories. Blocking.
     *
     * @throws ConfigException naming the key of a directory that cannot be used
     */
    public void createDirectories() {
      directory("aria2.dataDir", dataDir, PosixFilePermissions.fromString("rwx------"));
      directory("aria2.downloadDir", downloadDir, null);
    }

    private static void directory(String key, Path dir, Set<PosixFilePermission> mode) {
      try {
        if (!Files.isDirectory(dir)) {
          if (mode == null) {
            Files.createDirectories(dir);
          } else {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(mode));
          }
        }
      } catch (FileAlreadyExistsException e) {
        throw new ConfigException(key, e.getFile() + " exists and is not a directory");
      } catch (NoSuchFileException e) {
        throw new ConfigException(key, "cannot create " + dir + ": no such file or directory");
      } catch (AccessDeniedException e) {
        throw new ConfigException(
            key, "cannot create " + dir + ": permission denied on " + e.getFile());
      } catch (IOException e) {
        String reason =
            e instanceof FileSystemException f && f.getReason() != null
                ? f.getReason()
                : e.getClass().getSimpleName();
        throw new ConfigException(key, "cannot create " + dir + ": " + reason);
      }
      if (!Files.isWritable(dir)) {
        throw new ConfigException(key, dir + " is not writable by this user");
      }
    }
  }

  /** Process supervision timings. */
  public record Supervisor(
      Duration startupTimeout,
      Duration checkInterval,
      Duration healthTimeout,
      int failureThreshold,
      Duration shutdownTimeout,
      Restart restart) {}

  /** Restart intensity and backoff (OTP style: at most maxRestarts within window). */
  public record Restart(
      Duration initialDelay,
      Duration maxDelay,
      double jitter,
      int maxRestarts,
      Duration window,
      Duration resetAfter) {}

  /** JSON-RPC client behaviour. */
  public record Rpc(Duration timeout, Retry retry) {}

  /** Exponential backoff of the RPC client. */
  public record Retry(int maxRetries, Duration initialDelay, Duration maxDelay, double jitter) {}

  /**
   * Download re-add, progress and retention behaviour.
   *
   * @param retryableErrors aria2 error codes that are re-added automatically
   * @param seedRatio a torrent seeds until it has uploaded this many times its size (0 = no ratio
   *     limit)
   * @param seedTime ... or for this long after its data is complete, whichever comes first (0 = no
   *     seeding)
   * @param keepEnded how long a complete, failed or removed download is kept after it ended; zero
   *     keeps it for ever
   * @param coldAfter how long after it ended a download that nothing runs for any more leaves
   *     memory (the registry alone holds it from then on, and reads it back when asked)
   * @param queueInMemory how many queued downloads the engine holds in memory, first in the queue;
   *     the rest wait in the registry only, read back as their turn nears
   * @param windowMargin how many waiting downloads aria2c holds beyond those it runs; -1: as many
   *     as {@code max-concurrent-downloads}
   */
  public record Downloads(
      boolean autoRetry,
      int maxRetries,
      Duration retryDelay,
      Duration progressInterval,
      java.util.Set<Integer> retryableErrors,
      Duration keepEnded,
      double seedRatio,
      Duration seedTime,
      int windowMargin,
      Duration coldAfter,
      int queueInMemory) {}

  /**
   * The HTTP API. An empty token means no authentication.
   *
   * @param tokenForHealthAndMetrics whether /health/* and /metrics need the token too
   * @param maxBodySize the largest request body in bytes
   * @param corsOrigins browser origins allowed to call the API; empty turns CORS off
   */
  public record Http(
      String host,
      int port,
      String token,
      boolean tokenForHealthAndMetrics,
      long maxBodySize,
      java.util.List<String> corsOrigins,
      Duration ssePingInterval,
      Duration idleTimeout,
      java.util.List<HttpAccess.Token> tokens,
      HttpAccess.AuthFailures authFailures,
      HttpAccess.Tls tls) {

    /** Whether requests must carry a token: {@code http.token} or any of {@code http.tokens}. */
    public boolean authEnabled() {
      return !token.isEmpty() || !tokens.isEmpty();
    }

    @Override
    public String toString() {
      return "Http[host="
          + host
          + ", port="
          + port
          + ", token="
          + (token.isEmpty() ? "none" : "***")
          + ", tokens="
          + tokens
          + ", tls="
          + (tls.enabled() ? tls.cert() : "off")
          + "]";
    }
  }

  /**
   * What happens after a download ended complete.
   *
   * @param finishedRoot where complete downloads are moved, or null when none is configured
   * @param moveTo the default directory under it ({@code "."} the root), or null for no move
   * @param categories the configured categories as written (checked by the downloads service)
   * @param webhooks the webhook endpoints as written (checked by the downloads service)
   * @param webhookRetries the delays between delivery attempts
   * @param command the argument vector run after each complete download (empty: none)
   * @param commandTimeout how long it may run
   */
  public record Completion(
      Path finishedRoot,
      String moveTo,
      io.vertx.core.json.JsonObject categories,
      io.vertx.core.json.JsonArray webhooks,
      java.util.List<Duration> webhookRetries,
      java.util.List<String> command,
      Duration commandTimeout) {
    @Override
    public String toString() {
      // the webhooks' secrets never reach a log line
      return "Completion[finishedRoot="
          + finishedRoot
          + ", moveTo="
          + moveTo
          + ", categories="
          + categories.fieldNames()
          + ", webhooks="
          + webhooks.size()
          + "]";
    }
  }

  /**
   * Tracker lists kept fresh.
   *
   * @param trackerLists URLs (http or https) of plain-text announce lists
   * @param trackerListInterval how often they are fetched again
   */
  public record Bittorrent(
      java.util.List<java.net.URI> trackerLists, Duration trackerListInterval) {}

  /**
   * Time-of-day rules, read by the schedule (which checks the rules themselves).
   *
   * @param timeZone the zone of the rules' times
   * @param rules the rules as written
   */
  public record Schedules(java.time.ZoneId timeZone, io.vertx.core.json.JsonArray rules) {}

  /**
   * Validates the effective configuration.
   *
   * @param json the merged configuration (defaults, preset, file, environment, properties)
   * @param base the directory that relative paths resolve against
   * @throws ConfigException naming the first invalid key
   */
  public static AppConfig from(JsonObject json, Path base) {
    ConfigReader root = new ConfigReader(json, "");
    String profile = root.nonBlank("profile");
    if (!PROFILES.contains(profile)) {
      throw new ConfigException("profile", "'" + profile + "' is not one of default, dev, prod");
    }

    ConfigReader a = root.section("aria2");
    Aria2 aria2 =
        new Aria2(
            a.nonBlank("binary"),
            (int) a.integer("rpcPort", 0, 65535),
            base.resolve(a.nonBlank("dataDir")).toAbsolutePath().normalize(),
            base.resolve(a.nonBlank("downloadDir")).toAbsolutePath().normalize(),
            Aria2Options.validate(a.key("options"), a.object("options")));

    ConfigReader s = root.section("supervisor");
    ConfigReader r = s.section("restart");
    Duration initialDelay = r.duration("initialDelay", ZERO);
    Duration maxDelay = r.duration("maxDelay", ZERO);
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new ConfigException(
          r.key("maxDelay"), "must not be shorter than " + r.key("initialDelay"));
    }
    Restart restart =
        new Restart(
            initialDelay,
            maxDelay,
            r.fraction("jitter"),
            (int) r.integer("maxRestarts", 0, 1_000_000),
            r.duration("window", MS),
            r.duration("resetAfter", MS));
    Supervisor supervisor =
        new Supervisor(
            s.duration("startupTimeout", Duration.ofMillis(100)),
            s.duration("checkInterval", Duration.ofMillis(100)),
            s.duration("healthTimeout", Duration.ofMillis(50)),
            (int) s.integer("failureThreshold", 1, 1000),
            s.duration("shutdownTimeout", ZERO),
            restart);

    ConfigReader p = root.section("rpc");
    ConfigReader pr = p.section("retry");
    Duration retryInitial = pr.duration("initialDelay", ZERO);
    Duration retryMax = pr.duration("maxDelay", ZERO);
    if (retryMax.compareTo(retryInitial) < 0) {
      throw new ConfigException(
          pr.key("maxDelay"), "must not be shorter than " + pr.key("initialDelay"));
    }
    Rpc rpc =
        new Rpc(
            p.duration("timeout", MS),
            new Retry(
                (int) pr.integer("maxRetries", 0, 100),
                retryInitial,
                retryMax,
                pr.fraction("jitter")));

    ConfigReader d = root.section("downloads");
    Downloads downloads =
        new Downloads(
            d.bool("autoRetry"),
            (int) d.integer("maxRetries", 0, 1000),
            d.duration("retryDelay", ZERO),
            d.duration("progressInterval", Duration.ofMillis(100)),
            d.intSet("retryableErrors", 1, 255),
            d.duration("keepEnded", ZERO),
            d.number("seedRatio", 0, 1000),
            d.duration("seedTime", ZERO),
            (int) d.integerOr("windowMargin", "auto", -1, 0, 100_000),
            d.duration("coldAfter", ZERO),
            (int) d.integer("queueInMemory", 10, 10_000_000));

    ConfigReader h = root.section("http");
    Duration ssePing = h.duration("ssePingInterval", Duration.ofMillis(100));
    Duration idle = h.duration("idleTimeout", Duration.ofSeconds(1));
    if (idle.compareTo(ssePing) <= 0) {
      throw new ConfigException(
          h.key("idleTimeout"),
          "must be longer than http.ssePingInterval ("
              + Durations.format(ssePing)
              + "), or every event stream would be closed between two pings");
    }
    Http http =
        new Http(
            h.nonBlank("host"),
            (int) h.integer("port", 0, 65535),
            h.string("token").trim(),
            h.bool("tokenForHealthAndMetrics"),
            h.integer("maxBodySize", 1024, 1L << 30),
            h.stringList("corsOrigins"),
            ssePing,
            idle,
            HttpAccess.tokens(h),
            HttpAccess.authFailures(h.section("authFailures")),
            HttpAccess.tls(h.section("tls"), base));

    ClusterConfig cluster = ClusterConfig.from(root.section("cluster"), http.port(), base);
    Bittorrent bittorrent = ServiceSections.bittorrent(root.section("bittorrent"));
    Schedules schedules = ServiceSections.schedules(root.section("schedules"));
    Completion completion = ServiceSections.completion(root, base);
    return new AppConfig(
        profile,
        aria2,
        supervisor,
        rpc,
        downloads,
        http,
        cluster,
        bittorrent,
        schedules,
        completion);
  }

  /** Convenience for verticles: their {@code config()} holds absolute paths already. */
  public static AppConfig from(JsonObject json) {
    return from(json, Path.of("").toAbsolutePath());
  }
}
