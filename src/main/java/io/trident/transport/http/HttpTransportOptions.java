package io.trident.transport.http;

import java.time.Duration;
import java.util.List;

/**
 * How the Streamable HTTP transport listens and what it accepts at the door.
 *
 * @param host bind address; loopback by default, anything else must be chosen explicitly
 * @param port TCP port (0 picks a free one)
 * @param path the MCP endpoint
 * @param allowedOrigins {@code Origin} values accepted (exact, or {@code *} for any); loopback
 *     origins on any port are always accepted
 * @param allowedHosts {@code Host} names accepted besides loopback names (DNS-rebinding defence)
 * @param corsOrigins origins that browsers may call from (CORS); empty turns CORS off
 * @param maxBodyBytes request body cap (413 beyond)
 * @param sessionIdleTimeout a session with no request for this long ends and its work is cancelled
 * @param maxSessions live sessions in total
 * @param maxSessionsPerPrincipal live sessions of one principal
 * @param sseRetry the {@code retry:} advised to clients in priming events
 * @param resumeGrace how long a request whose SSE stream dropped keeps running, waiting for the
 *     client to resume it, before it is cancelled
 * @param eventsPerStream events kept per SSE stream for replay after a reconnect
 * @param legacySse serve the 2024-11-05 HTTP+SSE transport at {@code /sse} and {@code /messages}
 * @param alwaysSse answer every request as an SSE stream, instead of plain JSON unless something
 *     must be streamed first
 * @param tlsCertPath PEM certificate chain; with {@code tlsKeyPath}, serves HTTPS (TLS 1.2+)
 * @param tlsKeyPath PEM private key
 * @param tlsClientCaPath PEM CA bundle: client certificates are requested and verified against it
 *     (mTLS), or null
 */
public record HttpTransportOptions(
    String host,
    int port,
    String path,
    List<String> allowedOrigins,
    List<String> allowedHosts,
    List<String> corsOrigins,
    long maxBodyBytes,
    Duration sessionIdleTimeout,
    int maxSessions,
    int maxSessionsPerPrincipal,
    Duration sseRetry,
    Duration resumeGrace,
    int eventsPerStream,
    boolean legacySse,
    boolean alwaysSse,
    String tlsCertPath,
    String tlsKeyPath,
    String tlsClientCaPath) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 3000;
  public static final String DEFAULT_PATH = "/mcp";
  public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;
  public static final Duration DEFAULT_SESSION_IDLE_TIMEOUT = Duration.ofMinutes(30);

  public HttpTransportOptions {
    allowedOrigins = List.copyOf(allowedOrigins);
    allowedHosts = List.copyOf(allowedHosts);
    corsOrigins = List.copyOf(corsOrigins);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("http.path must start with /");
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("http.maxBodyBytes must be at least 1024");
    }
    if (maxSessions < 1 || maxSessionsPerPrincipal < 1) {
      throw new IllegalArgumentException(
          "http.maxSessions and maxSessionsPerPrincipal must be positive");
    }
    if ((tlsCertPath == null) != (tlsKeyPath == null)) {
      throw new IllegalArgumentException("http.tls needs both cert and key");
    }
    if (tlsClientCaPath != null && tlsCertPath == null) {
      throw new IllegalArgumentException("a TLS client CA needs TLS (tlsCert and tlsKey)");
    }
  }

  public static HttpTransportOptions defaults() {
    return new HttpTransportOptions(
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_PATH,
        List.of(),
        List.of(),
        List.of(),
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_SESSION_IDLE_TIMEOUT,
        10_000,
        100,
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        1000,
        true,
        false,
        null,
        null,
        null);
  }

  public boolean tls() {
    return tlsCertPath != null;
  }

  /** The same options on {@code newPort} (the port a first listener bound, for the others). */
  public HttpTransportOptions withPort(int newPort) {
    return new HttpTransportOptions(
        host,
        newPort,
        path,
        allowedOrigins,
        allowedHosts,
        corsOrigins,
        maxBodyBytes,
        sessionIdleTimeout,
        maxSessions,
        maxSessionsPerPrincipal,
        sseRetry,
        resumeGrace,
        eventsPerStream,
        legacySse,
        alwaysSse,
        tlsCertPath,
        tlsKeyPath,
        tlsClientCaPath);
  }
}
