package io.trident.auth;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
   * line cost about as much as a trivial tool call itself. One thread keeps the lines in order; a
   * full queue makes the caller write its own line rather than drop it. The queue is short: each
   * waiting line holds its call's arguments, and a long one only grew the heap under load (65,536
   * lines of 10 KiB arguments are 640 MiB) without writing a line sooner.
   */
  private static final ThreadPoolExecutor WRITER =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(1_024),
          task -> {
            Thread t = new Thread(task, "trident-audit");
            t.setDaemon(true);
            return t;
          },
          new ThreadPoolExecutor.CallerRunsPolicy());

  private AuditLog() {}

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
      WRITER.execute(() -> toolCall(event.get()));
    }
  }

  /** Records a request refused by authentication or authorization. */
  public static void denied(AuditEvent event) {
    if (LOG.isWarnEnabled()) {
      LOG.warn(event.toJson().encode());
    }
  }

  /**
   * Records that a principal was rate limited: one line per principal per minute of limiting, with
   * the number of requests refused, never one per refused message.
   */
  public static void limited(JsonObject line) {
    if (LOG.isWarnEnabled()) {
      LOG.warn(line.encode());
    }
  }
}
