package io.trident.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.util.TimeZone;

/**
 * Formats a log line as {@code HH:mm:ss.SSS LEVEL [thread] logger - message}, or the message alone
 * for the audit trail, with the stack trace after it. Written by hand rather than with logback's
 * {@code PatternLayout}: the pattern machinery loads some 150 classes and spins dozens of lambdas
 * at start-up, a noticeable share of a desktop client's wait for the first answer.
 */
final class LogLineEncoder extends EncoderBase<ILoggingEvent> {

  private static final int LOGGER_WIDTH = 20;
  private static final byte[] NOTHING = new byte[0];

  private final boolean messageOnly;

  private LogLineEncoder(boolean messageOnly) {
    this.messageOnly = messageOnly;
  }

  /** Time, level, thread, shortened logger name, message. */
  static LogLineEncoder full() {
    return new LogLineEncoder(false);
  }

  /** The message alone (the audit trail's JSON lines). */
  static LogLineEncoder messageOnly() {
    return new LogLineEncoder(true);
  }

  @Override
  public byte[] headerBytes() {
    return NOTHING;
  }

  @Override
  public byte[] footerBytes() {
    return NOTHING;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(128);
    if (!messageOnly) {
      time(line, event.getTimeStamp());
      line.append(' ');
      String level = event.getLevel().toString();
      line.append(level);
      for (int i = level.length(); i < 5; i++) {
        line.append(' ');
      }
      line.append(" [").append(event.getThreadName()).append("] ");
      abbreviate(line, event.getLoggerName());
      line.append(" - ");
    }
    line.append(event.getFormattedMessage()).append('\n');
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.append(ThrowableProxyUtil.asString(thrown)).append('\n');
    }
    return line.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void time(StringBuilder out, long epochMillis) {
    long local = epochMillis + TimeZone.getDefault().getOffset(epochMillis);
    long ofDay = Math.floorMod(local, 86_400_000L);
    two(out, ofDay / 3_600_000).append(':');
    two(out, ofDay / 60_000 % 60).append(':');
    two(out, ofDay / 1000 % 60).append('.');
    long millis = ofDay % 1000;
    out.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10));
    out.append((char) ('0' + millis % 10));
  }

  private static StringBuilder two(StringBuilder out, long value) {
    return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }

  /**
   * As logback's {@code %logger{20}}: package segments shortened to their first letter, from the
   * left, until the name fits; the class name itself is never cut.
   */
  static void abbreviate(StringBuilder out, String name) {
    if (name.length() <= LOGGER_WIDTH) {
      out.append(name);
      return;
    }
    String[] parts = name.split("\\.");
    int length = name.length();
    for (int i = 0; i < parts.length - 1 && length > LOGGER_WIDTH; i++) {
      length -= parts[i].length() - 1;
      parts[i] = parts[i].substring(0, 1);
    }
    out.append(String.join(".", parts));
  }
}
