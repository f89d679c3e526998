package io.trident.client.grpc;

import io.trident.grpc.v1.LogEvent;
import io.trident.grpc.v1.ProgressEvent;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one call adds to the client's options: its own deadline, a cancellation signal, extra
 * metadata and, for {@code CallTool}, where progress and log events go. Handlers run on the call's
 * Vert.x context, in stream order, before the call's future completes.
 */
public final class CallOptions {

  private Duration timeout;
  private Future<?> cancellation;
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private Handler<ProgressEvent> progressHandler;
  private String logLevel;
  private Handler<LogEvent> logHandler;

  public CallOptions() {}

  public CallOptions(CallOptions other) {
    this.timeout = other.timeout;
    this.cancellation = other.cancellation;
    this.metadata.putAll(other.metadata);
    this.progressHandler = other.progressHandler;
    this.logLevel = other.logLevel;
    this.logHandler = other.logHandler;
  }

  public Duration getTimeout() {
    return timeout;
  }

  /** This call's deadline, sent as {@code grpc-timeout}; overrides the client's default. */
  public CallOptions setTimeout(Duration timeout) {
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    this.timeout = timeout;
    return this;
  }

  public Future<?> getCancellation() {
    return cancellation;
  }

  /**
   * When {@code signal} completes (either way), the call is cancelled: the stream is reset, the
   * server stops the work and the call's future fails with status CANCELLED.
   */
  public CallOptions setCancellation(Future<?> signal) {
    this.cancellation = signal;
    return this;
  }

  public Map<String, String> getMetadata() {
    return Map.copyOf(metadata);
  }

  /** A header for this call only, e.g. {@code mcp-tool} for routing by tool name. */
  public CallOptions addMetadata(String name, String value) {
    metadata.put(name.toLowerCase(java.util.Locale.ROOT), value);
    return this;
  }

  public Handler<ProgressEvent> getProgressHandler() {
    return progressHandler;
  }

  /** Asks for progress events (CallTool only) and receives them. */
  public CallOptions setProgressHandler(Handler<ProgressEvent> handler) {
    this.progressHandler = handler;
    return this;
  }

  public String getLogLevel() {
    return logLevel;
  }

  public Handler<LogEvent> getLogHandler() {
    return logHandler;
  }

  /**
   * Asks for log events at {@code level} and above (an RFC 5424 name such as {@code info}; CallTool
   * only) and receives them.
   */
  public CallOptions setLogHandler(String level, Handler<LogEvent> handler) {
    this.logLevel = level;
    this.logHandler = handler;
    return this;
  }
}
