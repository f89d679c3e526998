package io.trident.server;

import io.trident.model.McpException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way an unexpected failure is reported: the details go to the server log under a fresh
 * correlation id, and only that id goes to the caller.
 */
public final class InternalFailures {

  private static final Logger LOG = LoggerFactory.getLogger(InternalFailures.class);

  private InternalFailures() {}

  /**
   * Logs {@code failure} with a new correlation id and returns the id.
   *
   * @param what what failed, for the log line (e.g. {@code tool echo}, {@code tools/call})
   */
  static String record(String what, Throwable failure) {
    String correlationId = UUID.randomUUID().toString();
    LOG.error("{} failed [correlation id {}]", what, correlationId, failure);
    return correlationId;
  }

  /** A protocol error for the caller, safe to show: the correlation id and nothing else. */
  public static McpException asProtocolError(String what, Throwable failure) {
    return new McpException(
        McpException.INTERNAL_ERROR,
        "Internal error (correlation id " + record(what, failure) + ")");
  }
}
