package io.trident.transport;

import java.time.Duration;

/**
 * What one network listener (HTTP, gRPC, admin) lets a single connection do, against slow and
 * flooding clients (SPEC.md §9). Shared by every event-loop instance of the listener.
 *
 * @param headerTimeout a new connection must complete its first request's headers (and its TLS
 *     handshake) within this long, or it is closed
 * @param bodyTimeout a request body that sends no byte for this long is answered 408 and the
 *     connection closed (not for gRPC, whose request streams may rightly stay quiet); zero: off
 * @param idleTimeout a connection with no request in progress closes after this long; an open SSE
 *     or gRPC stream keeps its connection busy, not idle
 * @param maxConnections open connections on the listener, all clients together
 * @param maxConnectionsPerAddress open connections from one client IP address
 * @param maxConcurrentStreams HTTP/2 streams one connection may have open at once
 * @param maxHeaderBytes request headers (HTTP/1.1 header block; HTTP/2 header list): 431 beyond
 * @param maxHeaderCount request header fields: 431 beyond
 * @param maxResetsPerWindow HTTP/2 streams a client may reset per {@code resetWindow} before its
 *     connection is cut off with GOAWAY (rapid reset, CVE-2023-44487)
 * @param resetWindow the window of {@code maxResetsPerWindow} (whole seconds)
 * @param maxPingsPerWindow HTTP/2 PING frames a client may send per {@code pingWindow}; beyond:
 *     GOAWAY ENHANCE_YOUR_CALM
 * @param pingWindow the window of {@code maxPingsPerWindow}
 * @param minPingInterval keepalive enforcement: on a connection with no stream open, a client ping
 *     sooner than this after the previous one is a strike; after {@code maxPingStrikes} strikes,
 *     GOAWAY ENHANCE_YOUR_CALM ("too_many_pings"), as gRPC servers do
 * @param maxPingStrikes strikes allowed before the GOAWAY
 * @param keepAliveInterval the server pings HTTP/2 connections that have a stream open this often,
 *     so that quiet long streams keep their connection (and dead peers are found)
 * @param hstsMaxAge max-age of {@code Strict-Transport-Security} on HTTPS responses; zero: no
 *     header
 */
public record ListenerLimits(
    Duration headerTimeout,
    Duration bodyTimeout,
    Duration idleTimeout,
    int maxConnections,
    int maxConnectionsPerAddress,
    int maxConcurrentStreams,
    int maxHeaderBytes,
    int maxHeaderCount,
    int maxResetsPerWindow,
    Duration resetWindow,
    int maxPingsPerWindow,
    Duration pingWindow,
    Duration minPingInterval,
    int maxPingStrikes,
    Duration keepAliveInterval,
    Duration hstsMaxAge,
    boolean h2c) {

  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;
  public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
  public static final int DEFAULT_MAX_HEADER_BYTES = 8192;
  public static final int DEFAULT_MAX_HEADER_COUNT = 100;
  public static final int DEFAULT_MAX_RESETS_PER_WINDOW = 200;
  public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_PINGS_PER_WINDOW = 100;
  public static final Duration DEFAULT_PING_WINDOW = Duration.ofSeconds(10);
  public static final Duration DEFAULT_MIN_PING_INTERVAL = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_PING_STRIKES = 2;
  public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_HSTS_MAX_AGE = Duration.ofDays(365);

  public ListenerLimits {
    positive("headerTimeout", headerTimeout);
    notNegative("bodyTimeout", bodyTimeout);
    positive("idleTimeout", idleTimeout);
    atLeast("maxConnections", maxConnections, 1);
    atLeast("maxConnectionsPerAddress", maxConnectionsPerAddress, 1);
    atLeast("maxConcurrentStreams", maxConcurrentStreams, 1);
    atLeast("maxHeaderBytes", maxHeaderBytes, 1024);
    atLeast("maxHeaderCount", maxHeaderCount, 8);
    atLeast("maxResetsPerWindow", maxResetsPerWindow, 1);
    if (resetWindow == null || resetWindow.toSeconds() < 1) {
      throw new IllegalArgumentException("resetWindow must be at least 1s");
    }
    atLeast("maxPingsPerWindow", maxPingsPerWindow, 1);
    positive("pingWindow", pingWindow);
    notNegative("minPingInterval", minPingInterval);
    atLeast("maxPingStrikes", maxPingStrikes, 0);
    positive("keepAliveInterval", keepAliveInterval);
    notNegative("hstsMaxAge", hstsMaxAge);
  }

  public static ListenerLimits defaults() {
    return new ListenerLimits(
        DEFAULT_HEADER_TIMEOUT,
        DEFAULT_BODY_TIMEOUT,
        DEFAULT_IDLE_TIMEOUT,
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        DEFAULT_MAX_CONCURRENT_STREAMS,
        DEFAULT_MAX_HEADER_BYTES,
        DEFAULT_MAX_HEADER_COUNT,
        DEFAULT_MAX_RESETS_PER_WINDOW,
        DEFAULT_RESET_WINDOW,
        DEFAULT_MAX_PINGS_PER_WINDOW,
        DEFAULT_PING_WINDOW,
        DEFAULT_MIN_PING_INTERVAL,
        DEFAULT_MAX_PING_STRIKES,
        DEFAULT_KEEP_ALIVE_INTERVAL,
        DEFAULT_HSTS_MAX_AGE,
        false);
  }

  /** The same limits, with cleartext HTTP/2 accepted or not. */
  public ListenerLimits withH2c(boolean on) {
    return new ListenerLimits(
        headerTimeout,
        bodyTimeout,
        idleTimeout,
        maxConnections,
        maxConnectionsPerAddress,
        maxConcurrentStreams,
        maxHeaderBytes,
        maxHeaderCount,
        maxResetsPerWindow,
        resetWindow,
        maxPingsPerWindow,
        pingWindow,
        minPingInterval,
        maxPingStrikes,
        keepAliveInterval,
        hstsMaxAge,
        on);
  }

  private static void positive(String key, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + " must be a positive duration (e.g. 10s)");
    }
  }

  private static void notNegative(String key, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(key + " must be a duration of 0 or more (e.g. 10s)");
    }
  }

  private static void atLeast(String key, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(key + " must be at least " + min + ", not " + value);
    }
  }
}
