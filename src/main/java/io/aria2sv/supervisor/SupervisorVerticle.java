package io.aria2sv.supervisor;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.bus.SupervisorState;
import io.aria2sv.config.AppConfig;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Call;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one aria2c for as long as it is deployed, and wires the bus ({@code aria2.supervisor.*}, see
 * {@link Addresses}) to its {@link Supervisor}: prepares the data directory, the instance lock and
 * the binary, publishes each new endpoint (local only), applies live configuration changes ({@link
 * LiveOptions}) and watches the session file ({@link SessionGuard}). Blocking work (locking,
 * spawning, signalling) runs in {@code executeBlocking}.
 */
public final class SupervisorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorVerticle.class);

  private final Metrics metrics;
  private AppConfig.Aria2 aria2Config;

  /** As started: the cluster settings change only with a restart of the supervisor. */
  private io.aria2sv.config.ClusterConfig cluster;

  private Aria2Binary binary;
  private InstanceLock lock;
  private volatile Aria2Launcher launcher;
  private WebClient web;
  private SupervisorEvents events;
  private SessionGuard session;
  private Supervisor supervisor;
  private RuntimeOptions options;

  /** A verticle with meters of its own. */
  public SupervisorVerticle() {
    this(Metrics.standalone());
  }

  /** A verticle that counts in {@code metrics}. */
  public SupervisorVerticle(Metrics metrics) {
    this.metrics = metrics;
  }

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    aria2Config = config.aria2();
    cluster = config.cluster();
    web =
        WebClient.create(
            vertx,
            new WebClientOptions().setConnectTimeout(1000).setMetricsName("aria2-rpc-supervisor"));
    events = new SupervisorEvents(vertx.eventBus(), metrics);
    return vertx
        .executeBlocking(this::prepare)
        .compose(
            v -> {
              events.using(binary);
              ProcessStarter starter =
                  new ProcessStarter(
                      vertx,
                      context,
                      web,
                      metrics,
                      () -> {
                        options.spawning();
                        return launcher;
                      },
                      () -> supervisor.config(),
                      aria2Config.rpcPort() == 0);
              supervisor =
                  new Supervisor(
                      vertx,
                      context,
                      config.supervisor(),
                      starter,
                      new RestartPolicy(config.supervisor().restart(), new SplittableRandom()),
                      events,
                      this::publishEndpoint);
              options.bind(
                  supervisor::running,
                  () -> supervisor.config().healthTimeout(),
                  () -> launcher = launcher());
              registerConsumers();
              // layers changed while prepare ran are announced before anyone listened
              launcher = launcher();
              session =
                  new SessionGuard(
                      vertx,
                      aria2Config.dataDir().resolve(Aria2ConfFile.SESSION),
                      problem -> events.session(problem, aria2Config.dataDir()));
              session.start();
              return supervisor.firstStart();
            })
        .onFailure(err -> releaseLock())
        .mapEmpty();
  }

  @Override
  public Future<?> stop() {
    if (session != null) {
      session.stop();
    }
    Future<Void> stopped =
        supervisor == null ? Future.succeededFuture() : supervisor.stop(SupervisorState.STOPPED);
    return stopped
        .eventually(
            () ->
                vertx.executeBlocking(
                    () -> {
                      releaseLock();
                      return null;
                    }))
        .eventually(
            () -> {
              web.close();
              return Future.succeededFuture();
            });
  }

  /** Directories, the instance lock, the binary, and any orphan of an earlier crash. Blocking. */
  private Void prepare() throws Exception {
    aria2Config.createDirectories();
    lock = InstanceLock.acquire(aria2Config.dataDir());
    binary = BinaryLocator.locate(aria2Config.binary(), System.getenv("PATH"));
    LOG.info(
        "using aria2c {} at {} (features: {})",
        binary.version(),
        binary.path(),
        String.join(", ", binary.enabledFeatures()));
    Aria2OptionsCheck.check(binary.path(), aria2Config.options(), aria2Config.dataDir());
    GlobalOptions globalOptions = GlobalOptions.load(aria2Config.dataDir());
    if (!globalOptions.overrides().isEmpty()) {
      LOG.info(
          "aria2 global options set at run time ({}): {}",
          aria2Config.dataDir().resolve(GlobalOptions.FILE),
          globalOptions.overrides());
    }
    Aria2Process.reapOrphan(
            aria2Config.dataDir(),
            AppConfig.from(config()).supervisor().shutdownTimeout().toMillis())
        .ifPresent(
            pid -> LOG.warn("stopped aria2c pid {} left running by an earlier supervisor", pid));
    options =
        new RuntimeOptions(
            vertx,
            aria2Config.dataDir(),
            binary.path(),
            globalOptions,
            Aria2OptionsCheck.defaults(binary.path()),
            aria2Config.options());
    launcher = launcher();
    return null;
  }

  /**
   * A launcher for {@code aria2.options} with the runtime global options over them, and the
   * schedule's and the tracker lists' layers over those.
   */
  private Aria2Launcher launcher() {
    return new Aria2Launcher(
        new AppConfig.Aria2(
            aria2Config.binary(),
            aria2Config.rpcPort(),
            aria2Config.dataDir(),
            aria2Config.downloadDir(),
            options.next()),
        binary);
  }

  private void releaseLock() {
    if (lock != null) {
      lock.close();
      lock = null;
    }
  }

  private void registerConsumers() {
    EventBus bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(Addresses.SUPERVISOR_STATUS, m -> m.reply(status()));
    bus.<JsonObject>localConsumer(
        Addresses.SUPERVISOR_DETAILS, m -> BusReplies.reply(m, details()));
    bus.<JsonObject>localConsumer(
        Addresses.SUPERVISOR_START,
        m -> BusReplies.reply(m, supervisor.requestStart().map(v -> status())));
    bus.<JsonObject>localConsumer(
        Addresses.SUPERVISOR_STOP,
        m -> BusReplies.reply(m, supervisor.stop(SupervisorState.STOPPED).map(v -> status())));
    bus.<JsonObject>localConsumer(
        Addresses.SUPERVISOR_RESTART,
        m -> BusReplies.reply(m, supervisor.requestRestart().map(v -> status())));
    bus.<JsonObject>localConsumer(
        Addresses.SUPERVISOR_ENDPOINT, m -> BusReplies.reply(m, endpoint()));
    bus.<JsonObject>localConsumer(
        Addresses.SUPERVISOR_OPTIONS, m -> BusReplies.reply(m, options.reply()));
    bus.<JsonObject>localConsumer(
        Addresses.SUPERVISOR_SET_OPTIONS, m -> BusReplies.answer(m, options::set));
    bus.<JsonObject>localConsumer(
        Addresses.CONFIG_CHANGED, m -> reconfigure(AppConfig.from(m.body())));
    bus.<JsonObject>localConsumer(Addresses.SUPERVISOR_OPTION_LAYERS, m -> options.layersChanged());
  }

  /**
   * A new configuration: timings and restart limits apply from the next timer on; changed aria2
   * options go to the running aria2c with {@code aria2.changeGlobalOption} and into every later
   * {@code aria2.conf}. What cannot change while running is named in the log.
   */
  private void reconfigure(AppConfig next) {
    supervisor.reconfigure(next.supervisor());
    AppConfig.Aria2 a = next.aria2();
    if (!a.dataDir().equals(aria2Config.dataDir())) {
      LOG.warn(
          "aria2.dataDir changed to {}: this takes effect when the supervisor restarts",
          a.dataDir());
    }
    if (!a.binary().equals(aria2Config.binary())
        || a.rpcPort() != aria2Config.rpcPort()
        || !a.downloadDir().equals(aria2Config.downloadDir())) {
      LOG.warn(
          "aria2.binary, aria2.rpcPort or aria2.downloadDir changed: this takes effect when aria2c restarts");
    }
    if (!next.cluster().equals(cluster)) {
      LOG.warn("cluster.* changed: this takes effect when the supervisor restarts");
    }
    // measured on what aria2c runs with: a runtime value stays over a configured one
    LiveOptions diff =
        LiveOptions.diff(options.effective(aria2Config.options()), options.effective(a.options()));
    diff.removed()
        .forEach(
            k ->
                LOG.warn(
                    "aria2.options.{} was removed: aria2c keeps its current value until it restarts",
                    k));
    aria2Config =
        new AppConfig.Aria2(
            aria2Config.binary(),
            aria2Config.rpcPort(),
            aria2Config.dataDir(),
            aria2Config.downloadDir(),
            a.options());
    options.configured(a.options());
    launcher = launcher();
    Aria2Run r = supervisor.running();
    if (!diff.changed().isEmpty() && r != null) {
      r.handle
          .rpc()
          .call(Aria2Call.changeGlobalOption(diff.changed()), supervisor.config().healthTimeout())
          .onSuccess(
              v ->
                  LOG.info(
                      "aria2 global options changed without a restart: {}",
                      diff.changed().fieldNames()))
          .onFailure(
              err ->
                  LOG.warn(
                      "aria2 refused to change {} while running ({}); they apply at its next start",
                      diff.changed().fieldNames(),
                      err.getMessage()));
    }
  }

  private void publishEndpoint(Aria2Run r) {
    options.started();
    vertx
        .eventBus()
        .publish(
            Addresses.EVENTS_SUPERVISOR_ENDPOINT,
            endpointJson(r),
            new DeliveryOptions().setLocalOnly(true));
  }

  // ---- queries (never start a process) ------------------------------------------------------

  private JsonObject status() {
    return SupervisorStatus.of(
        supervisor.state(),
        supervisor.run(),
        supervisor.restarts(),
        supervisor.restartsInWindow(),
        supervisor.lastRestart(),
        aria2Config.dataDir(),
        session == null ? null : session.problem());
  }

  private Future<JsonObject> details() {
    Aria2Run r = supervisor.running();
    if (r == null) {
      return Future.failedFuture(
          new ServiceException(ErrorCode.NOT_RUNNING, "aria2c is " + supervisor.state()));
    }
    return SupervisorStatus.details(r, supervisor.config().healthTimeout(), status());
  }

  private Future<JsonObject> endpoint() {
    Aria2Run r = supervisor.running();
    if (r == null) {
      SupervisorState state = supervisor.state();
      ErrorCode code =
          state == SupervisorState.FAILED ? ErrorCode.SUPERVISOR_FAILED : ErrorCode.NOT_RUNNING;
      return Future.failedFuture(new ServiceException(code, "aria2c is " + state));
    }
    return Future.succeededFuture(endpointJson(r));
  }

  private static JsonObject endpointJson(Aria2Run r) {
    return r.handle.rpc().endpoint().toJson().put("sessionId", r.sessionId);
  }
}
