package io.aria2sv.schedule;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.OptionLayers;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.ConfigException;
import io.aria2sv.supervisor.Aria2OptionsCheck;
import io.aria2sv.supervisor.BinaryLocator;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time-of-day rules ({@code schedules.*}, or those set through the API): four times a second the
 * clock is read and what the rules in force hold is applied: their aria2 global options become the
 * schedule's layer of {@link OptionLayers} (the supervisor gives them to aria2c, which keeps them
 * over its restarts), and a pausing rule pauses every download when it starts (and each download
 * added while it holds) and resumes those it paused when it ends. The layer is set before the
 * supervisor starts aria2c, so a restart in the middle of a window starts with its limits; the
 * downloads a rule paused are kept in {@code schedule-state.json}.
 */
public final class ScheduleVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleVerticle.class);
  private static final long TICK_MS = 250;

  private final Clock clock;
  private Path dataDir;
  private AppConfig.Aria2 aria2;
  private Path binary;
  private Schedule configured;
  private Schedule schedule;
  private boolean fromApi;
  private ScheduleStore store;
  private Map<String, String> published;
  private List<String> announced = List.of();
  private SchedulePauses pauses;

  /** The next change of the rules in force, worked out at {@code nextFrom} for {@code nextFor}. */
  private Instant nextChange;

  private Instant nextFrom;
  private Schedule nextFor;
  private long timer = -1;

  /** The schedule on the system clock. */
  public ScheduleVerticle() {
    this(Clock.systemUTC());
  }

  /** The schedule on {@code clock} (tests move it across midnight and daylight saving). */
  public ScheduleVerticle(Clock clock) {
    this.clock = clock;
  }

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() {
    AppConfig app = AppConfig.from(config());
    dataDir = app.aria2().dataDir();
    store = new ScheduleStore(dataDir);
    return vertx
        .executeBlocking(
            () -> {
              aria2 = app.aria2();
              configured =
                  Schedule.parse(app.schedules().timeZone(), app.schedules().rules(), "schedules.");
              checkOptions(configured, "schedules.");
              JsonObject saved = store.rules();
              if (saved != null) {
                schedule = fromJson(saved, ScheduleStore.RULES + ": ");
                fromApi = true;
              } else {
                schedule = configured;
              }
              pauses = new SchedulePauses(vertx, store, dataDir, store.pause());
              return null;
            },
            false)
        .map(
            v -> {
              registerConsumers();
              tick();
              timer = vertx.setPeriodic(TICK_MS, id -> tick());
              return null;
            });
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }

  private void registerConsumers() {
    var bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(Addresses.SCHEDULES_GET, m -> m.reply(status()));
    bus.<JsonObject>localConsumer(
        Addresses.SCHEDULES_PUT, m -> BusReplies.answer(m, this::replace));
    bus.<JsonObject>localConsumer(
        Addresses.SCHEDULES_DELETE, m -> BusReplies.answer(m, b -> restoreConfigured()));
    bus.<JsonObject>localConsumer(
        Addresses.EVENTS_DOWNLOAD,
        m -> {
          if ("added".equals(m.body().getString("type"))) {
            pauses.added(m.body().getJsonObject("download").getString("id"));
          }
        });
  }

  /** Applies what the rules in force at this moment hold. */
  private void tick() {
    Instant now = clock.instant();
    List<String> names = schedule.inForce(now).stream().map(Rule::name).toList();
    Map<String, String> options = schedule.options(now);
    if (!names.equals(announced)) {
      LOG.info(
          "schedule: {} in force at {} ({})",
          names.isEmpty() ? "no rule" : "rules " + names,
          LocalDateTime.ofInstant(now, schedule.zone()).withNano(0),
          schedule.zone());
      announced = names;
    }
    if (!options.equals(published)) {
      published = options;
      OptionLayers.put(vertx, dataDir, OptionLayers.SCHEDULE, options);
    }
    pauses.hold(schedule.pauses(now));
    // the next change stays the same until it is reached, the rules change or the clock goes back
    if (schedule != nextFor
        || nextFrom == null
        || now.isBefore(nextFrom)
        || nextChange != null && !now.isBefore(nextChange)) {
      nextFor = schedule;
      nextFrom = now;
      nextChange = schedule.nextChange(now);
    }
  }

  /** PUT: new rules, checked (aria2c tries their options), kept, applied at once. */
  private Future<JsonObject> replace(JsonObject body) {
    for (String k : body.fieldNames()) {
      if (!k.equals("rules") && !k.equals("timeZone")) {
        throw new ServiceException(
            ErrorCode.BAD_REQUEST, k + ": is not a known field (rules, timeZone)");
      }
    }
    if (!(body.getValue("rules") instanceof JsonArray)) {
      throw new ServiceException(ErrorCode.BAD_REQUEST, "rules: must be a list of rules");
    }
    Schedule next;
    try {
      next = fromJson(body, "");
    } catch (ConfigException e) {
      throw new ServiceException(ErrorCode.BAD_REQUEST, e.getMessage());
    }
    return vertx
        .executeBlocking(
            () -> {
              try {
                checkOptions(next, "");
              } catch (ConfigException e) {
                throw new ServiceException(ErrorCode.BAD_REQUEST, e.getMessage());
              }
              store.saveRules(next.toJson());
              return null;
            },
            false)
        .map(
            v -> {
              schedule = next;
              fromApi = true;
              LOG.info("schedule replaced through the API: {} rules", next.rules().size());
              tick();
              return status();
            });
  }

  private Future<JsonObject> restoreConfigured() {
    return vertx
        .executeBlocking(
            () -> {
              store.deleteRules();
              return null;
            },
            false)
        .map(
            v -> {
              schedule = configured;
              fromApi = false;
              LOG.info("schedule: back to the rules of the configuration");
              tick();
              return status();
            });
  }

  private Schedule fromJson(JsonObject json, String prefix) {
    Object zone = json.getValue("timeZone");
    ZoneId z =
        zone == null || zone.toString().isBlank()
            ? configured.zone()
            : Schedule.zone(prefix + "timeZone", zone.toString());
    return Schedule.parse(
        z, json.getValue("rules") instanceof JsonArray a ? a : new JsonArray(), prefix);
  }

  /** aria2c tries each rule's options; a refused value names its field. Blocking. */
  private void checkOptions(Schedule s, String prefix) throws Exception {
    for (int i = 0; i < s.rules().size(); i++) {
      if (s.rules().get(i).options().isEmpty()) {
        continue;
      }
      if (binary == null) {
        aria2.createDirectories(); // the check's scratch file goes there
        binary = BinaryLocator.locate(aria2.binary(), System.getenv("PATH")).path();
      }
      try {
        Aria2OptionsCheck.check(binary, s.rules().get(i).options(), dataDir);
      } catch (ConfigException e) {
        String at = prefix + "rules[" + i + "].options.";
        throw new ConfigException(
            e.key().replaceFirst("^aria2\\.options\\.", at),
            e.getMessage().substring(e.key().length() + 2));
      }
    }
  }

  private JsonObject status() {
    Instant now = clock.instant();
    Instant next = nextChange;
    JsonArray names = new JsonArray();
    schedule.inForce(now).forEach(r -> names.add(r.name()));
    return schedule
        .toJson()
        .put("source", fromApi ? "api" : "configuration")
        .put("now", LocalDateTime.ofInstant(now, schedule.zone()).withNano(0).toString())
        .put("inForce", names)
        .put("options", new JsonObject(new java.util.TreeMap<>(schedule.options(now))))
        .put("pausing", pauses.pausing())
        .put("pausedDownloads", pauses.count())
        .put(
            "nextChange",
            next == null ? null : LocalDateTime.ofInstant(next, schedule.zone()).toString());
  }
}
