package io.aria2sv.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads the sections of what runs the service unattended: {@code bittorrent}, {@code schedules},
 * {@code completion} with {@code categories} and {@code webhooks} (whose entries the services that
 * use them check).
 */
final class ServiceSections {
  private ServiceSections() {}

  static AppConfig.Bittorrent bittorrent(ConfigReader b) {
    java.util.List<java.net.URI> lists = new java.util.ArrayList<>();
    for (String url : b.stringList("trackerLists")) {
      lists.add(httpUrl(b.key("trackerLists"), url));
    }
    return new AppConfig.Bittorrent(
        java.util.List.copyOf(lists), b.duration("trackerListInterval", Duration.ofSeconds(1)));
  }

  static AppConfig.Schedules schedules(ConfigReader sc) {
    return new AppConfig.Schedules(zone(sc), sc.array("rules"));
  }

  static AppConfig.Completion completion(ConfigReader root, Path base) {
    ConfigReader co = root.section("completion");
    String finished = co.string("finishedRoot").trim();
    String moveTo = co.string("moveTo").trim();
    if (finished.isEmpty() && !moveTo.isEmpty()) {
      throw new ConfigException(
          co.key("moveTo"), "needs completion.finishedRoot, the directory it is under");
    }
    return new AppConfig.Completion(
        finished.isEmpty() ? null : base.resolve(finished).toAbsolutePath().normalize(),
        moveTo.isEmpty() ? null : moveTo,
        root.object("categories"),
        root.array("webhooks"),
        durations(co, "webhookRetries"),
        command(co),
        co.duration("commandTimeout", Duration.ofSeconds(1)));
  }

  private static java.util.List<String> command(ConfigReader co) {
    java.util.List<String> argv = co.stringList("command");
    if (!argv.isEmpty()) {
      Path program = Path.of(argv.get(0));
      if (!program.isAbsolute()) {
        throw new ConfigException(
            co.key("command"),
            "'" + argv.get(0) + "' must be an absolute path (no PATH lookup, no shell)");
      }
    }
    return argv;
  }

  private static java.util.List<Duration> durations(ConfigReader r, String name) {
    java.util.List<Duration> out = new java.util.ArrayList<>();
    for (String d : r.stringList(name)) {
      try {
        out.add(Durations.parse(d));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(r.key(name), e.getMessage());
      }
    }
    return java.util.List.copyOf(out);
  }

  private static java.net.URI httpUrl(String key, String url) {
    try {
      java.net.URI u = new java.net.URI(url);
      if (u.getScheme() == null
          || !u.getScheme().matches("(?i)https?")
          || u.getHost() == null
          || u.getHost().isEmpty()) {
        throw new ConfigException(key, "'" + url + "' is not an http or https URL");
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(key, "'" + url + "' is not a URL: " + e.getReason());
    }
  }

  private static java.time.ZoneId zone(ConfigReader sc) {
    String zone = sc.string("timeZone").trim();
    if (zone.isEmpty()) {
      return java.time.ZoneId.systemDefault();
    }
    try {
      return java.time.ZoneId.of(zone);
    } catch (java.time.DateTimeException e) {
      throw new ConfigException(
          sc.key("timeZone"), "'" + zone + "' is not a time zone (e.g. Europe/Berlin, UTC)");
    }
  }
}
