package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.trident.context.Principal;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AuditLogTest {

  final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  final Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER_NAME);

  @BeforeEach
  void capture() {
    lines.start();
    audit.addAppender(lines);
  }

  @AfterEach
  void release() {
    audit.detachAppender(lines);
  }

  @Test
  void toolCallLineHasEveryFieldAndNoArgumentValue() {
    JsonObject args = new JsonObject().put("password", "hunter2").put("q", "x");
    AuditLog.toolCall(
        new AuditEvent(
            Instant.parse("2025-01-02T03:04:05Z"),
            "http",
            "alice",
            "jwt",
            "tools/call",
            "search",
            AuditEvent.argumentDigest(args),
            "ok",
            12,
            4988L,
            null));
    assertThat(lines.list).hasSize(1);
    ILoggingEvent e = lines.list.get(0);
    assertThat(e.getLoggerName()).isEqualTo("trident.audit");
    String line = e.getFormattedMessage();
    assertThat(line).doesNotContain("hunter2").doesNotContain("\n");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("time")).isEqualTo("2025-01-02T03:04:05Z");
    assertThat(json.getString("transport")).isEqualTo("http");
    assertThat(json.getString("subject")).isEqualTo("alice");
    assertThat(json.getString("credentialKind")).isEqualTo("jwt");
    assertThat(json.getString("method")).isEqualTo("tools/call");
    assertThat(json.getString("tool")).isEqualTo("search");
    assertThat(json.getString("argumentDigest")).matches("sha256:[0-9a-f]{64}");
    assertThat(json.getString("outcome")).isEqualTo("ok");
    assertThat(json.getLong("durationMs")).isEqualTo(12);
    assertThat(json.getLong("deadlineLeftMs")).isEqualTo(4988);
  }

  @Test
  void argumentDigestIgnoresMemberOrderButNotValues() {
    JsonObject a =
        new JsonObject().put("a", 1).put("b", new JsonObject().put("x", "1").put("y", "2"));
    JsonObject b =
        new JsonObject().put("b", new JsonObject().put("y", "2").put("x", "1")).put("a", 1);
    assertThat(AuditEvent.argumentDigest(a)).isEqualTo(AuditEvent.argumentDigest(b));
    assertThat(AuditEvent.argumentDigest(a))
        .isNotEqualTo(AuditEvent.argumentDigest(b.copy().put("a", 2)));
    assertThat(AuditEvent.argumentDigest(null)).isNull();
  }

  @Test
  void deniedLineSaysWhoWhatAndWhichScope() {
    Principal p = new Principal("bob", Set.of("tools:list"), "apiKey", Map.of());
    AuditLog.denied(
        AuditEvent.denied("grpc", p, "tools/call", "deploy", AuthFailure.forbidden("ops:deploy")));
    AuditLog.denied(AuditEvent.denied("http", null, "tools/list", null, AuthFailure.invalid()));
    assertThat(lines.list).hasSize(2);
    JsonObject forbidden = new JsonObject(lines.list.get(0).getFormattedMessage());
    assertThat(forbidden.getString("outcome")).isEqualTo("forbidden");
    assertThat(forbidden.getString("subject")).isEqualTo("bob");
    assertThat(forbidden.getString("tool")).isEqualTo("deploy");
    assertThat(forbidden.getString("detail")).isEqualTo("missing scope ops:deploy");
    JsonObject unauth = new JsonObject(lines.list.get(1).getFormattedMessage());
    assertThat(unauth.getString("outcome")).isEqualTo("unauthenticated");
    assertThat(unauth.containsKey("subject")).isFalse();
    assertThat(unauth.getString("detail")).isEqualTo("invalid");
  }
}
