package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Every log line the server writes while a test runs, with every logger (Vert.x and Netty included)
 * at DEBUG, and the audit trail apart: what the redaction and audit tests of each transport read.
 * {@link #close()} puts the levels back.
 */
public final class LogCapture implements AutoCloseable {

  private static final String[] DEBUGGED = {
    Logger.ROOT_LOGGER_NAME, "io.trident", "io.vertx", "io.netty", "com.networknt"
  };

  private final LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ListAppender<ILoggingEvent> all = new ListAppender<>();
  private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
  private final Map<String, Level> savedLevels = new HashMap<>();

  private LogCapture() {
    for (String name : DEBUGGED) {
      Logger l = logging.getLogger(name);
      savedLevels.put(name, l.getLevel());
      l.setLevel(Level.DEBUG);
    }
    all.setContext(logging);
    all.start();
    logging.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(all);
    audit.setContext(logging);
    audit.start();
    Logger auditLogger = logging.getLogger(AuditLog.LOGGER_NAME);
    auditLogger.addAppender(audit);
    // The audit logger is not additive: catch its lines in the redaction check as well.
    auditLogger.addAppender(all);
  }

  /** Starts capturing, everything at DEBUG. */
  public static LogCapture debugEverything() {
    return new LogCapture();
  }

  /** Asserts that something was logged, and that no line carries any of {@code secrets}. */
  public void assertNoLineContains(List<String> secrets) {
    List<ILoggingEvent> events;
    synchronized (all) {
      events = List.copyOf(all.list);
    }
    assertThat(events).as("DEBUG logging captured something").isNotEmpty();
    for (ILoggingEvent e : events) {
      String text = everything(e);
      for (String s : secrets) {
        assertThat(text)
            .as("log line of %s leaks a secret: %s", e.getLoggerName(), text)
            .doesNotContain(s);
      }
    }
  }

  /** Waits up to 5 s for {@code count} audit lines matching {@code match}; returns those found. */
  public List<JsonObject> awaitAudit(Predicate<ILoggingEvent> match, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      List<ILoggingEvent> found = auditEvents().stream().filter(match).toList();
      if (found.size() >= count || System.nanoTime() > deadline) {
        return found.stream().map(e -> new JsonObject(e.getFormattedMessage())).toList();
      }
      Thread.sleep(20);
    }
  }

  /** The audit lines so far, parsed. */
  public List<JsonObject> auditLines() {
    return auditEvents().stream().map(e -> new JsonObject(e.getFormattedMessage())).toList();
  }

  /** The audit events so far. */
  public List<ILoggingEvent> auditEvents() {
    synchronized (audit) {
      return List.copyOf(audit.list);
    }
  }

  @Override
  public void close() {
    logging.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(all);
    logging.getLogger(AuditLog.LOGGER_NAME).detachAppender(all);
    logging.getLogger(AuditLog.LOGGER_NAME).detachAppender(audit);
    savedLevels.forEach((name, level) -> logging.getLogger(name).setLevel(level));
  }

  /** Every text a log event carries: message, arguments, key-values, MDC, throwable. */
  private static String everything(ILoggingEvent e) {
    StringBuilder sb = new StringBuilder();
    sb.append(e.getMessage()).append('\n').append(e.getFormattedMessage()).append('\n');
    if (e.getArgumentArray() != null) {
      for (Object a : e.getArgumentArray()) {
        sb.append(a).append('\n');
      }
    }
    if (e.getKeyValuePairs() != null) {
      e.getKeyValuePairs().forEach(kv -> sb.append(kv.key).append('=').append(kv.value));
    }
    e.getMDCPropertyMap().forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      sb.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
      for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
        sb.append(s).append('\n');
      }
    }
    return sb.toString();
  }
}
