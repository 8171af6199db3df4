package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.HttpCalls;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.Tmpfs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * After a download: categories (directory, options, move) from the configuration and the API, the
 * move into the finished root with its state in the download, a taken name, a full destination that
 * fails the step and a retry that moves it once there is room.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompletionTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private Tmpfs tmpfs;

  @AfterEach
  void unmount() throws Exception {
    if (tmpfs != null) {
      tmpfs.close();
    }
  }

  private JsonObject withCategories() throws Exception {
    JsonObject cfg = config("completion.finishedRoot", root.resolve("finished").toString());
    cfg.put(
        "categories",
        new JsonObject()
            .put(
                "video",
                new JsonObject()
                    .put("dir", "video")
                    .put("options", new JsonObject().put("max-download-limit", "50M"))
                    .put("moveTo", "done/video")));
    return cfg;
  }

  private HttpResponse<String> post(String path, JsonObject body) throws Exception {
    return HttpCalls.call(stack.httpPort(), "POST", path, null, body.encode());
  }

  private JsonObject awaitCompletion(String id, String state) {
    await()
        .atMost(WAIT)
        .until(
            () -> {
              JsonObject c = stack.get(id).getJsonObject("completion");
              return c != null && state.equals(c.getString("state"));
            });
    try {
      return stack.get(id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aCategoryPlacesADownloadGivesItsOptionsAndMovesItIntoTheFinishedRootWhenComplete()
      throws Exception {
    String sha = files.addRandomFile("a.bin", 300_000, 1);
    files.addRandomFile("b.bin", 200_000, 2);
    stack.deployStack(withCategories());
    // an event stream of the category's downloads only
    List<String> streamed = new java.util.concurrent.CopyOnWriteArrayList<>();
    var sse =
        java.net.http.HttpClient.newHttpClient()
            .sendAsync(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            "http://127.0.0.1:"
                                + stack.httpPort()
                                + "/api/v1/events?category=video&types=download"))
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
    // the lines are read on the HTTP client's own threads as they come
    sse.thenAcceptAsync(
        r ->
            r.body()
                .filter(l -> l.startsWith("data: "))
                .forEach(l -> streamed.add(l.substring(6))));

    HttpResponse<String> added =
        post(
            "/api/v1/downloads",
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("a.bin")))
                .put("category", "video"));
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    JsonObject d = new JsonObject(added.body());
    assertThat(d.getString("category")).isEqualTo("video");
    assertThat(d.getString("dir")).isEqualTo("video");
    assertThat(d.getJsonObject("options").getString("max-download-limit")).isEqualTo("50M");

    JsonObject done = awaitCompletion(d.getString("id"), "done");
    Path moved = root.resolve("finished/done/video/a.bin");
    assertThat(done.getJsonObject("completion").getString("finalPath")).isEqualTo(moved.toString());
    assertThat(FileServer.sha256(Files.readAllBytes(moved))).isEqualTo(sha);
    assertThat(names(root.resolve("downloads/video"))).isEmpty();

    // the same name again: a number, never an overwrite
    JsonObject again =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("a.bin")))
                .put("category", "video"));
    awaitCompletion(again.getString("id"), "done");
    assertThat(names(root.resolve("finished/done/video"))).containsExactly("a (1).bin", "a.bin");

    // one without a category stays where it is; the list filters by category
    JsonObject plain =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject().put("uris", new JsonArray().add(files.url("b.bin"))));
    stack.awaitStatus(plain.getString("id"), "complete", WAIT);
    assertThat(stack.get(plain.getString("id")).getValue("completion")).isNull();
    assertThat(root.resolve("downloads/b.bin")).exists();
    JsonObject videos =
        new JsonObject(
            HttpCalls.call(stack.httpPort(), "GET", "/api/v1/downloads?category=video", null, null)
                .body());
    assertThat(videos.getInteger("total")).isEqualTo(2);
    await()
        .atMost(WAIT)
        .until(
            () ->
                streamed.stream()
                        .map(JsonObject::new)
                        .filter(
                            e -> "complete".equals(e.getJsonObject("download").getString("status")))
                        .count()
                    >= 2);
    assertThat(streamed)
        .allMatch(
            e -> "video".equals(new JsonObject(e).getJsonObject("download").getString("category")));
    assertThat(streamed).noneMatch(e -> e.contains(plain.getString("id")));
    sse.cancel(true);

    HttpResponse<String> unknown =
        post(
            "/api/v1/downloads",
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("b.bin")))
                .put("category", "movies"));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("category: 'movies' is not a category (video)");
    HttpResponse<String> outside =
        post(
            "/api/v1/downloads",
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("b.bin")))
                .put("moveTo", "../elsewhere"));
    assertThat(outside.statusCode()).isEqualTo(400);
    assertThat(outside.body()).contains("moveTo: must not contain '..'");
  }

  @Test
  void categoriesSetThroughTheApiAreKeptAcrossARestartAndReachTheJsonRpcAdd() throws Exception {
    files.addRandomFile("m.bin", 100_000, 3);
    stack.deployStack(withCategories());
    HttpResponse<String> put =
        HttpCalls.call(
            stack.httpPort(),
            "PUT",
            "/api/v1/categories/music",
            null,
            new JsonObject().put("dir", "music").put("moveTo", "music").encode());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    HttpResponse<String> bad =
        HttpCalls.call(
            stack.httpPort(),
            "PUT",
            "/api/v1/categories/bad",
            null,
            new JsonObject().put("options", new JsonObject().put("dir", "/etc")).encode());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("category.options.dir: is not an allowed per-download option");

    stack.undeploy();
    stack.deployStack(withCategories());
    JsonObject cats = stack.request(Addresses.CATEGORIES_GET, new JsonObject());
    assertThat(cats.getString("source")).isEqualTo("api");
    assertThat(cats.getJsonObject("categories").fieldNames()).containsExactly("music", "video");

    JsonObject rpc =
        new JsonObject(
            HttpCalls.call(
                    stack.httpPort(),
                    "POST",
                    "/jsonrpc",
                    null,
                    new JsonObject()
                        .put("jsonrpc", "2.0")
                        .put("id", "1")
                        .put("method", "aria2.addUri")
                        .put(
                            "params",
                            new JsonArray()
                                .add(new JsonArray().add(files.url("m.bin")))
                                .add(new JsonObject().put("category", "music")))
                        .encode())
                .body());
    String gid = rpc.getString("result");
    assertThat(gid).as(rpc.encode()).isNotNull();
    JsonObject d = stack.request(Addresses.DOWNLOADS_GET, new JsonObject().put("gid", gid));
    assertThat(d.getString("category")).isEqualTo("music");
    awaitCompletion(d.getString("id"), "done");
    assertThat(root.resolve("finished/music/m.bin")).exists();

    assertThat(
            HttpCalls.call(stack.httpPort(), "DELETE", "/api/v1/categories/music", null, null)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            HttpCalls.call(stack.httpPort(), "DELETE", "/api/v1/categories/music", null, null)
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  void aFullDestinationFailsTheStepKeepsTheFileAndARetryMovesItOnceThereIsRoom() throws Exception {
    String why = Tmpfs.whyNot();
    assumeTrue(why == null, () -> "skipped: " + why);
    tmpfs = Tmpfs.mount(root.resolve("finished"), 4 * 1024);
    String sha = files.addRandomFile("big.bin", 3 << 20, 4);
    stack.deployStack(withCategories());
    tmpfs.fill();

    JsonObject d =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("big.bin")))
                .put("category", "video"));
    JsonObject failed = awaitCompletion(d.getString("id"), "failed");
    assertThat(failed.getJsonObject("completion").getString("reason"))
        .contains("No space left on device");
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/video/big.bin"))))
        .isEqualTo(sha);
    assertThat(names(root.resolve("finished/done/video"))).as("no part file left").isEmpty();

    tmpfs.free();
    HttpResponse<String> retried =
        post("/api/v1/downloads/" + d.getString("id") + "/completion/retry", new JsonObject());
    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
    awaitCompletion(d.getString("id"), "done");
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("finished/done/video/big.bin"))))
        .isEqualTo(sha);
    assertThat(root.resolve("downloads/video/big.bin")).doesNotExist();
    HttpResponse<String> again =
        post("/api/v1/downloads/" + d.getString("id") + "/completion/retry", new JsonObject());
    assertThat(again.statusCode()).isEqualTo(409);
  }

  @Test
  void theOperatorsCommandRunsAfterTheMoveWithTheDownloadInItsEnvironmentAndAFailureCanBeRetried()
      throws Exception {
    files.addRandomFile("c.bin", 50_000, 5);
    Path script = root.resolve("after.sh");
    Path fail = root.resolve("fail-marker");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "echo \"id=$ARIA2SV_ID name=$ARIA2SV_NAME category=$ARIA2SV_CATEGORY"
            + " status=$ARIA2SV_STATUS\"\n"
            + "echo \"$ARIA2SV_PATH\" > \"$ARIA2SV_DIR/seen.txt\"\n"
            + "if [ -e "
            + fail
            + " ]; then echo 'not today' >&2; exit 3; fi\n");
    Files.setPosixFilePermissions(
        script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Files.writeString(fail, "");
    JsonObject cfg = withCategories();
    cfg.getJsonObject("completion")
        .put("command", new JsonArray().add(script.toString()))
        .put("commandTimeout", "10s");
    stack.deployStack(cfg);

    JsonObject d =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("c.bin")))
                .put("category", "video"));
    String id = d.getString("id");
    JsonObject failed = awaitCompletion(id, "failed").getJsonObject("completion");
    assertThat(failed.getString("step")).isEqualTo("command");
    assertThat(failed.getString("reason")).isEqualTo("the command exited 3");
    assertThat(failed.getJsonObject("command").getInteger("exitCode")).isEqualTo(3);
    assertThat(failed.getJsonObject("command").getString("output"))
        .contains("id=" + id + " name=c.bin category=video status=complete")
        .contains("not today");
    Path moved = root.resolve("finished/done/video/c.bin");
    assertThat(moved).exists();
    assertThat(Files.readString(root.resolve("finished/done/video/seen.txt")).strip())
        .isEqualTo(moved.toString());

    Files.delete(fail);
    assertThat(post("/api/v1/downloads/" + id + "/completion/retry", new JsonObject()).statusCode())
        .isEqualTo(200);
    JsonObject done = awaitCompletion(id, "done").getJsonObject("completion");
    assertThat(done.getJsonObject("command").getInteger("exitCode")).isZero();
    assertThat(done.getString("finalPath")).as("not moved twice").isEqualTo(moved.toString());
    assertThat(names(root.resolve("finished/done/video"))).containsExactly("c.bin", "seen.txt");
  }
}
