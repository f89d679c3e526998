package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {

  static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

  @Test
  void credentialHeadersAreRedactedWhateverTheirCase() {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("Authorization", "Bearer " + JWT);
    h.put("X-MCP-API-Key", "tmk_secret");
    h.put("cookie", "sid=1");
    h.put("Set-Cookie", "sid=2");
    h.put("Proxy-Authorization", "Basic dXNlcjpwYXNz");
    h.put("Content-Type", "application/json");
    h.put("X-Forwarded-For", "10.0.0.1");
    Map<String, String> out = Redaction.headers(h);
    assertThat(out)
        .containsEntry("Authorization", Redaction.REDACTED)
        .containsEntry("X-MCP-API-Key", Redaction.REDACTED)
        .containsEntry("cookie", Redaction.REDACTED)
        .containsEntry("Set-Cookie", Redaction.REDACTED)
        .containsEntry("Proxy-Authorization", Redaction.REDACTED)
        .containsEntry("Content-Type", "application/json")
        .containsEntry("X-Forwarded-For", "10.0.0.1");

    MultiMap mm =
        MultiMap.caseInsensitiveMultiMap()
            .add("authorization", "Bearer x")
            .add("x-mcp-api-key", "k")
            .add("accept", "text/event-stream");
    MultiMap red = Redaction.headers(mm);
    assertThat(red.get("Authorization")).isEqualTo(Redaction.REDACTED);
    assertThat(red.get("X-MCP-API-Key")).isEqualTo(Redaction.REDACTED);
    assertThat(red.get("accept")).isEqualTo("text/event-stream");
    assertThat(mm.get("authorization")).isEqualTo("Bearer x");
  }

  @Test
  void secretJsonMembersAreRedactedAtAnyDepth() {
    JsonObject msg =
        new JsonObject()
            .put("method", "tools/call")
            .put(
                "params",
                new JsonObject()
                    .put("_meta", new JsonObject().put("authorization", "Bearer abcdefgh123"))
                    .put(
                        "arguments",
                        new JsonObject()
                            .put("query", "weather")
                            .put("api_key", "k1")
                            .put("apiKey", "k2")
                            .put("password", "hunter2")
                            .put(
                                "nested",
                                new JsonArray()
                                    .add(new JsonObject().put("access_token", "t").put("n", 1)))));
    JsonObject out = Redaction.json(msg);
    JsonObject args = out.getJsonObject("params").getJsonObject("arguments");
    assertThat(args.getString("query")).isEqualTo("weather");
    assertThat(args.getString("api_key")).isEqualTo(Redaction.REDACTED);
    assertThat(args.getString("apiKey")).isEqualTo(Redaction.REDACTED);
    assertThat(args.getString("password")).isEqualTo(Redaction.REDACTED);
    assertThat(args.getJsonArray("nested").getJsonObject(0).getString("access_token"))
        .isEqualTo(Redaction.REDACTED);
    assertThat(args.getJsonArray("nested").getJsonObject(0).getInteger("n")).isEqualTo(1);
    assertThat(out.getJsonObject("params").getJsonObject("_meta").getString("authorization"))
        .isEqualTo(Redaction.REDACTED);
    // The original is untouched.
    assertThat(msg.getJsonObject("params").getJsonObject("arguments").getString("password"))
        .isEqualTo("hunter2");
    assertThat(out.encode())
        .doesNotContain("hunter2")
        .doesNotContain("k1")
        .doesNotContain("abcdefgh123");
  }

  @Test
  void argumentsMarkedSecretBySchemaAreRedacted() {
    JsonObject schema =
        new JsonObject()
            .put("type", "object")
            .put(
                "properties",
                new JsonObject()
                    .put("dsn", new JsonObject().put("type", "string").put("x-secret", true))
                    .put("pin", new JsonObject().put("type", "string").put("writeOnly", true))
                    .put(
                        "conn",
                        new JsonObject()
                            .put("type", "object")
                            .put(
                                "properties",
                                new JsonObject().put("pw", new JsonObject().put("x-secret", true))))
                    .put("name", new JsonObject().put("type", "string")));
    JsonObject args =
        new JsonObject()
            .put("dsn", "postgres://u:p@h/db")
            .put("pin", "1234")
            .put("conn", new JsonObject().put("pw", "s3cr3t").put("host", "h"))
            .put("name", "n");
    JsonObject out = Redaction.arguments(args, schema);
    assertThat(out.getString("dsn")).isEqualTo(Redaction.REDACTED);
    assertThat(out.getString("pin")).isEqualTo(Redaction.REDACTED);
    assertThat(out.getJsonObject("conn").getString("pw")).isEqualTo(Redaction.REDACTED);
    assertThat(out.getJsonObject("conn").getString("host")).isEqualTo("h");
    assertThat(out.getString("name")).isEqualTo("n");
  }

  @Test
  void bearerCredentialsAndJwtsInTextAreRedacted() {
    assertThat(Redaction.text("header was Bearer abc.def-ghi_jkl and more"))
        .isEqualTo("header was Bearer [REDACTED] and more");
    assertThat(Redaction.text("token=" + JWT + " end")).isEqualTo("token=[REDACTED] end");
    assertThat(Redaction.text("authorization: bearer " + JWT))
        .doesNotContain("eyJ")
        .startsWith("authorization: bearer ");
    assertThat(Redaction.text("nothing secret here: v1.2.3"))
        .isEqualTo("nothing secret here: v1.2.3");
    assertThat(Redaction.json(new JsonObject().put("note", "Bearer " + JWT)).getString("note"))
        .isEqualTo("Bearer [REDACTED]");
  }

  @Test
  void credentialsToStringShowsPresenceOnly() {
    Credentials c = Credentials.of("Bearer " + JWT, "tmk_secret", null);
    assertThat(c.toString()).doesNotContain(JWT).doesNotContain("tmk_secret").contains("present");
  }
}
