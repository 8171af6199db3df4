package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Metalinks with a real aria2c: one batch, one download per file, each checked by its hash. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetalinkDownloadsTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static String base64(String xml) {
    return Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8));
  }

  private String file(String name, String url, String sha256) {
    return "<file name=\""
        + name
        + "\"><hash type=\"sha-256\">"
        + sha256
        + "</hash><url>"
        + url
        + "</url></file>";
  }

  @Test
  void aMetalinkOfTwoFilesIsOneBatchAndTheFileWithAWrongChecksumNeverEndsComplete()
      throws Exception {
    String goodSha = files.addRandomFile("good.bin", 50_000, 1);
    files.addRandomFile("bad.bin", 50_000, 2);
    String wrong = "0".repeat(64);
    String xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">"
            + file("set/good.bin", files.url("good.bin"), goodSha)
            + file("set/bad.bin", files.url("bad.bin"), wrong)
            + "</metalink>";
    stack.deployStack(TestConfig.fast(vertx, root, "downloads.progressInterval", "200ms"));

    JsonObject batch =
        stack.request(Addresses.BATCHES_ADD, new JsonObject().put("metalink", base64(xml)));
    String good = batch.getJsonArray("downloads").getString(0);
    String bad = batch.getJsonArray("downloads").getString(1);
    stack.awaitStatus(good, "complete", WAIT);
    JsonObject failed = stack.awaitStatus(bad, "failed", WAIT);

    assertThat(batch.getJsonArray("downloads")).hasSize(2);
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/set/good.bin"))))
        .isEqualTo(goodSha);
    assertThat(failed.getInteger("errorCode")).as("aria2's checksum error").isEqualTo(32);
    assertThat(stack.transitions(bad)).doesNotContain("complete");
    assertThat(stack.get(good).getJsonObject("options").getString("checksum"))
        .isEqualTo("sha-256=" + goodSha);
  }

  @Test
  void aMetalinkUrlIsFetchedAsABatchAndAsASingleAddIsSentThere() throws Exception {
    String sha = files.addRandomFile("one.bin", 20_000, 3);
    String xml =
        "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">"
            + file("one.bin", files.url("one.bin"), sha)
            + "</metalink>";
    files.addFile("set.meta4", xml.getBytes(StandardCharsets.UTF_8));
    stack.deployStack(TestConfig.fast(vertx, root));

    JsonObject batch =
        stack.request(
            Addresses.BATCHES_ADD, new JsonObject().put("metalinkUri", files.url("set.meta4")));
    ReplyException single =
        stack.failure(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new io.vertx.core.json.JsonArray().add(files.url("set.meta4"))));

    stack.awaitStatus(batch.getJsonArray("downloads").getString(0), "complete", WAIT);
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/one.bin"))))
        .isEqualTo(sha);
    assertThat(ErrorCode.of(single.failureCode())).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(single.getMessage()).contains(Addresses.BATCHES_ADD).contains("metalinkUri");
  }

  @Test
  void aMalformedMetalinkOrOneWithAnEntityIsA400AndAddsNothing() throws Exception {
    stack.deployStack(TestConfig.fast(vertx, root));
    String entity =
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            + "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\"><file name=\"x\"><url>http://127.0.0.1:9/&x;</url></file></metalink>";
    String escaping =
        "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\"><file name=\"../x\"><url>http://127.0.0.1:9/x</url></file></metalink>";

    for (String xml : new String[] {"<metalink", entity, escaping, "<html/>"}) {
      ReplyException e =
          stack.failure(Addresses.BATCHES_ADD, new JsonObject().put("metalink", base64(xml)));
      assertThat(ErrorCode.of(e.failureCode())).as(xml).isEqualTo(ErrorCode.BAD_REQUEST);
      assertThat(e.getMessage()).startsWith("metalink");
    }
    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getInteger("total"))
        .isZero();
  }
}
