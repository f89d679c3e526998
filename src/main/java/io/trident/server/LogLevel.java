package io.trident.server;

import java.util.Locale;
import java.util.Optional;

/** The RFC 5424 severities MCP logging uses, least severe first. */
public enum LogLevel {
  DEBUG,
  INFO,
  NOTICE,
  WARNING,
  ERROR,
  CRITICAL,
  ALERT,
  EMERGENCY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<LogLevel> parse(String wire) {
    if (wire == null) {
      return Optional.empty();
    }
    for (LogLevel l : values()) {
      if (l.wire().equals(wire)) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }
}
