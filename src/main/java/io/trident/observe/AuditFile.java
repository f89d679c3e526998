package io.trident.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import io.trident.auth.AuditLog;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;

/**
 * The audit trail in a file of its own ({@code audit.file}), one JSON object a line, rotated by
 * size: {@code audit.log} is current, {@code audit.log.1} the newest full one, up to {@code
 * audit.maxFiles}. A log shipper tails it and forwards it (to a SIEM).
 */
public final class AuditFile {

  private AuditFile() {}

  /**
   * Sends the audit logger's lines to the configured file instead of where they went; does nothing
   * when no file is configured, or when logging is not logback.
   */
  public static void install(ObserveSettings.Audit settings) {
    if (settings.file() == null
        || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
    file.setContext(context);
    file.setName("audit-file");
    file.setFile(settings.file());
    file.setAppend(true);
    file.setEncoder(encoder);
    FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
    rolling.setContext(context);
    rolling.setParent(file);
    rolling.setFileNamePattern(settings.file() + ".%i");
    rolling.setMinIndex(1);
    rolling.setMaxIndex(settings.maxFiles());
    rolling.start();
    SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
    trigger.setContext(context);
    trigger.setMaxFileSize(FileSize.valueOf(settings.maxFileSize().replace(" ", "")));
    // logback looks at the size at most once a minute by default: a busy minute could overshoot
    // the size many times over. A stat a quarter of a second costs nothing.
    trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildByMilliseconds(250));
    trigger.start();
    file.setRollingPolicy(rolling);
    file.setTriggeringPolicy(trigger);
    flushedPerBatch(file);
    file.start();
    Logger audit = context.getLogger(AuditLog.LOGGER_NAME);
    audit.detachAndStopAllAppenders();
    audit.setAdditive(false);
    audit.setLevel(Level.INFO);
    audit.addAppender(file);
  }

  /**
   * Has {@code appender} buffer its lines and be flushed by the audit thread once per batch
   * (AuditLog), instead of a write call per line: under load that was a system call per tool call.
   * Its stream is looked up at each flush, as logback replaces it when the file rotates.
   */
  public static void flushedPerBatch(OutputStreamAppender<ILoggingEvent> appender) {
    appender.setImmediateFlush(false);
    AuditLog.flushAfterEachBatch(
        () -> {
          OutputStream stream = appender.getOutputStream();
          if (stream != null) {
            stream.flush();
          }
        });
  }
}
