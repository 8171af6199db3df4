package io.aria2sv.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.Browsers;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The dashboard in Debian's headless Chromium, live through Server-Sent Events. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {
  @TempDir Path root;
  private Aria2Supervisor stack;
  private FileServer files;
  private WebDriver browser;

  @AfterEach
  void tearDown() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (stack != null) {
      SupervisorHarness.await(stack.undeploy());
    }
    if (files != null) {
      files.close();
    }
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
  }

  private WebElement row(String text) {
    return browser.findElements(By.cssSelector("#downloads tbody tr")).stream()
        .filter(tr -> tr.findElement(By.cssSelector(".name")).getText().equals(text))
        .findFirst()
        .orElse(null);
  }

  private String statusOf(String name) {
    WebElement tr = row(name);
    return tr == null ? null : tr.findElement(By.cssSelector(".status")).getText();
  }

  @Test
  void addsThroughTheFormWatchesProgressReachAHundredAndPausesAndResumesAnother(Vertx vertx)
      throws Exception {
    files = new FileServer(vertx).start();
    files.addRandomFile("form.bin", 3 << 20, 21);
    files.addRandomFile("other.bin", 32 << 20, 22);
    files.throttle(2 << 20);
    stack =
        SupervisorHarness.await(
            Aria2Supervisor.deploy(
                vertx, TestConfig.fast(vertx, root, "downloads.progressInterval", "250ms")));
    String base = "http://127.0.0.1:" + stack.httpPort() + "/";
    browser = Browsers.chromium(Files.createDirectories(root.resolve("chromium")));
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(40), Duration.ofMillis(50));

    // Until the first list has arrived the page says it is loading, not that there is nothing.
    String servedPage =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(base)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(servedPage).contains("<p id=\"empty\" class=\"muted\" role=\"status\">Loading…</p>");
    browser.get(base);
    wait.until(d -> d.findElement(By.id("connection")).getText().equals("live"));
    wait.until(d -> d.findElement(By.id("state")).getText().equals("RUNNING"));
    assertThat(browser.findElement(By.id("version")).getText()).isEqualTo("1.36.0");
    wait.until(d -> d.findElement(By.id("empty")).getText().equals("No downloads yet."));

    SupervisorHarness.await(
        vertx
            .eventBus()
            .request(
                Addresses.DOWNLOADS_ADD,
                new JsonObject()
                    .put("uris", new JsonArray().add(files.url("other.bin")))
                    .put("out", "other.bin")));
    wait.until(d -> "active".equals(statusOf("other.bin")));
    // Opened while a download runs: the header shows the chart's first sample, not a 0 of its own.
    browser.navigate().refresh();
    JavascriptExecutor js = (JavascriptExecutor) browser;
    wait.until(
        d -> js.executeScript("return document.getElementById('chart').dataset.last") != null);
    assertThat(
            Long.parseLong(
                (String) js.executeScript("return document.getElementById('chart').dataset.last")))
        .isPositive();
    assertThat(browser.findElement(By.id("speed")).getText()).isNotIn("–", "0 B/s");

    browser.findElement(By.id("uris")).sendKeys(files.url("form.bin"));
    browser.findElement(By.id("out")).sendKeys("form.bin");
    browser.findElement(By.id("add-button")).click();
    wait.until(d -> row("form.bin") != null);
    // Progress moves on the page between start and end, fed by SSE progress events.
    wait.until(
        d -> {
          String pct =
              row("form.bin")
                  .findElement(By.cssSelector(".progress"))
                  .getAttribute("aria-valuenow");
          return pct != null && Integer.parseInt(pct) > 0 && Integer.parseInt(pct) < 100;
        });
    wait.until(d -> "complete".equals(statusOf("form.bin")));
    assertThat(
            row("form.bin").findElement(By.cssSelector(".progress")).getAttribute("aria-valuenow"))
        .isEqualTo("100");
    assertThat(row("form.bin").findElement(By.cssSelector(".bar")).getAttribute("style"))
        .contains("width: 100%");

    row("other.bin").findElement(By.cssSelector("button[data-action=pause]")).click();
    wait.until(d -> "paused".equals(statusOf("other.bin")));
    assertThat(
            row("other.bin")
                .findElement(By.cssSelector("button[data-action=resume]"))
                .isDisplayed())
        .isTrue();
    row("other.bin").findElement(By.cssSelector("button[data-action=resume]")).click();
    wait.until(d -> "active".equals(statusOf("other.bin")));
    String viaApi =
        SupervisorHarness.await(
                vertx
                    .eventBus()
                    .<JsonObject>request(
                        Addresses.DOWNLOADS_LIST, new JsonObject().put("status", "active")))
            .body()
            .getJsonArray("downloads")
            .getJsonObject(0)
            .getString("out");
    assertThat(viaApi).isEqualTo("other.bin");

    Path shots =
        Files.createDirectories(
            Path.of(System.getProperty("screenshots.dir", "target/screenshots")));
    wait.until(
        d ->
            !d.findElement(By.id("speed")).getText().startsWith("0 B")
                && !d.findElement(By.id("speed")).getText().equals("–"));
    Files.write(
        shots.resolve("dashboard.png"),
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    browser.manage().window().setSize(new Dimension(390, 1600));
    Files.write(
        shots.resolve("dashboard-phone.png"),
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    assertThat(browser.findElement(By.id("add-button")).getRect().getWidth())
        .isLessThanOrEqualTo(390);
  }

  @Test
  void withAThousandDownloadsThePageShowsTheNewestFollowsEveryOneToCompleteAndTimesItsUpdates(
      Vertx vertx) throws Exception {
    files = new FileServer(vertx).start();
    files.addRandomFile("small.bin", 2048, 5);
    int total = 1050;
    stack =
        SupervisorHarness.await(
            Aria2Supervisor.deploy(
                vertx,
                TestConfig.fast(
                    vertx,
                    root,
                    "aria2.options.max-concurrent-downloads",
                    "50",
                    "downloads.progressInterval",
                    "250ms")));
    JsonArray items = new JsonArray();
    for (int i = 0; i < total; i++) {
      files.alias("f" + i + ".bin", "small.bin");
      items.add(
          new JsonObject()
              .put("uris", new JsonArray().add(files.url("f" + i + ".bin")))
              .put("out", "f" + i + ".bin")
              .put("options", new JsonObject().put("pause", "true")));
    }
    SupervisorHarness.await(
        vertx.eventBus().request(Addresses.BATCHES_ADD, new JsonObject().put("items", items)));
    browser = Browsers.chromium(Files.createDirectories(root.resolve("chromium")));
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(100));

    browser.get("http://127.0.0.1:" + stack.httpPort() + "/");
    wait.until(d -> d.findElement(By.id("older")).isDisplayed());
    assertThat(browser.findElement(By.id("older")).getText())
        .isEqualTo("Showing the newest 1000; 50 older not shown.");
    assertThat(browser.findElement(By.id("count")).getText()).isEqualTo("1050");
    List<WebElement> shown = browser.findElements(By.cssSelector("#downloads tbody tr .name"));
    assertThat(shown).hasSize(1000);
    assertThat(shown.get(0).getText()).isEqualTo("f1049.bin");
    assertThat(shown.get(999).getText()).isEqualTo("f50.bin");
    wait.until(d -> d.findElement(By.id("connection")).getText().equals("live"));

    browser.findElement(By.id("resume-all")).click();
    wait.until(d -> d.findElement(By.id("bulk-result")).getText().equals("Resumed 1050."));
    JavascriptExecutor js = (JavascriptExecutor) browser;
    wait.until(
        d ->
            ((Number)
                        js.executeScript(
                            "return document.querySelectorAll('#downloads tbody tr.complete').length"))
                    .intValue()
                == 1000);
    @SuppressWarnings("unchecked")
    Map<String, Object> perf = (Map<String, Object>) js.executeScript("return window.aria2svPerf");
    double updates = ((Number) perf.get("updates")).doubleValue();
    System.out.printf(
        "dashboard with %s rows: %.0f updates for %s downloads, %.1f ms per update on average, %.1f ms at most%n",
        perf.get("rows"),
        updates,
        perf.get("downloads"),
        ((Number) perf.get("totalMs")).doubleValue() / updates,
        ((Number) perf.get("maxMs")).doubleValue());
    assertThat(updates).as("events were applied in passes").isPositive();
  }

  @Test
  void filtersDetailsAPerDownloadLimitRemovalWithItsFileAndClearingEndedWorkFromThePage(Vertx vertx)
      throws Exception {
    files = new FileServer(vertx).start();
    files.addRandomFile("done.bin", 4096, 31);
    files.addRandomFile("held.bin", 1 << 20, 32);
    WebDriverWait wait = openDashboard(vertx);
    JsonObject missing =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("missing.bin")))
            .put("out", "missing.bin");
    for (JsonObject add :
        List.of(
            new JsonObject().put("uris", new JsonArray().add(files.url("done.bin"))),
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("held.bin")))
                .put("out", "held.bin")
                .put("options", new JsonObject().put("pause", "true")),
            missing)) {
      SupervisorHarness.await(vertx.eventBus().request(Addresses.DOWNLOADS_ADD, add));
    }
    wait.until(
        d -> "complete".equals(statusOf("done.bin")) && "failed".equals(statusOf("missing.bin")));
    WebElement reason = row("missing.bin").findElement(By.cssSelector(".reason"));
    assertThat(reason.isDisplayed()).as("the failure reason is in the row").isTrue();
    assertThat(reason.getText()).startsWith("aria2 error 3:");

    new Select(browser.findElement(By.id("filter-status"))).selectByVisibleText("failed");
    wait.until(d -> visibleNames().equals(List.of("missing.bin")));
    // With a filter, Pause acts on every matching download on the server and says what happened.
    WebElement pause = browser.findElement(By.id("pause-all"));
    assertThat(pause.getText()).isEqualTo("Pause matching");
    pause.click();
    wait.until(
        d ->
            d.findElement(By.id("bulk-result"))
                .getText()
                .equals("Paused 0 of 1 matching; 1 ended."));
    new Select(browser.findElement(By.id("filter-status"))).selectByVisibleText("all");
    assertThat(browser.findElement(By.id("pause-all")).getText()).isEqualTo("Pause all");
    browser.findElement(By.id("search")).sendKeys("HEL");
    wait.until(d -> visibleNames().equals(List.of("held.bin")));
    browser.findElement(By.id("search")).clear();
    browser.findElement(By.id("search")).sendKeys("nothing-like-it");
    wait.until(d -> d.findElement(By.id("no-match")).isDisplayed());
    browser.findElement(By.id("search")).clear();
    browser.findElement(By.id("search")).sendKeys(" ");
    wait.until(d -> visibleNames().size() == 3);

    row("done.bin").findElement(By.cssSelector(".name")).click();
    wait.until(
        d ->
            d.findElement(By.id("details")).isDisplayed()
                && !d.findElements(By.cssSelector("#details-files tbody td")).isEmpty());
    assertThat(browser.findElement(By.cssSelector("#details-files tbody td")).getText())
        .isEqualTo(root.resolve("downloads/done.bin").toString());
    assertThat(browser.findElement(By.id("details-gids")).getText()).matches("[0-9a-f]{16}");
    browser.findElement(By.id("details-close")).click();

    row("held.bin").findElement(By.cssSelector(".name")).click();
    wait.until(
        d ->
            d.findElement(By.id("details")).isDisplayed()
                && d.findElement(By.id("details-title")).getText().equals("held.bin"));
    WebElement limit = browser.findElement(By.id("dl-limit"));
    limit.sendKeys("fast");
    browser.findElement(By.id("dl-limit-button")).click();
    wait.until(d -> d.findElement(By.id("dl-limit-error")).isDisplayed());
    assertThat(browser.findElement(By.id("dl-limit-error")).getText())
        .contains("max-download-limit");
    limit.clear();
    limit.sendKeys("100K");
    browser.findElement(By.id("dl-limit-button")).click();
    wait.until(
        d ->
            d.findElement(By.id("details-options"))
                .getText()
                .contains("max-download-limit = 100K"));
    JsonObject held =
        SupervisorHarness.await(
                vertx
                    .eventBus()
                    .<JsonObject>request(
                        Addresses.DOWNLOADS_LIST, new JsonObject().put("status", "paused")))
            .body()
            .getJsonArray("downloads")
            .getJsonObject(0);
    assertThat(
            SupervisorHarness.await(
                    SupervisorHarness.rpc(vertx)
                        .callObject(
                            "aria2.getOption", Duration.ofSeconds(2), held.getString("gid")))
                .getString("max-download-limit"))
        .isEqualTo("102400");
    browser.findElement(By.id("details-close")).click();

    row("done.bin").findElement(By.cssSelector("button[data-action=remove]")).click();
    wait.until(d -> d.findElement(By.id("remove-dialog")).isDisplayed());
    browser.findElement(By.id("remove-delete")).click();
    wait.until(d -> "removed".equals(statusOf("done.bin")));
    assertThat(root.resolve("downloads/done.bin")).doesNotExist();

    browser.findElement(By.id("clear-ended")).click();
    wait.until(
        d -> d.findElement(By.id("bulk-result")).getText().equals("Cleared 2 ended downloads."));
    wait.until(d -> visibleNames().equals(List.of("held.bin")));
  }

  @Test
  void aTorrentUploadedThroughTheFormSeedsShowsItsRatioAndStopsSeedingFromItsRow(Vertx vertx)
      throws Exception {
    files = new FileServer(vertx).start();
    byte[] content = new byte[200_000];
    new java.util.Random(41).nextBytes(content);
    files.addFile("shared.bin", content);
    byte[] torrent =
        io.aria2sv.testing.Torrents.single("shared.bin", content, files.url("shared.bin"));
    Path file = Files.write(root.resolve("shared.torrent"), torrent);
    WebDriverWait wait = openDashboard(vertx);
    String name = "shared.bin";

    browser.findElement(By.id("torrent-file")).sendKeys(file.toString());
    browser.findElement(By.id("add-button")).click();
    wait.until(d -> "seeding".equals(statusOf(name)));
    assertThat(row(name).findElement(By.cssSelector(".speed")).getText()).contains("ratio 0");
    row(name).findElement(By.cssSelector("button[data-action=stop-seeding]")).click();
    wait.until(d -> "complete".equals(statusOf(name)));
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/shared.bin"))))
        .isEqualTo(FileServer.sha256(content));
  }

  private List<String> visibleNames() {
    return browser.findElements(By.cssSelector("#downloads tbody tr")).stream()
        .filter(WebElement::isDisplayed)
        .map(tr -> tr.findElement(By.cssSelector(".name")).getText())
        .toList();
  }

  /**
   * Deploys the supervisor, opens the dashboard in Chromium and waits until its live updates run.
   */
  private WebDriverWait openDashboard(Vertx vertx) throws Exception {
    stack = SupervisorHarness.await(Aria2Supervisor.deploy(vertx, TestConfig.fast(vertx, root)));
    browser = Browsers.chromium(Files.createDirectories(root.resolve("chromium")));
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(40), Duration.ofMillis(50));
    browser.get("http://127.0.0.1:" + stack.httpPort() + "/");
    wait.until(d -> d.findElement(By.id("connection")).getText().equals("live"));
    return wait;
  }

  @Test
  void theDashboardSaysWhyTheRegistryCannotStoreAndClearsItOnceItCan(Vertx vertx) throws Exception {
    WebDriverWait wait = openDashboard(vertx);
    assertThat(browser.findElement(By.id("storage")).isDisplayed()).isFalse();

    JsonObject add =
        new JsonObject()
            .put("uris", new JsonArray().add("http://127.0.0.1:9/x"))
            .put("options", new JsonObject().put("pause", "true"));
    try (Connection other =
            DriverManager.getConnection(
                "jdbc:sqlite:" + root.resolve("data").resolve("registry.db"));
        Statement s = other.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      s.execute("INSERT INTO probe (id, at) VALUES (2, 0)");
      assertThat(
              vertx
                  .eventBus()
                  .request(Addresses.DOWNLOADS_ADD, add)
                  .toCompletionStage()
                  .toCompletableFuture()
                  .handle((ok, err) -> err)
                  .get(20, TimeUnit.SECONDS))
          .isNotNull();
      wait.until(d -> d.findElement(By.id("storage")).isDisplayed());
      assertThat(browser.findElement(By.id("storage")).getText())
          .contains("Registry: the registry is locked by another process")
          .contains(root.resolve("data").toString());
      s.execute("ROLLBACK");
    }
    wait.until(d -> !d.findElement(By.id("storage")).isDisplayed());
  }

  @Test
  void theGlobalSpeedLimitIsSetFromTheDashboardAndABadValueIsExplained(Vertx vertx)
      throws Exception {
    WebDriverWait wait = openDashboard(vertx);
    wait.until(d -> "0".equals(d.findElement(By.id("limit")).getAttribute("value")));

    WebElement limit = browser.findElement(By.id("limit"));
    limit.clear();
    limit.sendKeys("1M");
    browser.findElement(By.id("limit-button")).click();
    wait.until(d -> "1048576".equals(d.findElement(By.id("limit")).getAttribute("value")));
    String live =
        SupervisorHarness.await(
                SupervisorHarness.rpc(vertx)
                    .callObject("aria2.getGlobalOption", Duration.ofSeconds(2)))
            .getString("max-overall-download-limit");
    assertThat(live).isEqualTo("1048576");

    limit.clear();
    limit.sendKeys("fast");
    browser.findElement(By.id("limit-button")).click();
    wait.until(d -> d.findElement(By.id("limit-error")).isDisplayed());
    assertThat(browser.findElement(By.id("limit-error")).getText())
        .contains("options.max-overall-download-limit")
        .contains("fast");
  }

  @Test
  void anAddWithACategoryShowsWhereItWasMovedOnceComplete(Vertx vertx) throws Exception {
    files = new FileServer(vertx).start();
    files.addRandomFile("film.bin", 200_000, 8);
    JsonObject cfg =
        TestConfig.fast(
            vertx, root, "completion.finishedRoot", root.resolve("finished").toString());
    cfg.put(
        "categories",
        new JsonObject().put("video", new JsonObject().put("dir", "video").put("moveTo", "films")));
    stack = SupervisorHarness.await(Aria2Supervisor.deploy(vertx, cfg));
    browser = Browsers.chromium(Files.createDirectories(root.resolve("chromium")));
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(40), Duration.ofMillis(50));
    browser.get("http://127.0.0.1:" + stack.httpPort() + "/");
    wait.until(d -> d.findElement(By.id("connection")).getText().equals("live"));

    browser.findElement(By.id("uris")).sendKeys(files.url("film.bin"));
    browser.findElement(By.id("category")).sendKeys("video");
    browser.findElement(By.id("add-button")).click();
    Path moved = root.resolve("finished/films/film.bin");
    wait.until(
        d ->
            row("film.bin") != null
                && row("film.bin")
                    .findElement(By.cssSelector(".reason"))
                    .getText()
                    .equals("moved to " + moved));
    assertThat(moved).exists();
    assertThat(
            row("film.bin")
                .findElement(By.cssSelector("button[data-action='completion/retry']"))
                .isDisplayed())
        .isFalse();
  }
}
