package io.aria2sv.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.aria2sv.config.ConfigException;
import io.aria2sv.testing.Browsers;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.TestCertificates;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.slf4j.LoggerFactory;

/**
 * HTTPS and WSS with real clients: curl and openssl trusting a test CA, the npm {@code aria2}
 * client over {@code https://} and {@code wss://}, headless Chromium; a certificate renewed in
 * place without a restart, a broken renewal kept out, and start-up refused for unusable files.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsTest extends StackTestBase {
  private static final Path NODE_DIR = Path.of("src/test/node");

  private TestCertificates certs;

  private JsonObject tlsConfig(String... more) throws Exception {
    certs = new TestCertificates(root.resolve("tls"));
    certs.leaf("server");
    List<String> all =
        new ArrayList<>(
            List.of(
                "http.tls.cert",
                certs.cert("server").toString(),
                "http.tls.key",
                certs.key("server").toString(),
                "http.tls.checkInterval",
                "200ms"));
    all.addAll(List.of(more));
    return config(all.toArray(String[]::new));
  }

  private static String sha256Hex(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  private String base() {
    return "https://127.0.0.1:" + stack.httpPort();
  }

  private static String run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue() + "\n" + out;
  }

  /** The serial of the certificate a new connection is shown, trusting only the test CA. */
  private BigInteger servedSerial() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certs.ca())) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket s =
        (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", stack.httpPort())) {
      s.setSoTimeout(5000);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  void curlAndOpensslReachTheApiOverTls12And13TrustingTheTestCaAndOlderProtocolsAreRefused()
      throws Exception {
    stack.deployStack(tlsConfig());
    Path dir = root.resolve("tls");

    String trusted =
        run(
            dir,
            "curl",
            "-sS",
            "--cacert",
            "ca.pem",
            base() + "/api/v1/supervisor",
            "-w",
            "\n%{http_code}");
    assertThat(trusted).startsWith("0\n").endsWith("\n200").contains("\"state\":\"RUNNING\"");
    String untrusted = run(dir, "curl", "-sS", base() + "/api/v1/supervisor");
    assertThat(untrusted).as("curl without the CA").startsWith("60\n");
    String plain =
        run(dir, "curl", "-sS", "http://127.0.0.1:" + stack.httpPort() + "/api/v1/supervisor");
    assertThat(plain).as("plain HTTP to the TLS port").doesNotContain("RUNNING");

    for (String version : List.of("-tls1_3", "-tls1_2")) {
      assertThat(hello(dir, version, "-verify_return_error"))
          .as(version)
          .startsWith("0\n")
          .contains("Verify return code: 0 (ok)");
    }
    for (String version : List.of("-tls1_1", "-tls1")) {
      assertThat(hello(dir, version, "-cipher", "DEFAULT:@SECLEVEL=0"))
          .as(version + " is refused")
          .doesNotStartWith("0\n");
    }
  }

  /** openssl s_client's handshake with the server, trusting the test CA: exit code and output. */
  private String hello(Path dir, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + stack.httpPort(),
                "-CAfile",
                "ca.pem"));
    cmd.addAll(List.of(args));
    return run(dir, cmd.toArray(String[]::new));
  }

  @Test
  void aRenewedCertificateServesNewConnectionsWithoutARestartAndABrokenRenewalKeepsTheOldOne()
      throws Exception {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    ((Logger) LoggerFactory.getLogger(TlsFiles.class)).addAppender(log);
    try {
      stack.deployStack(tlsConfig());
      assertThat(servedSerial()).isEqualTo(BigInteger.valueOf(2));

      long renewed = certs.leaf("renewed");
      Files.copy(
          certs.key("renewed"),
          certs.key("server"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          certs.cert("renewed"),
          certs.cert("server"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> servedSerial().equals(BigInteger.valueOf(renewed)));

      // a renewal gone wrong: a key that is not the certificate's, then a truncated certificate
      long other = certs.leaf("other");
      Files.copy(
          certs.key("other"),
          certs.key("server"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  log.list.stream()
                      .anyMatch(e -> e.getFormattedMessage().contains("cannot be used")));
      Files.writeString(certs.cert("server"), "-----BEGIN CERTIFICATE-----\nAAAA\n");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  log.list.stream()
                          .filter(e -> e.getFormattedMessage().contains("cannot be used"))
                          .count()
                      == 2);
      assertThat(servedSerial()).isEqualTo(BigInteger.valueOf(renewed)).isNotEqualTo(other);
      assertThat(
              run(
                  root.resolve("tls"),
                  "curl",
                  "-sS",
                  "--cacert",
                  "ca.pem",
                  base() + "/health/ready",
                  "-o",
                  "/dev/null",
                  "-w",
                  "%{http_code}"))
          .isEqualTo("0\n200");
      long warnings =
          log.list.stream().filter(e -> e.getFormattedMessage().contains("cannot be used")).count();
      assertThat(warnings).as("each broken renewal is logged once, not every check").isEqualTo(2);
    } finally {
      ((Logger) LoggerFactory.getLogger(TlsFiles.class)).detachAppender(log);
    }
  }

  @Test
  void theNpmAria2ClientWorksOverHttpsAndWssAndItsReadTokenMayOnlyLook() throws Exception {
    assertThat(NODE_DIR.resolve("node_modules/aria2/package.json"))
        .as("the npm client is installed: npm ci --prefix src/test/node (.ci/run does it)")
        .exists();
    JsonObject cfg = tlsConfig();
    cfg.getJsonObject("http")
        .put(
            "tokens",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "ops")
                        .put("scope", "control")
                        .put("sha256", sha256Hex("ops-token-0123456789")))
                .add(
                    new JsonObject()
                        .put("name", "viewer")
                        .put("scope", "read")
                        .put("sha256", sha256Hex("viewer-token-0123456789"))));
    stack.deployStack(cfg);
    Path log = root.resolve("node.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                "node",
                NODE_DIR.resolve("tls-client.js").toString(),
                String.valueOf(stack.httpPort()),
                "ops-token-0123456789",
                "viewer-token-0123456789")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("NODE_EXTRA_CA_CERTS", certs.ca().toString());
    Process node = pb.start();
    try {
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      node.destroyForcibly();
    }
    String text = Files.readString(log);
    assertThat(node.exitValue()).as(text).isZero();
    List<JsonObject> steps =
        text.lines().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
    java.util.function.Function<String, JsonObject> step =
        name ->
            steps.stream()
                .filter(s -> s.getString("step").equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no step " + name + " in " + text))
                .getJsonObject("value");
    assertThat(step.apply("https-version").getString("ok")).isEqualTo("1.36.0");
    assertThat(step.apply("wss-version").getString("ok")).isEqualTo("1.36.0");
    assertThat(step.apply("wss-pause-all").getString("ok")).isEqualTo("OK");
    assertThat(step.apply("read-stat").getJsonObject("ok").fieldNames()).contains("numWaiting");
    assertThat(step.apply("read-pause-all").getString("error")).isEqualTo("Unauthorized");
    JsonArray multi = step.apply("read-multicall").getJsonArray("ok");
    assertThat(multi.getValue(0)).isInstanceOf(JsonArray.class);
    assertThat(multi.getJsonObject(1).getString("message")).isEqualTo("Unauthorized");
  }

  @Test
  void theDashboardLoadsOverHttpsInChromiumTrustingTheTestCaAndShowsTheScheduleInForce()
      throws Exception {
    JsonObject cfg = tlsConfig();
    java.time.LocalTime now = java.time.LocalTime.now(java.time.ZoneOffset.UTC);
    java.time.format.DateTimeFormatter hm = java.time.format.DateTimeFormatter.ofPattern("HH:mm");
    cfg.getJsonObject("schedules")
        .put("timeZone", "UTC")
        .put(
            "rules",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "evening")
                        .put("from", now.minusHours(1).format(hm))
                        .put("to", now.plusHours(1).format(hm))
                        .put("options", new JsonObject().put("max-overall-download-limit", "2M"))));
    stack.deployStack(cfg);
    WebDriver browser =
        Browsers.chromium(
            Files.createDirectories(root.resolve("chromium")),
            "--ignore-certificate-errors-spki-list=" + certs.caSpki());
    try {
      browser.get(base() + "/");
      WebDriverWait wait =
          new WebDriverWait(browser, Duration.ofSeconds(40), Duration.ofMillis(50));
      wait.until(d -> d.findElement(By.id("connection")).getText().equals("live"));
      wait.until(d -> d.findElement(By.id("state")).getText().equals("RUNNING"));
      assertThat(browser.getCurrentUrl()).startsWith("https://");
      wait.until(d -> d.findElement(By.id("schedule")).getText().startsWith("evening in force"));
      assertThat(browser.findElement(By.id("schedule")).getText())
          .contains("max-overall-download-limit 2M");
      assertThat(browser.findElement(By.id("trackers")).getText()).isEqualTo("no lists");
    } finally {
      browser.quit();
    }
  }

  @Test
  void aMissingUnreadableOrMismatchedFileStopsStartUpNamingItsKey() throws Exception {
    JsonObject cfg = tlsConfig();
    cfg.getJsonObject("http")
        .getJsonObject("tls")
        .put("cert", root.resolve("tls/missing.pem").toString());
    assertThat(stack.deployStackFailure(cfg))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("http.tls.cert: cannot read")
        .hasMessageContaining("no such file");
    assertThat(root.resolve("data/aria2.conf")).as("checked before aria2c starts").doesNotExist();

    certs.leaf("other");
    cfg.getJsonObject("http").getJsonObject("tls").put("cert", certs.cert("server").toString());
    cfg.getJsonObject("http").getJsonObject("tls").put("key", certs.key("other").toString());
    assertThat(stack.deployStackFailure(cfg))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("http.tls.key: ")
        .hasMessageContaining("is not the key of the certificate");
  }
}
