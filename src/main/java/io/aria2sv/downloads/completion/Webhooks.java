package io.aria2sv.downloads.completion;

import io.aria2sv.config.ConfigException;
import io.aria2sv.downloads.registry.Registry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The webhook endpoints of the configuration ({@code webhooks: [{name, url, secret, events}]}), and
 * the messages a download's transition puts into the outbox for them: one per endpoint that wants
 * the event, with a {@code webhook-id} of its own kept for every attempt. The body is the Standard
 * Webhooks shape {@code {type, timestamp, data}}; {@code data} describes the download without its
 * URIs and options (they may hold credentials).
 */
public final class Webhooks {
  /** The events an endpoint may want. */
  public static final Set<String> EVENTS = Set.of("complete", "failed", "removed", "completion");

  private static final Set<String> KEYS = Set.of("name", "url", "secret", "events");

  /**
   * One endpoint.
   *
   * @param key the HMAC key: the base64 after {@code whsec_}, decoded
   */
  public record Endpoint(String name, URI url, byte[] key, Set<String> events) {
    @Override
    public String toString() {
      return "Endpoint[" + name + " " + url + " " + events + "]";
    }
  }

  private final List<Endpoint> endpoints;

  private Webhooks(List<Endpoint> endpoints) {
    this.endpoints = endpoints;
  }

  /** None. */
  public static Webhooks none() {
    return new Webhooks(List.of());
  }

  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** The endpoint called {@code name}, or null. */
  public Endpoint endpoint(String name) {
    return endpoints.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * Reads {@code webhooks} of the configuration.
   *
   * @throws ConfigException naming the bad field as {@code webhooks[i].field}
   */
  public static Webhooks parse(JsonArray list) {
    List<Endpoint> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "webhooks[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(at, "must be a map: {name, url, secret, events}");
      }
      for (String k : o.fieldNames()) {
        if (!KEYS.contains(k)) {
          throw new ConfigException(
              at + "." + k, "is not a field of a webhook (name, url, secret, events)");
        }
      }
      String name = o.getValue("name") instanceof String s ? s.strip() : "";
      if (!name.matches("[A-Za-z0-9._-]{1,64}") || !names.add(name)) {
        throw new ConfigException(
            at + ".name", "must be a unique name of 1 to 64 letters, digits, '.', '_' or '-'");
      }
      URI url;
      try {
        url = new URI(String.valueOf(o.getValue("url")));
      } catch (URISyntaxException e) {
        throw new ConfigException(at + ".url", "is not a URL: " + e.getReason());
      }
      if (url.getScheme() == null
          || !url.getScheme().matches("(?i)https?")
          || url.getHost() == null
          || url.getUserInfo() != null) {
        throw new ConfigException(
            at + ".url", "must be an http or https URL with a host and no credentials");
      }
      out.add(new Endpoint(name, url, key(at + ".secret", o.getValue("secret")), events(at, o)));
    }
    return new Webhooks(List.copyOf(out));
  }

  private static byte[] key(String field, Object secret) {
    if (!(secret instanceof String s) || !s.startsWith("whsec_")) {
      throw new ConfigException(
          field, "must be a secret written whsec_<base64 of 24 to 64 random bytes>");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(s.substring("whsec_".length()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(field, "is not whsec_ followed by base64");
    }
    if (key.length < 24 || key.length > 64) {
      throw new ConfigException(field, "must decode to 24 to 64 bytes (openssl rand -base64 32)");
    }
    return key;
  }

  private static Set<String> events(String at, JsonObject o) {
    if (o.getValue("events") == null) {
      return EVENTS;
    }
    if (!(o.getValue("events") instanceof JsonArray a) || a.isEmpty()) {
      throw new ConfigException(at + ".events", "must be a list of " + EVENTS);
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object e : a) {
      if (!EVENTS.contains(String.valueOf(e))) {
        throw new ConfigException(
            at + ".events", "'" + e + "' is not complete, failed, removed or completion");
      }
      out.add(String.valueOf(e));
    }
    return out;
  }

  /**
   * The outbox rows for {@code event} of the download shown as {@code download}: none when no
   * endpoint wants it.
   */
  public List<Registry.Write> messages(String event, JsonObject download, long now) {
    List<Registry.Write> out = new ArrayList<>();
    for (Endpoint e : endpoints) {
      if (e.events().contains(event)) {
        String body =
            new JsonObject()
                .put("type", "download." + event)
                .put("timestamp", java.time.Instant.ofEpochMilli(now).toString())
                .put("data", data(download))
                .encode();
        out.add(
            new Registry.Enqueue(
                "msg_" + UUID.randomUUID().toString().replace("-", ""),
                e.name(),
                download.getString("id"),
                "download." + event,
                body,
                now));
      }
    }
    return out;
  }

  /** What a message says of a download: no URIs, no options (they may hold credentials). */
  static JsonObject data(JsonObject d) {
    JsonObject out = new JsonObject();
    for (String k :
        List.of(
            "id",
            "name",
            "category",
            "status",
            "batchId",
            "dir",
            "out",
            "totalLength",
            "completedLength",
            "errorCode",
            "errorMessage",
            "completion",
            "node",
            "createdAt",
            "updatedAt")) {
      if (d.getValue(k) != null) {
        out.put(k, d.getValue(k));
      }
    }
    JsonObject torrent = d.getJsonObject("torrent");
    if (torrent != null) {
      out.put("infoHash", torrent.getString("infoHash"));
    }
    return out;
  }
}
