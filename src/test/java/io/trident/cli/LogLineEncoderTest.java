package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

class LogLineEncoderTest {

  private final LoggerContext context = new LoggerContext();

  private String encode(LogLineEncoder encoder, Level level, String logger, Throwable t) {
    LoggingEvent event =
        new LoggingEvent(
            "fqcn", context.getLogger(logger), level, "answered {} of {}", t, new Object[] {3, 4});
    event.setThreadName("vert.x-eventloop-thread-1");
    event.setTimeStamp(1_700_000_000_123L - TimeZone.getDefault().getOffset(1_700_000_000_123L));
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  @Test
  void writesTimeLevelThreadShortLoggerAndMessageLikeThePatternItReplaces() {
    String line =
        encode(LogLineEncoder.full(), Level.INFO, "io.trident.transport.http.HttpVerticle", null);

    // 1_700_000_000_123 ms after the epoch is 22:13:20.123 UTC
    assertThat(line)
        .isEqualTo(
            "22:13:20.123 INFO  [vert.x-eventloop-thread-1] i.t.t.h.HttpVerticle - answered 3 of 4\n");
  }

  @Test
  void shortensOnlyAsManyPackagesAsNeededAndKeepsShortNames() {
    StringBuilder out = new StringBuilder();
    LogLineEncoder.abbreviate(out, "io.trident.cli.Main");
    out.append('|');
    LogLineEncoder.abbreviate(out, "io.trident.upstream.UpstreamChannel");
    out.append('|');
    LogLineEncoder.abbreviate(out, "AVeryLongClassNameWithoutAnyPackage");
    assertThat(out.toString())
        .isEqualTo("io.trident.cli.Main|i.t.u.UpstreamChannel|AVeryLongClassNameWithoutAnyPackage");
  }

  @Test
  void theAuditTrailGetsTheMessageAloneAndStackTracesFollowTheLine() {
    assertThat(encode(LogLineEncoder.messageOnly(), Level.INFO, "audit", null))
        .isEqualTo("answered 3 of 4\n");
    String withTrace =
        encode(LogLineEncoder.full(), Level.WARN, "x", new IllegalStateException("boom"));
    assertThat(withTrace).contains("WARN  [").contains("java.lang.IllegalStateException: boom");
    assertThat(withTrace.lines().skip(1).findFirst().orElse("")).contains("IllegalStateException");
  }
}
