package io.aria2sv;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit's class-data-sharing lines, run for real against the fat jar with their paths
 * moved under a temporary directory: the training run ({@code ExecStartPre}) must write an archive,
 * and the service's own command line ({@code ExecStart}) must start with it mapped ({@code
 * -Xshare:on} turns "archive unusable" from a warning into a failure here).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClassDataSharingIT {
  private static final String ARCHIVE = "/var/lib/aria2sv/aria2-supervisor.jsa";
  private static final String JAR = "/opt/aria2-supervisor/aria2-supervisor.jar";
  private static final String CONFIG = "/etc/aria2-supervisor/config.yaml";

  @TempDir Path root;

  private static String line(String unit, String key) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "(.*)$").matcher(unit);
    assertThat(m.find()).as(key).isTrue();
    return m.group(1);
  }

  /**
   * The unit's paths moved under {@code root}; the JVM running the tests stands in for
   * /usr/bin/java.
   */
  private List<String> relocate(String command) throws Exception {
    Path jar = Path.of(System.getProperty("fatJar")).toAbsolutePath();
    Files.copy(
        Path.of("conf/config.yaml"),
        root.resolve("config.yaml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String moved =
        command
            .replace(ARCHIVE, root.resolve("archive.jsa").toString())
            .replace(JAR, jar.toString())
            .replace(CONFIG, root.resolve("config.yaml").toString())
            .replace("/tmp/cds", root.resolve("cds").toString());
    List<String> words = new ArrayList<>(Arrays.asList(moved.trim().split(" +")));
    assertThat(words.get(0)).isEqualTo("/usr/bin/java");
    words.remove(0);
    return words;
  }

  /** Runs {@code java <args>} with {@code env}; the arguments up to {@code -jar} are JVM flags. */
  private static ChildJvm java(List<String> args, Path cwd, Map<String, String> env)
      throws Exception {
    int jarAt = args.indexOf("-jar");
    return ChildJvm.jar(
        Path.of(args.get(jarAt + 1)),
        args.subList(0, jarAt),
        cwd,
        env,
        args.subList(jarAt + 2, args.size()).toArray(String[]::new));
  }

  @Test
  void theUnitsTrainingRunWritesAnArchiveThatItsStartCommandMaps() throws Exception {
    String unit = Files.readString(Path.of("conf/systemd/aria2-supervisor.service"));

    // ExecStartPre=-/bin/sh -c 'test ARCHIVE -nt JAR || VAR=value ... exec /usr/bin/java ...
    // --self-test'
    String pre = line(unit, "ExecStartPre=-/bin/sh -c '");
    assertThat(pre).startsWith("test " + ARCHIVE + " -nt " + JAR + " || ").endsWith("'");
    String training = pre.substring(pre.indexOf("|| ") + 3, pre.length() - 1);
    Map<String, String> trainingEnv = new HashMap<>();
    String[] parts = training.split(" exec ", 2);
    for (String assignment : parts[0].trim().split(" +")) {
      String[] kv = assignment.split("=", 2);
      trainingEnv.put(kv[0], kv[1].replace("/tmp/cds", root.resolve("cds").toString()));
    }
    try (ChildJvm jvm = java(relocate(parts[1]), root, trainingEnv)) {
      assertThat(jvm.awaitExit(Duration.ofSeconds(60))).as(jvm.output()).isZero();
      assertThat(jvm.output()).contains("self-test passed");
    }
    assertThat(root.resolve("archive.jsa")).isNotEmptyFile();
    assertThat(Signals.countAria2For(root.resolve("cds"))).isZero();

    Map<String, String> serviceEnv = new HashMap<>();
    Matcher m = Pattern.compile("(?m)^Environment=(ARIA2SV_[A-Z0-9_]+)=(\\S+)$").matcher(unit);
    while (m.find()) {
      serviceEnv.put(m.group(1), m.group(2));
    }
    serviceEnv.putAll(ChildJvm.envFor(root.resolve("service")));
    List<String> start = relocate(line(unit, "ExecStart="));
    start.add(0, "-Xshare:on");
    try (ChildJvm jvm = java(start, root, serviceEnv)) {
      jvm.awaitOutput("aria2-supervisor running", Duration.ofSeconds(30));
      assertThat(jvm.output()).doesNotContain("[warning][cds");
      Signals.send(jvm.pid(), "TERM");
      assertThat(jvm.awaitExit(Duration.ofSeconds(30))).as(jvm.output()).isZero();
    }
  }
}
