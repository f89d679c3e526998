package io.trident.config;

import io.trident.transport.ListenerLimits;
import java.time.Duration;

/**
 * The connection-limit keys of the {@code http:} and {@code grpc:} sections (SPEC.md §9) as {@link
 * ListenerLimits}; a bad value is refused naming its key ({@code http.headerTimeout}).
 */
public final class ListenerLimitKeys {

  private ListenerLimitKeys() {}

  /**
   * @throws IllegalArgumentException naming the key
   */
  public static ListenerLimits http(TridentConfig.HttpSection h) {
    return http1(h).withH2c(Boolean.TRUE.equals(h.h2c()));
  }

  private static ListenerLimits http1(TridentConfig.HttpSection h) {
    return build(
        "http",
        h.headerTimeout(),
        h.bodyTimeout(),
        h.idleTimeout(),
        h.maxConnections(),
        h.maxConnectionsPerAddress(),
        h.maxHeaderBytes(),
        h.maxHeaderCount(),
        h.hstsMaxAge(),
        h.http2());
  }

  /** gRPC: no body timeout (request streams may rightly be quiet), no HSTS (not for browsers). */
  public static ListenerLimits grpc(TridentConfig.GrpcSection g) {
    return grpc1(g).withH2c(true);
  }

  private static ListenerLimits grpc1(TridentConfig.GrpcSection g) {
    return build(
        "grpc",
        g.headerTimeout(),
        "0s",
        g.idleTimeout(),
        g.maxConnections(),
        g.maxConnectionsPerAddress(),
        g.maxHeaderBytes(),
        g.maxHeaderCount(),
        "0s",
        g.http2());
  }

  private static ListenerLimits build(
      String section,
      String headerTimeout,
      String bodyTimeout,
      String idleTimeout,
      Integer maxConnections,
      Integer maxConnectionsPerAddress,
      Integer maxHeaderBytes,
      Integer maxHeaderCount,
      String hstsMaxAge,
      TridentConfig.Http2Section h2) {
    ListenerLimits d = ListenerLimits.defaults();
    String h2Prefix = section + ".http2.";
    String prefix = section + ".";
    try {
      return new ListenerLimits(
          duration(prefix + "headerTimeout", headerTimeout, d.headerTimeout()),
          duration(prefix + "bodyTimeout", bodyTimeout, d.bodyTimeout()),
          duration(prefix + "idleTimeout", idleTimeout, d.idleTimeout()),
          or(maxConnections, d.maxConnections()),
          or(maxConnectionsPerAddress, d.maxConnectionsPerAddress()),
          or(h2.maxConcurrentStreams(), d.maxConcurrentStreams()),
          or(maxHeaderBytes, d.maxHeaderBytes()),
          or(maxHeaderCount, d.maxHeaderCount()),
          or(h2.maxResetsPerWindow(), d.maxResetsPerWindow()),
          duration(h2Prefix + "resetWindow", h2.resetWindow(), d.resetWindow()),
          or(h2.maxPingsPerWindow(), d.maxPingsPerWindow()),
          duration(h2Prefix + "pingWindow", h2.pingWindow(), d.pingWindow()),
          duration(h2Prefix + "minPingInterval", h2.minPingInterval(), d.minPingInterval()),
          or(h2.maxPingStrikes(), d.maxPingStrikes()),
          duration(h2Prefix + "keepAliveInterval", h2.keepAliveInterval(), d.keepAliveInterval()),
          duration(prefix + "hstsMaxAge", hstsMaxAge, d.hstsMaxAge()),
          false);
    } catch (KeyedError e) {
      throw new IllegalArgumentException(e.getMessage());
    } catch (IllegalArgumentException e) {
      // The record names the key without its section: the HTTP/2 ones live under http2.
      String key = e.getMessage().split(" ", 2)[0];
      boolean h2Key =
          key.startsWith("maxConcurrentStreams")
              || key.startsWith("maxResets")
              || key.startsWith("resetWindow")
              || key.contains("Ping")
              || key.startsWith("pingWindow")
              || key.startsWith("keepAlive");
      throw new IllegalArgumentException((h2Key ? h2Prefix : prefix) + e.getMessage());
    }
  }

  private static Duration duration(String key, String text, Duration fallback) {
    if (text == null) {
      return fallback;
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new KeyedError(key + ": " + e.getMessage());
    }
  }

  private static int or(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  /** An error that already names its key in full. */
  private static final class KeyedError extends IllegalArgumentException {
    KeyedError(String message) {
      super(message);
    }
  }
}
