package io.aria2sv.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who may use the HTTP API and how it is served: named tokens with a scope ({@code http.tokens}),
 * the limit on failed authentications ({@code http.authFailures}) and TLS ({@code http.tls}).
 */
public final class HttpAccess {
  private HttpAccess() {}

  /**
   * A named token, known only by its SHA-256 (the file never holds it in clear).
   *
   * @param control whether it may act; a {@code read} token may only look
   */
  public record Token(String name, boolean control, byte[] sha256) {
    @Override
    public String toString() {
      return "Token[" + name + ", " + (control ? "control" : "read") + "]";
    }
  }

  /**
   * How many failed authentications one address may make within {@code window} before it is refused
   * (429) for the rest of a {@code window}.
   */
  public record AuthFailures(int limit, Duration window) {}

  /**
   * TLS of the HTTP server; off when {@code cert} is null.
   *
   * @param cert the PEM certificate chain (the server's certificate first)
   * @param key the PEM private key (PKCS#8, PKCS#1 or SEC1)
   * @param checkInterval how often both files are read again for a renewed certificate
   */
  public record Tls(Path cert, Path key, Duration checkInterval) {
    /** Whether the API is served over HTTPS. */
    public boolean enabled() {
      return cert != null;
    }
  }

  private static final Set<String> TOKEN_KEYS = Set.of("name", "scope", "sha256");

  static List<Token> tokens(ConfigReader h) {
    List<Token> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigReader t : h.objects("tokens")) {
      t.only(TOKEN_KEYS);
      String name = t.nonBlank("name");
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new ConfigException(
            t.key("name"), "'" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
      }
      if (!names.add(name)) {
        throw new ConfigException(t.key("name"), "'" + name + "' is named by another token too");
      }
      String scope = t.nonBlank("scope").toLowerCase(Locale.ROOT);
      if (!scope.equals("read") && !scope.equals("control")) {
        throw new ConfigException(t.key("scope"), "'" + scope + "' is not read or control");
      }
      String hex = t.nonBlank("sha256").toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new ConfigException(
            t.key("sha256"),
            "must be the token's SHA-256 in 64 hex digits (printf %s \"$TOKEN\" | sha256sum),"
                + " never the token itself");
      }
      out.add(new Token(name, scope.equals("control"), HexFormat.of().parseHex(hex)));
    }
    return List.copyOf(out);
  }

  static AuthFailures authFailures(ConfigReader a) {
    return new AuthFailures(
        (int) a.integer("limit", 1, 1_000_000), a.duration("window", Duration.ofSeconds(1)));
  }

  static Tls tls(ConfigReader t, Path base) {
    String cert = t.string("cert").trim();
    String key = t.string("key").trim();
    Duration check = t.duration("checkInterval", Duration.ofMillis(100));
    if (cert.isEmpty() && key.isEmpty()) {
      return new Tls(null, null, check);
    }
    if (cert.isEmpty()) {
      throw new ConfigException(t.key("cert"), "is empty while " + t.key("key") + " is set");
    }
    if (key.isEmpty()) {
      throw new ConfigException(t.key("key"), "is empty while " + t.key("cert") + " is set");
    }
    return new Tls(
        base.resolve(cert).toAbsolutePath().normalize(),
        base.resolve(key).toAbsolutePath().normalize(),
        check);
  }
}
