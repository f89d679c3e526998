package io.trident.server.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WireJsonTest {

  private static JsonObject answer(String text) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", 7)
        .put(
            "result",
            new JsonObject()
                .put("content", new JsonArray().add(new JsonObject().put("text", text)))
                .put("n", 1.5)
                .putNull("none"));
  }

  /** HTTP, SSE and gRPC Connect (encode) send what stdio (encodeTo) writes, byte for byte. */
  @Test
  void encodeWritesTheBytesEncodeToWrites() {
    for (String text :
        new String[] {
          "", "hello", "caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t\u0001", "x".repeat(40_000), "tail"
        }) {
      ByteArrayOutputStream direct = new ByteArrayOutputStream();
      WireJson.encodeTo(answer(text), direct);
      assertThat(WireJson.encode(answer(text)).getBytes()).isEqualTo(direct.toByteArray());
      // And it reads back as the same message: one large answer does not spoil the next one.
      assertThat(WireJson.decode(WireJson.encode(answer(text)))).isEqualTo(answer(text));
    }
  }

  /** A lone surrogate (bad text from a tool or an upstream) is escaped, not replaced or fatal. */
  @Test
  void aLoneSurrogateIsEscaped() {
    String json = WireJson.encode(answer("a\ud800b")).toString(StandardCharsets.UTF_8);
    assertThat(json).contains("\"a\\uD800b\"").doesNotContain("\n");
  }
}
