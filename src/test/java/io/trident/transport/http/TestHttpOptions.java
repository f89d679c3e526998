package io.trident.transport.http;

import java.time.Duration;
import java.util.List;

/** A mutable copy of {@link HttpTransportOptions}, so each test changes only what it needs. */
final class TestHttpOptions {

  String host = "127.0.0.1";
  int port = 0;
  String path;
  List<String> allowedOrigins;
  List<String> allowedHosts;
  List<String> corsOrigins;
  long maxBodyBytes;
  Duration sessionIdleTimeout;
  int maxSessions;
  int maxSessionsPerPrincipal;
  Duration sseRetry;
  Duration resumeGrace;
  int eventsPerStream;
  boolean legacySse;
  boolean alwaysSse;
  String tlsCertPath;
  String tlsKeyPath;
  String tlsClientCaPath;

  /** Defaults, bound to loopback on a free port. */
  static TestHttpOptions loopback() {
    HttpTransportOptions d = HttpTransportOptions.defaults();
    TestHttpOptions o = new TestHttpOptions();
    o.path = d.path();
    o.allowedOrigins = d.allowedOrigins();
    o.allowedHosts = d.allowedHosts();
    o.corsOrigins = d.corsOrigins();
    o.maxBodyBytes = d.maxBodyBytes();
    o.sessionIdleTimeout = d.sessionIdleTimeout();
    o.maxSessions = d.maxSessions();
    o.maxSessionsPerPrincipal = d.maxSessionsPerPrincipal();
    o.sseRetry = d.sseRetry();
    o.resumeGrace = d.resumeGrace();
    o.eventsPerStream = d.eventsPerStream();
    o.legacySse = d.legacySse();
    o.alwaysSse = d.alwaysSse();
    o.tlsCertPath = d.tlsCertPath();
    o.tlsKeyPath = d.tlsKeyPath();
    return o;
  }

  HttpTransportOptions build() {
    return new HttpTransportOptions(
        host,
        port,
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
