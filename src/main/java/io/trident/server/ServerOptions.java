package io.trident.server;

import io.trident.model.Implementation;
import java.time.Duration;
import java.util.Map;

/**
 * What the MCP core is configured with (from {@code conf/trident.yaml} and flags).
 *
 * @param serverInfo name and version announced in {@code initialize}
 * @param instructions optional hint for the model about how to use this server
 * @param pageSize items per page of the list methods
 * @param requestTimeout the server's cap on any request's deadline
 * @param clientRequestTimeout how long a server-to-client request (sampling, ...) may take
 * @param defaultLogLevel the level of {@code notifications/message} before the client sets one
 * @param toolTimeouts per tool name, a cap on each call of that tool (besides the tool's own)
 */
public record ServerOptions(
    Implementation serverInfo,
    String instructions,
    int pageSize,
    Duration requestTimeout,
    Duration clientRequestTimeout,
    String defaultLogLevel,
    Map<String, Duration> toolTimeouts) {

  public static final int DEFAULT_PAGE_SIZE = 100;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_CLIENT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  public static final String DEFAULT_LOG_LEVEL = "info";

  public ServerOptions {
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be at least 1");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive");
    }
    if (clientRequestTimeout.isNegative() || clientRequestTimeout.isZero()) {
      throw new IllegalArgumentException("clientRequestTimeout must be positive");
    }
    if (LogLevel.parse(defaultLogLevel).isEmpty()) {
      throw new IllegalArgumentException("unknown log level: " + defaultLogLevel);
    }
    toolTimeouts = toolTimeouts == null ? Map.of() : Map.copyOf(toolTimeouts);
    toolTimeouts.forEach(
        (tool, timeout) -> {
          if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("toolTimeouts." + tool + " must be positive");
          }
        });
  }

  public ServerOptions(
      Implementation serverInfo,
      String instructions,
      int pageSize,
      Duration requestTimeout,
      Duration clientRequestTimeout,
      String defaultLogLevel) {
    this(
        serverInfo,
        instructions,
        pageSize,
        requestTimeout,
        clientRequestTimeout,
        defaultLogLevel,
        Map.of());
  }

  public static ServerOptions defaults(Implementation serverInfo) {
    return new ServerOptions(
        serverInfo,
        null,
        DEFAULT_PAGE_SIZE,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_CLIENT_REQUEST_TIMEOUT,
        DEFAULT_LOG_LEVEL,
        Map.of());
  }

  public ServerOptions withPageSize(int size) {
    return new ServerOptions(
        serverInfo,
        instructions,
        size,
        requestTimeout,
        clientRequestTimeout,
        defaultLogLevel,
        toolTimeouts);
  }

  public ServerOptions withRequestTimeout(Duration timeout) {
    return new ServerOptions(
        serverInfo,
        instructions,
        pageSize,
        timeout,
        clientRequestTimeout,
        defaultLogLevel,
        toolTimeouts);
  }

  public ServerOptions withClientRequestTimeout(Duration timeout) {
    return new ServerOptions(
        serverInfo, instructions, pageSize, requestTimeout, timeout, defaultLogLevel, toolTimeouts);
  }

  public ServerOptions withToolTimeouts(Map<String, Duration> timeouts) {
    return new ServerOptions(
        serverInfo,
        instructions,
        pageSize,
        requestTimeout,
        clientRequestTimeout,
        defaultLogLevel,
        timeouts);
  }
}
