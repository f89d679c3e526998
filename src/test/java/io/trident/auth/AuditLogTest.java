package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.trident.context.Principal;
import io.vertx.core.json.JsonArray;
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

  /**
   * The digest is computed while streaming the canonical JSON; it must equal the SHA-256 of the
   * canonical text built the obvious way (a sorted copy, its compact JSON, UTF-8), which is what
   * digests were before: non-ASCII, emoji (surrogate pairs), lone surrogates, escapes, numbers,
   * nested arrays and objects.
   */
  @Test
  void argumentDigestEqualsTheDigestOfTheCanonicalText() throws Exception {
    JsonObject args =
        new JsonObject()
            .put("z", "caf\u00e9 \u20ac \ud83d\ude00 \ud800 x\udc00 \"q\" \\ \n\t\u0001 </script>")
            .put("a", new JsonArray().add(1).add(2.5).add(-7L).add(true).addNull().add("s"))
            .put(
                "m",
                new JsonObject().put("y", new JsonObject().put("b", 1).put("a", 2)).put("x", 0))
            .put("n", (Object) null)
            .put("big", new java.math.BigDecimal("12345678901234567890.5"))
            .put("list", java.util.List.of(Map.of("k2", 1, "k1", 2)))
            .put("tail", "\ud83d");
    StringBuilder longText = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      longText.append(i % 7 == 0 ? "\ud83d\ude00" : i % 5 == 0 ? "\u00e9" : "a");
    }
    args.put("long", longText.toString());
    for (JsonObject o : java.util.List.of(args, new JsonObject(), new JsonObject().put("k", "v"))) {
      String canonical = referenceCanonical(o).toString();
      String expected =
          "sha256:"
              + java.util.HexFormat.of()
                  .formatHex(
                      java.security.MessageDigest.getInstance("SHA-256")
                          .digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertThat(AuditEvent.argumentDigest(o)).isEqualTo(expected);
    }
  }

  @Test
  void encodedLineEqualsTheEncodedJsonObject() {
    Instant t = Instant.parse("2025-01-02T03:04:05.123456Z");
    for (AuditEvent e :
        java.util.List.of(
            new AuditEvent(
                t,
                "http",
                "s\u00e9 \"x\" \ud83d\ude00 \\ \n\r\t\b\f \u0001\u001f\u007f </a>",
                "jwt",
                "tools/call",
                "echo",
                "sha256:ab",
                "ok",
                12,
                34L,
                "upstream inv: OK"),
            new AuditEvent(
                t, "stdio", null, null, "tools/call", null, null, "error", 0, null, null))) {
      assertThat(e.encode()).isEqualTo(e.toJson().encode());
    }
  }

  private static Object referenceCanonical(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> sorted = new java.util.TreeMap<>();
      o.forEach(e -> sorted.put(e.getKey(), referenceCanonical(e.getValue())));
      return new JsonObject(new java.util.LinkedHashMap<>(sorted));
    }
    if (v instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(x -> out.add(referenceCanonical(x)));
      return out;
    }
    return v;
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
