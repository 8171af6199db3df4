package io.aria2sv;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README stays in step with the code: every configuration key and every bus address. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class DocsTest {
  private static String readme() throws Exception {
    return Files.readString(Path.of("README.md"));
  }

  @Test
  void theReadmeDocumentsEveryConfigurationKeyWithItsEnvironmentName(Vertx vertx) throws Exception {
    JsonObject defaults =
        new ConfigLoader(vertx, Path.of(""), Map.of(), new Properties())
            .defaults()
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    String readme = readme();
    for (String key : ConfigLoader.leafKeys(defaults, "")) {
      assertThat(readme).as("README row for " + key).contains("| `" + key + "` |");
      if (!key.equals("aria2.options") && !key.equals("categories")) {
        assertThat(readme)
            .as("environment name of " + key)
            .contains("`" + ConfigLoader.envName(key) + "`");
      }
    }
  }

  @Test
  void theReadmeListsEveryEventBusAddress() throws Exception {
    String readme = readme();
    for (Field f : Addresses.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        assertThat(readme).as("README mentions " + f.getName()).contains("`" + f.get(null) + "`");
      }
    }
  }

  @Test
  void theReadmesLayoutTableNamesEveryMainPackage() throws Exception {
    String readme = readme();
    Path main = Path.of("src/main/java/io/aria2sv");
    try (var dirs = Files.walk(main)) {
      for (Path dir : dirs.filter(Files::isDirectory).filter(d -> !d.equals(main)).toList()) {
        String pkg = main.relativize(dir).toString().replace('\\', '/');
        assertThat(readme).as("README layout row for " + pkg).contains("`" + pkg + "/`");
      }
    }
  }

  @Test
  void theReadmeStartsWithTheRunAndTestCommands() throws Exception {
    String head = String.join("\n", readme().lines().limit(50).toList());
    assertThat(head)
        .contains("mvn -B -q package -DskipTests && java -jar target/aria2-supervisor.jar")
        .contains("mvn -B verify")
        .contains("JDK 17+")
        .contains("-XX:SharedArchiveFile=target/aria2-supervisor.jsa");
    // The archive the run command maps is the one the build makes.
    assertThat(Files.readString(Path.of("pom.xml")))
        .contains("-XX:ArchiveClassesAtExit=${project.build.directory}/aria2-supervisor.jsa");
  }
}
