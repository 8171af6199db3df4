package io.aria2sv.downloads.request;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RequestValidatorTest {
  @TempDir Path root;

  private void validate(JsonObject options) {
    new RequestValidator(root, null)
        .validate(
            new JsonObject()
                .put("uris", new JsonArray().add("http://127.0.0.1:9/f"))
                .put("options", options),
            "",
            "");
  }

  @Test
  void aMisspelledOptionNamesTheAllowedOneItWasMeantToBe() {
    assertThatThrownBy(() -> validate(new JsonObject().put("max-download-limt", "1K")))
        .isInstanceOf(ValidationException.class)
        .hasMessage(
            "options.max-download-limt: is not an allowed per-download option (use dir and out for paths);"
                + " did you mean max-download-limit?");
    assertThatThrownBy(() -> validate(new JsonObject().put("max_connection_per_server", "4")))
        .hasMessageEndingWith("; did you mean max-connection-per-server?");
  }

  @Test
  void anOptionTheSupervisorOwnsIsRefusedWithoutAGuess() {
    assertThatThrownBy(() -> validate(new JsonObject().put("rpc-secret", "x")))
        .hasMessage(
            "options.rpc-secret: is not an allowed per-download option (use dir and out for paths)");
  }
}
