package io.aria2sv.config;

/**
 * An invalid configuration value. The message always starts with the offending key so an operator
 * can find it: {@code supervisor.checkInterval: 'abc' is not a duration}.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  /** The dotted path of the offending key, e.g. {@code supervisor.restart.jitter}. */
  public String key() {
    return key;
  }
}
