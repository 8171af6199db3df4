package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.aria2sv.testing.Tmpfs;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The registry under real write failures, through the whole stack with a real aria2c: a data
 * directory on a tmpfs that fills up, the database file deleted, replaced, or locked by another
 * connection. Each refuses adds with a clear 507/503, takes readiness down, and (but for a replaced
 * file) recovers without a restart, losing nothing that was acknowledged.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistryFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path root;
  private Vertx vertx;
  private Aria2Supervisor stack;
  private WebClient web;
  private FileServer files;
  private Tmpfs tmpfs;
  private final List<JsonObject> storageEvents = new CopyOnWriteArrayList<>();
  private final ListAppender<ILoggingEvent> storeLog = new ListAppender<>();

  private Path dataDir() {
    return root.resolve("data");
  }

  private void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    if (files == null) {
      files = new FileServer(vertx).start();
      files.addRandomFile("f.bin", 1024, 1);
      web = WebClient.create(vertx);
      vertx
          .eventBus()
          .<JsonObject>consumer(Addresses.EVENTS_STORAGE, m -> storageEvents.add(m.body()));
      storeLog.start();
      ((Logger) LoggerFactory.getLogger(RegistryStore.class)).addAppender(storeLog);
    }
    stack = SupervisorHarness.await(Aria2Supervisor.deploy(vertx, TestConfig.fast(vertx, root)));
  }

  private void stop() throws Exception {
    if (stack != null) {
      SupervisorHarness.await(stack.undeploy());
      stack = null;
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    ((Logger) LoggerFactory.getLogger(RegistryStore.class)).detachAppender(storeLog);
    stop();
    if (files != null) {
      files.close();
    }
    if (tmpfs != null) {
      tmpfs.close();
    }
    assertThat(Signals.countAria2For(dataDir())).isZero();
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return SupervisorHarness.await(
        web.get(stack.httpPort(), "127.0.0.1", path).timeout(20_000).send());
  }

  /** Adds a paused download (it never runs, so only the add writes to the registry). */
  private HttpResponse<Buffer> add() throws Exception {
    JsonObject body =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("f.bin")))
            .put("options", new JsonObject().put("pause", "true"));
    return SupervisorHarness.await(
        web.post(stack.httpPort(), "127.0.0.1", "/api/v1/downloads")
            .timeout(20_000)
            .sendJsonObject(body));
  }

  private String addOk() throws Exception {
    HttpResponse<Buffer> r = add();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  private static JsonObject error(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    JsonObject e = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(e.getString("code")).isEqualTo(code);
    assertThat(e.getString("message"))
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContain("SQLITE_");
    return e;
  }

  private JsonObject registryCheck() throws Exception {
    JsonObject ready = get("/health/ready").bodyAsJsonObject();
    return ready.getJsonArray("checks").stream()
        .map(JsonObject.class::cast)
        .filter(c -> "registry".equals(c.getString("id")))
        .findFirst()
        .orElseThrow();
  }

  private List<String> errorLines() {
    return storeLog.list.stream()
        .filter(e -> e.getLevel() == Level.ERROR)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private ReplyException busFailure(String address, JsonObject body) throws Exception {
    Throwable err =
        vertx
            .eventBus()
            .request(address, body)
            .toCompletionStage()
            .toCompletableFuture()
            .handle((ok, failure) -> failure)
            .get(20, TimeUnit.SECONDS);
    assertThat(err).as("the request to " + address + " fails").isInstanceOf(ReplyException.class);
    return (ReplyException) err;
  }

  private int listedTotal() throws Exception {
    return get("/api/v1/downloads?limit=1").bodyAsJsonObject().getInteger("total");
  }

  @Test
  void aFullRegistryDiskRefusesAddsWith507AndTheNextAddAfterSpaceIsBackSucceeds(Vertx vertx)
      throws Exception {
    String why = Tmpfs.whyNot();
    assumeTrue(why == null, () -> "skipped: " + why);
    tmpfs = Tmpfs.mount(dataDir(), 8 * 1024);
    start(vertx);
    List<String> acknowledged = new ArrayList<>(List.of(addOk()));

    tmpfs.fill();
    HttpResponse<Buffer> refused = null;
    for (int i = 0; i < 2000 && refused == null; i++) {
      HttpResponse<Buffer> r = add();
      if (r.statusCode() == 201) {
        acknowledged.add(r.bodyAsJsonObject().getString("id"));
      } else {
        refused = r;
      }
    }
    assertThat(refused).as("an add refused while the disk is full").isNotNull();
    JsonObject e = error(refused, 507, "STORAGE_FULL");
    assertThat(e.getString("message")).contains("disk is full").contains(dataDir().toString());
    for (int i = 0; i < 3; i++) {
      error(add(), 507, "STORAGE_FULL");
    }
    JsonObject paused =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("f.bin")))
            .put("options", new JsonObject().put("pause", "true"));
    ReplyException onBus = busFailure(Addresses.DOWNLOADS_ADD, paused);
    assertThat(onBus.failureCode()).isEqualTo(ErrorCode.STORAGE_FULL.code());
    assertThat(onBus.getMessage()).contains("disk is full").contains(dataDir().toString());
    assertThat(
            busFailure(
                    Addresses.BATCHES_ADD,
                    new JsonObject().put("items", new JsonArray().add(paused).add(paused)))
                .failureCode())
        .isEqualTo(ErrorCode.STORAGE_FULL.code());
    assertThat(errorLines()).as("one log line for the condition, not one per add").hasSize(1);
    // what aria2 runs or holds queued: every one of these must be a download the registry knows
    assertThat(SupervisorHarness.aria2Held(SupervisorHarness.rpc(vertx)))
        .as("no refused add left running in aria2")
        .isEqualTo(acknowledged.size());

    assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    JsonObject check = registryCheck();
    assertThat(check.getString("status")).isEqualTo("DOWN");
    assertThat(check.getJsonObject("data").getString("problem")).contains("disk is full");
    assertThat(get("/metrics").bodyAsString()).contains("aria2sv_registry_writable 0.0");
    await()
        .atMost(WAIT)
        .until(
            () ->
                get("/api/v1/supervisor")
                        .bodyAsJsonObject()
                        .getJsonObject("session")
                        .getBoolean("safe")
                    == false);
    assertThat(
            get("/api/v1/supervisor")
                .bodyAsJsonObject()
                .getJsonObject("session")
                .getString("problem"))
        .contains(dataDir().toString())
        .contains("bytes free");
    await()
        .atMost(WAIT)
        .until(
            () ->
                storageEvents.stream()
                    .anyMatch(ev -> "session-at-risk".equals(ev.getString("type"))));
    assertThat(
            storageEvents.stream().filter(ev -> "registry-unwritable".equals(ev.getString("type"))))
        .hasSize(1);

    tmpfs.free();
    acknowledged.add(addOk());
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    assertThat(get("/metrics").bodyAsString())
        .contains("aria2sv_registry_writable 1.0")
        .contains("aria2sv_session_safe 1.0");
    assertThat(storageEvents.stream().map(ev -> ev.getString("type")))
        .contains("registry-unwritable", "registry-writable", "session-at-risk", "session-safe");

    stop();
    start(vertx);
    assertThat(listedTotal())
        .as("what was acknowledged, and nothing else")
        .isEqualTo(acknowledged.size());
    for (String id : acknowledged) {
      assertThat(get("/api/v1/downloads/" + id).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aDeletedRegistryFileIsWrittenAnewFromMemoryWithoutARestart(Vertx vertx) throws Exception {
    start(vertx);
    List<String> acknowledged = new ArrayList<>(List.of(addOk(), addOk()));
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(dataDir().resolve(Registry.FILE + suffix));
    }

    JsonObject e = error(add(), 503, "STORAGE_UNAVAILABLE");
    assertThat(e.getString("message")).contains("deleted").contains(dataDir().toString());
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    acknowledged.add(addOk());

    stop();
    start(vertx);
    assertThat(listedTotal()).isEqualTo(acknowledged.size());
    for (String id : acknowledged) {
      assertThat(get("/api/v1/downloads/" + id).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aRegistryLockedByAnotherProcessRefusesAddsUntilTheLockIsGone(Vertx vertx) throws Exception {
    start(vertx);
    String first = addOk();
    try (Connection other =
        DriverManager.getConnection("jdbc:sqlite:" + dataDir().resolve(Registry.FILE))) {
      try (Statement s = other.createStatement()) {
        s.execute("BEGIN EXCLUSIVE");
        s.execute("INSERT INTO probe (id, at) VALUES (2, 0)");
        JsonObject e = error(add(), 503, "STORAGE_UNAVAILABLE");
        assertThat(e.getString("message")).contains("locked").contains(dataDir().toString());
        assertThat(registryCheck().getString("status")).isEqualTo("DOWN");
        s.execute("ROLLBACK");
      }
    }
    String second = addOk();
    assertThat(registryCheck().getString("status")).isEqualTo("UP");

    stop();
    start(vertx);
    assertThat(listedTotal()).isEqualTo(2);
    assertThat(get("/api/v1/downloads/" + first).statusCode()).isEqualTo(200);
    assertThat(get("/api/v1/downloads/" + second).statusCode()).isEqualTo(200);
  }

  @Test
  void aReplacedRegistryFileIsNeverWrittenAndReadinessStaysDown(Vertx vertx) throws Exception {
    start(vertx);
    addOk();
    Path db = dataDir().resolve(Registry.FILE);
    Path copy = dataDir().resolve("restored.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE someone_elses (x INTEGER)");
    }
    Files.move(copy, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    JsonObject e = error(add(), 503, "STORAGE_UNAVAILABLE");
    assertThat(e.getString("message")).contains("replaced").contains("restart");
    List<Object> before = fileStates(db);
    // the probe tries again each second and must keep its hands off the new file and the old WAL
    await()
        .during(Duration.ofMillis(3 * RegistryStore.PROBE_MILLIS))
        .atMost(WAIT)
        .until(() -> get("/health/ready").statusCode() == 503);
    error(add(), 503, "STORAGE_UNAVAILABLE");
    assertThat(fileStates(db)).as("nothing written at the registry's path").isEqualTo(before);
  }

  /** Size and modification time of the registry file and its WAL. */
  private static List<Object> fileStates(Path db) throws Exception {
    List<Object> out = new ArrayList<>();
    for (Path p : List.of(db, Path.of(db + "-wal"))) {
      out.add(
          Files.exists(p)
              ? Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis()
              : "absent");
    }
    return out;
  }
}
