package io.aria2sv.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Collects benchmark rows and writes {@code target/bench/report.json} and {@code report.md}. Each
 * row holds our figure and the anchor's, measured side by side in the same run, their ratio, the
 * goal and whether it is met. Rows from several benchmark classes accumulate in one report.
 */
final class BenchReport {
  static final Path DIR = Path.of("target", "bench");

  private BenchReport() {}

  /** Median and p95 of a sample, in the sample's unit. */
  record Stats(double median, double p95, double min, double max, int n) {
    static Stats of(List<Double> sample) {
      List<Double> s = new ArrayList<>(sample);
      Collections.sort(s);
      return new Stats(
          percentile(s, 50), percentile(s, 95), s.get(0), s.get(s.size() - 1), s.size());
    }

    private static double percentile(List<Double> sorted, double p) {
      double rank = p / 100.0 * (sorted.size() - 1);
      int lo = (int) Math.floor(rank);
      int hi = (int) Math.ceil(rank);
      return sorted.get(lo) + (sorted.get(hi) - sorted.get(lo)) * (rank - lo);
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("median", median)
          .put("p95", p95)
          .put("min", min)
          .put("max", max)
          .put("n", n);
    }
  }

  /**
   * Adds a row.
   *
   * @param ratio ours / anchor (by median)
   * @param goal the goal in words, e.g. "ratio <= 3"
   */
  static synchronized void add(
      String metric,
      String unit,
      Stats ours,
      String anchorName,
      Stats anchor,
      double ratio,
      String goal,
      boolean met,
      String note)
      throws IOException {
    Files.createDirectories(DIR);
    Path json = DIR.resolve("report.json");
    JsonObject report = Files.exists(json) ? new JsonObject(Files.readString(json)) : header();
    JsonArray rows = report.getJsonArray("rows");
    for (int i = rows.size() - 1; i >= 0; i--) {
      if (rows.getJsonObject(i).getString("metric").equals(metric)) {
        rows.remove(i);
      }
    }
    rows.add(
        new JsonObject()
            .put("metric", metric)
            .put("unit", unit)
            .put("ours", ours.toJson())
            .put("anchor", anchorName)
            .put("anchorFigure", anchor == null ? null : anchor.toJson())
            .put("ratio", ratio)
            .put("goal", goal)
            .put("met", met)
            .put("note", note));
    Files.writeString(json, report.encodePrettily());
    Files.writeString(DIR.resolve("report.md"), markdown(report));
  }

  private static JsonObject header() {
    return new JsonObject()
        .put("generatedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.version"))
        .put(
            "jvmFlags",
            String.join(
                " ",
                ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("-X"))
                    .toList()))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("command", "mvn -B -Pbench verify")
        .put("rows", new JsonArray());
  }

  private static String markdown(JsonObject report) {
    StringBuilder sb = new StringBuilder("# aria2-supervisor benchmarks\n\n");
    sb.append("Generated ")
        .append(report.getString("generatedAt"))
        .append(" by `")
        .append(report.getString("command"))
        .append("` on ")
        .append(report.getInteger("cores"))
        .append(" cores, Java ")
        .append(report.getString("java"))
        .append(", ")
        .append(report.getString("os"))
        .append("; in-process benchmarks run with `")
        .append(report.getString("jvmFlags"))
        .append("`, the fat jar's with the same.\n")
        .append("Every ratio compares figures measured side by side in the same run.\n\n")
        .append(
            "| metric | ours (median / p95) | anchor | anchor (median / p95) | ratio | goal | met | note |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    for (Object o : report.getJsonArray("rows")) {
      JsonObject r = (JsonObject) o;
      JsonObject ours = r.getJsonObject("ours");
      JsonObject anchor = r.getJsonObject("anchorFigure");
      String unit = r.getString("unit");
      sb.append("| ")
          .append(r.getString("metric"))
          .append(" | ")
          .append(fmt(ours.getDouble("median")))
          .append(" / ")
          .append(fmt(ours.getDouble("p95")))
          .append(' ')
          .append(unit)
          .append(" (n=")
          .append(ours.getInteger("n"))
          .append(")")
          .append(" | ")
          .append(r.getString("anchor"))
          .append(" | ")
          .append(
              anchor == null
                  ? "n/a"
                  : fmt(anchor.getDouble("median"))
                      + " / "
                      + fmt(anchor.getDouble("p95"))
                      + " "
                      + unit)
          .append(" | ")
          .append(fmt(r.getDouble("ratio")))
          .append(" | ")
          .append(r.getString("goal"))
          .append(" | ")
          .append(r.getBoolean("met") ? "yes" : "**no**")
          .append(" | ")
          .append(r.getString("note", ""))
          .append(" |\n");
    }
    return sb.toString();
  }

  static String fmt(double d) {
    return d >= 100 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.2f", d);
  }
}
