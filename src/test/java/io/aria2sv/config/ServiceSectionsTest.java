package io.aria2sv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The sections of what runs unattended: a bad value stops start-up naming its key. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServiceSectionsTest {
  @TempDir Path root;

  @Test
  void badValuesOfTheNewSectionsAreRefusedNamingTheirKeys(Vertx vertx) throws Exception {
    JsonObject ok = TestConfig.fast(vertx, root);
    AppConfig parsed = AppConfig.from(ok);
    assertThat(parsed.completion().finishedRoot()).isNull();
    assertThat(parsed.completion().webhookRetries()).hasSize(7);
    assertThat(parsed.completion().toString()).doesNotContain("whsec_");

    JsonObject moveWithoutRoot = ok.copy();
    moveWithoutRoot.getJsonObject("completion").put("moveTo", "done");
    assertThatThrownBy(() -> AppConfig.from(moveWithoutRoot))
        .isInstanceOf(ConfigException.class)
        .hasMessage("completion.moveTo: needs completion.finishedRoot, the directory it is under");

    JsonObject relativeCommand = ok.copy();
    relativeCommand.getJsonObject("completion").put("command", new JsonArray().add("after.sh"));
    assertThatThrownBy(() -> AppConfig.from(relativeCommand))
        .hasMessageStartingWith("completion.command: 'after.sh' must be an absolute path");

    JsonObject badRetry = ok.copy();
    badRetry.getJsonObject("completion").put("webhookRetries", new JsonArray().add("soon"));
    assertThatThrownBy(() -> AppConfig.from(badRetry))
        .hasMessageStartingWith("completion.webhookRetries: 'soon' is not a duration");

    JsonObject ftpList = ok.copy();
    ftpList
        .getJsonObject("bittorrent")
        .put("trackerLists", new JsonArray().add("ftp://127.0.0.1/list.txt"));
    assertThatThrownBy(() -> AppConfig.from(ftpList))
        .hasMessage(
            "bittorrent.trackerLists: 'ftp://127.0.0.1/list.txt' is not an http or https URL");

    JsonObject zone = ok.copy();
    zone.getJsonObject("schedules").put("timeZone", "Mars/Olympus");
    assertThatThrownBy(() -> AppConfig.from(zone))
        .hasMessageStartingWith("schedules.timeZone: 'Mars/Olympus' is not a time zone");
  }
}
