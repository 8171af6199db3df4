package io.aria2sv.testing;

import java.nio.file.Path;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;

/** Headless Chromium from Debian's packages, with nothing of its own going out to the network. */
public final class Browsers {
  private Browsers() {}

  /** Chromium with its profile in {@code profile} and {@code extra} arguments. */
  public static WebDriver chromium(Path profile, String... extra) {
    ChromeOptions o = new ChromeOptions();
    o.setBinary("/usr/bin/chromium");
    o.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + profile,
        "--window-size=1280,1100");
    o.addArguments(extra);
    return new ChromeDriver(o);
  }
}
