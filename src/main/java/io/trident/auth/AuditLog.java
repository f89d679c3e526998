package io.trident.auth;

import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
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

  /**
   * Builds and writes tool-call lines off the event loops: digesting the arguments and encoding the
   * line cost about as much as a trivial tool call itself. Its queue is short: each waiting line
   * holds its call's arguments, and a long one only grew the heap under load (65,536 lines of 10
   * KiB arguments are 640 MiB) without writing a line sooner.
   */
  private static final AuditWriter WRITER = new AuditWriter(1_024);

  private AuditLog() {}

  /**
   * Has {@code flush} run whenever the audit thread has written all it had: the audit appenders set
   * up by Trident buffer their lines instead of making a write call per line, and are flushed here,
   * once per batch (under load, once per {@link AuditWriter#LINGER}). An operator's own logback
   * setup flushes as it is configured to.
   */
  public static void flushAfterEachBatch(java.io.Flushable flush) {
    WRITER.flushWith(flush);
  }

  /** Records a finished tool call (whatever its outcome), now, on the calling thread. */
  public static void toolCall(AuditEvent event) {
    if (LOG.isInfoEnabled()) {
      LOG.info(event.encode());
    }
  }

  /**
   * Records a finished tool call from the audit thread: {@code event} is built there, so it must
   * only read values captured when the call ended (and arguments nobody changes afterwards).
   */
  public static void toolCall(Supplier<AuditEvent> event) {
    if (LOG.isInfoEnabled()) {
      WRITER.submit(() -> toolCall(event.get()));
    }
  }

  /** Records a request refused by authentication or authorization. */
  public static void denied(AuditEvent event) {
    if (LOG.isWarnEnabled()) {
      LOG.warn(event.encode());
      WRITER.flushSoon();
    }
  }

  /**
   * Records that a principal was rate limited: one line per principal per minute of limiting, with
   * the number of requests refused, never one per refused message.
   */
  public static void limited(JsonObject line) {
    if (LOG.isWarnEnabled()) {
      LOG.warn(line.encode());
      WRITER.flushSoon();
    }
  }
}
