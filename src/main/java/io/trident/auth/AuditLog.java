package io.trident.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: one JSON line per tool call and per refused request, on the SLF4J logger {@code
 * trident.audit} so the logging setup can route it to its own file. Lines carry who, what, when and
 * how it ended, never argument values or credentials.
 */
public final class AuditLog {

  /** The logger name to route. */
  public static final String LOGGER_NAME = "trident.audit";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

  private AuditLog() {}

  /** Records a finished tool call (whatever its outcome). */
  public static void toolCall(AuditEvent event) {
    if (LOG.isInfoEnabled()) {
      LOG.info(event.toJson().encode());
    }
  }

  /** Records a request refused by authentication or authorization. */
  public static void denied(AuditEvent event) {
    if (LOG.isWarnEnabled()) {
      LOG.warn(event.toJson().encode());
    }
  }
}
