package io.aria2sv;

import ch.qos.logback.classic.LoggerContext;
import io.aria2sv.bus.Addresses;
import io.aria2sv.cluster.ClusterVertx;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.ClusterConfig;
import io.aria2sv.config.ConfigException;
import io.aria2sv.config.ConfigLoader;
import io.aria2sv.config.Durations;
import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.lifecycle.StartupException;
import io.aria2sv.supervisor.Aria2OptionsCheck;
import io.aria2sv.systemd.SystemdNotifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command-line entry point: {@code java -jar aria2-supervisor.jar [--config FILE]
 * [--self-test]}. Loads and validates the configuration, deploys the verticles, and on SIGTERM or
 * SIGINT undeploys them in reverse order within the shutdown budget and exits 0. With {@code
 * --self-test} it starts everything (aria2c included), stops it again as soon as it is ready, and
 * exits 0: a check of the configuration and the aria2c binary, and the training run for a
 * class-data-sharing archive. Exit codes are those of {@link ExitCodes}.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  private static final String USAGE =
      "usage: java -jar aria2-supervisor.jar [--config FILE] [--self-test]\n"
          + "  --config FILE  the YAML configuration (default: conf/config.yaml when present)\n"
          + "  --self-test    start everything, aria2c included, then stop at once when ready; exit 0 on success";

  /** How often the configuration file is checked for changes. */
  static final Duration CONFIG_SCAN = Duration.ofSeconds(2);

  private Main() {}

  /** The parsed command line. */
  record Args(Path config, boolean selfTest, boolean help) {}

  public static void main(String[] args) {
    Args parsed;
    try {
      parsed = parseArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      exit(ExitCodes.USAGE);
      return;
    }
    if (parsed.help()) {
      System.out.println(USAGE);
      return;
    }
    Path file = parsed.config();

    Vertx bootstrap = Aria2Supervisor.createVertx();
    AtomicReference<Vertx> current = new AtomicReference<>(bootstrap);
    AtomicBoolean exitingOnOurOwn = new AtomicBoolean();
    SystemdNotifier systemd = SystemdNotifier.fromEnvironment(System.getenv());
    JsonObject[] loaded = new JsonObject[1];
    Future<Aria2Supervisor> running =
        ConfigLoader.forProcess(bootstrap)
            .load(file)
            .compose(
                config -> {
                  loaded[0] = parsed.selfTest() ? alone(config) : config;
                  return clustered(bootstrap, loaded[0], current);
                })
            .compose(
                vertx ->
                    parsed.selfTest()
                        ? selfTest(vertx, loaded[0], exitingOnOurOwn)
                        : start(vertx, loaded[0], exitingOnOurOwn, systemd))
            .onSuccess(
                s -> {
                  if (current.get() != bootstrap) {
                    bootstrap.close();
                  }
                  if (!parsed.selfTest()) {
                    Vertx vertx = current.get();
                    ConfigLoader.forProcess(vertx)
                        .watch(
                            file,
                            CONFIG_SCAN,
                            loaded[0],
                            changed -> Aria2OptionsCheck.vet(vertx, changed),
                            changed ->
                                vertx
                                    .eventBus()
                                    .publish(
                                        Addresses.CONFIG_CHANGED,
                                        changed,
                                        new DeliveryOptions().setLocalOnly(true)));
                  }
                });
    running.onFailure(
        err -> {
          exitingOnOurOwn.set(true);
          int code = exitCodeOf(err);
          // Ours name the problem in one line; anything else gets its stack trace.
          boolean explained = err instanceof ConfigException || err instanceof StartupException;
          LOG.error(
              "{}{}",
              code == ExitCodes.CONFIG ? "invalid configuration: " : "cannot start: ",
              err.getMessage(),
              explained ? null : err);
          Future<Void> other =
              current.get() == bootstrap ? Future.succeededFuture() : current.get().close();
          other.eventually(bootstrap::close).onComplete(ar -> exit(code));
        });
  }

  /**
   * A self-test checks the configuration and aria2c on this machine and never joins a cluster: it
   * would stand in for the node of that name, and its stop would hand the node's downloads over.
   */
  private static JsonObject alone(JsonObject config) {
    ClusterConfig cluster = AppConfig.from(config).cluster();
    if (!cluster.enabled()) {
      return config;
    }
    ClusterVertx.checkKeys(cluster);
    LOG.info("self-test: cluster.* checked; the self-test does not join the cluster");
    JsonObject copy = config.copy();
    copy.getJsonObject("cluster").put("enabled", false);
    return copy;
  }

  /**
   * With {@code cluster.enabled}, a clustered Vert.x joined to the others in place of the one that
   * loaded the configuration (closed then); else that one.
   */
  private static Future<Vertx> clustered(
      Vertx bootstrap, JsonObject config, AtomicReference<Vertx> current) {
    ClusterConfig cluster = AppConfig.from(config).cluster();
    if (!cluster.enabled()) {
      return Future.succeededFuture(bootstrap);
    }
    LOG.info(
        "joining cluster {} as node {} on {}:{} (members {})",
        cluster.name(),
        cluster.nodeName(),
        cluster.host(),
        cluster.port(),
        cluster.members().isEmpty() ? "none yet" : String.join(", ", cluster.members()));
    // The bootstrap instance closes once start-up is over: the futures of this chain run on it.
    // Created off the bootstrap's threads: a Vert.x made on another's context shares nothing with
    // it.
    io.vertx.core.Promise<Vertx> joined = io.vertx.core.Promise.promise();
    new Thread(
            () -> {
              StartupException held = ClusterVertx.portProblem(cluster);
              if (held != null) {
                joined.fail(held);
              } else {
                Aria2Supervisor.createClusteredVertx(cluster).onComplete(joined);
              }
            },
            "aria2sv-cluster-join")
        .start();
    return joined
        .future()
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof StartupException || err instanceof ConfigException
                        ? err
                        : new StartupException(
                            ExitCodes.UNAVAILABLE,
                            "cannot join cluster "
                                + cluster.name()
                                + " on "
                                + cluster.host()
                                + ":"
                                + cluster.port()
                                + ": "
                                + err.getMessage())))
        .onSuccess(current::set);
  }

  private static Future<Aria2Supervisor> start(
      Vertx vertx, JsonObject config, AtomicBoolean exitingOnOurOwn, SystemdNotifier systemd) {
    AppConfig typed = AppConfig.from(config);
    Duration budget = typed.supervisor().shutdownTimeout().plusSeconds(10);
    LOG.info(
        "starting aria2-supervisor (profile {}, data dir {}, downloads {}, transport {})",
        typed.profile(),
        typed.aria2().dataDir(),
        typed.aria2().downloadDir(),
        Aria2Supervisor.transportName(vertx));
    return Aria2Supervisor.deploy(vertx, config)
        .onSuccess(
            supervisor -> {
              Runtime.getRuntime()
                  .addShutdownHook(
                      new Thread(
                          () -> {
                            if (!exitingOnOurOwn.get()) {
                              systemd.stopping();
                              shutdown(vertx, supervisor, budget, systemd);
                            }
                          },
                          "aria2sv-shutdown"));
              notifySystemd(vertx, systemd);
              LOG.info(
                  "aria2-supervisor running; stop it with SIGTERM or Ctrl-C (shutdown budget {})",
                  Durations.format(budget));
            });
  }

  /**
   * Starts everything, and once ready stops it all gracefully and exits 0 (1 if stopping fails).
   */
  private static Future<Aria2Supervisor> selfTest(
      Vertx vertx, JsonObject config, AtomicBoolean exitingOnOurOwn) {
    long t0 = System.nanoTime();
    return Aria2Supervisor.deploy(vertx, config)
        .onSuccess(
            supervisor -> {
              exitingOnOurOwn.set(true);
              long readyMs = (System.nanoTime() - t0) / 1_000_000;
              vertx
                  .eventBus()
                  .<JsonObject>request(Addresses.SUPERVISOR_STATUS, new JsonObject())
                  .map(
                      m ->
                          "aria2c "
                              + m.body().getString("version")
                              + " (pid "
                              + m.body().getLong("pid")
                              + ")")
                  .otherwise("aria2c")
                  .compose(
                      what -> {
                        LOG.info(
                            "self-test: {} ready and HTTP API on port {} after {} ms; stopping",
                            what,
                            supervisor.httpPort(),
                            readyMs);
                        return supervisor.undeploy();
                      })
                  .onComplete(
                      ar -> {
                        if (ar.succeeded()) {
                          LOG.info("self-test passed");
                        } else {
                          LOG.error("self-test: stopping failed: {}", ar.cause().getMessage());
                        }
                        vertx
                            .close()
                            .onComplete(
                                closed -> exit(ar.succeeded() ? ExitCodes.OK : ExitCodes.FAILURE));
                      });
            });
  }

  /** READY once everything is up, STATUS on state changes, WATCHDOG from an event-loop timer. */
  private static void notifySystemd(Vertx vertx, SystemdNotifier systemd) {
    if (!systemd.active()) {
      return;
    }
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.EVENTS_SUPERVISOR,
            m -> {
              if ("state-changed".equals(m.body().getString("type"))) {
                systemd.status("aria2c " + m.body().getString("to"));
              }
            });
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.SUPERVISOR_STATUS, new JsonObject())
        .onComplete(
            ar ->
                systemd.ready(
                    ar.succeeded()
                        ? "aria2c "
                            + ar.result().body().getString("state")
                            + ", version "
                            + ar.result().body().getString("version")
                        : "running"));
    if (systemd.watchdogIntervalMillis() > 0) {
      vertx.setPeriodic(systemd.watchdogIntervalMillis(), id -> systemd.watchdog());
      LOG.info("systemd watchdog: pinging every {} ms", systemd.watchdogIntervalMillis());
    }
  }

  /**
   * Runs in the JVM's shutdown hook thread (never an event loop), so waiting here blocks nobody.
   * The JVM would otherwise exit with 128+signal; a clean stop exits 0.
   */
  private static void shutdown(
      Vertx vertx, Aria2Supervisor supervisor, Duration budget, SystemdNotifier systemd) {
    LOG.info("signal received: stopping (budget {})", Durations.format(budget));
    long deadline = System.nanoTime() + budget.toNanos();
    AtomicBoolean clean = new AtomicBoolean();
    CountDownLatch undeployed = new CountDownLatch(1);
    supervisor
        .undeploy()
        .onComplete(
            ar -> {
              clean.set(ar.succeeded());
              if (ar.failed()) {
                LOG.error("shutdown failed: {}", ar.cause().getMessage());
              }
              undeployed.countDown();
            });
    boolean inTime = await(undeployed, deadline);
    // Called from this thread, not from a callback: its completion must not need a closed loop.
    CountDownLatch closed = new CountDownLatch(1);
    vertx.close().onComplete(ar -> closed.countDown());
    inTime = await(closed, deadline) && inTime;
    if (!inTime) {
      LOG.error("shutdown did not finish within {}; exiting anyway", Durations.format(budget));
    } else {
      LOG.info("stopped cleanly");
    }
    systemd.close();
    flushLogs();
    Runtime.getRuntime().halt(inTime && clean.get() ? ExitCodes.OK : ExitCodes.FAILURE);
  }

  private static boolean await(CountDownLatch latch, long deadlineNanos) {
    try {
      return latch.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static Args parseArgs(String[] args) {
    Path config = null;
    boolean selfTest = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--help") || a.equals("-h")) && args.length == 1) {
        return new Args(null, false, true);
      } else if (a.equals("--self-test") && !selfTest) {
        selfTest = true;
      } else if (a.equals("--config") && config == null && i + 1 < args.length) {
        config = existingFile(args[++i]);
      } else if (a.startsWith("--config=") && config == null) {
        config = existingFile(a.substring("--config=".length()));
      } else {
        throw new IllegalArgumentException("unexpected arguments: " + String.join(" ", args));
      }
    }
    return new Args(config, selfTest, false);
  }

  private static Path existingFile(String name) {
    Path p = Path.of(name);
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException("config file not found: " + p.toAbsolutePath());
    }
    return p;
  }

  static int exitCodeOf(Throwable err) {
    if (err instanceof ConfigException) {
      return ExitCodes.CONFIG;
    }
    if (err instanceof StartupException s) {
      return s.exitCode();
    }
    return ExitCodes.FAILURE;
  }

  private static void exit(int code) {
    flushLogs();
    System.exit(code);
  }

  private static void flushLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.stop();
    }
  }
}
