package io.trident.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import io.trident.auth.AuditLog;
import io.trident.observe.AuditFile;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * Logging set up in code, found by logback through its {@code Configurator} service. Everything
 * goes to stderr (stdout carries protocol bytes on stdio); the root level comes from {@code
 * TRIDENT_LOG_LEVEL}. Skipping XML configuration also takes a noticeable slice off start-up. A
 * {@code logback.xml} or {@code -Dlogback.configurationFile} given by an operator still wins.
 */
public final class LogbackSetup extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || Thread.currentThread().getContextClassLoader().getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LogLineEncoder encoder = LogLineEncoder.full();
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("stderr");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("TRIDENT_LOG_LEVEL"), Level.INFO));
    root.addAppender(stderr);
    for (String noisy : new String[] {"io.netty", "io.vertx", "com.networknt"}) {
      context.getLogger(noisy).setLevel(Level.WARN);
    }
    configureAudit(context, System.getenv("TRIDENT_AUDIT_LOG"));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * The audit trail gets its own appender: bare JSON lines, to stderr by default, to a file when
   * {@code TRIDENT_AUDIT_LOG} names one, nowhere with {@code off}. Tool-call lines are already
   * built and written on AuditLog's own thread, so no asynchronous appender is needed here; that
   * thread flushes the appender once per batch of lines.
   */
  private static void configureAudit(LoggerContext context, String target) {
    Logger audit = context.getLogger(AuditLog.LOGGER_NAME);
    audit.setAdditive(false);
    if ("off".equalsIgnoreCase(target)) {
      audit.setLevel(Level.OFF);
      return;
    }
    audit.setLevel(Level.INFO);
    LogLineEncoder encoder = LogLineEncoder.messageOnly();
    encoder.setContext(context);
    encoder.start();
    OutputStreamAppender<ILoggingEvent> sink;
    if (target == null || target.isBlank()) {
      sink = new OutputStreamAppender<>();
      // Not System.err, which flushes every line itself: this buffer is flushed once per batch.
      sink.setOutputStream(
          new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), 16 * 1024) {
            @Override
            public void close() throws IOException {
              flush(); // stopping the appender (audit.file replaces it) must not close stderr
            }
          });
    } else {
      FileAppender<ILoggingEvent> file = new FileAppender<>();
      file.setFile(target);
      file.setAppend(true);
      sink = file;
    }
    sink.setContext(context);
    sink.setName("audit");
    sink.setEncoder(encoder);
    AuditFile.flushedPerBatch(sink);
    sink.start();
    audit.addAppender(sink);
  }
}
