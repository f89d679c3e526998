package io.trident.server.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.server.jsonrpc.JsonRpcCodec.Batch;
import io.trident.server.jsonrpc.JsonRpcCodec.Decoded;
import io.trident.server.jsonrpc.JsonRpcCodec.Invalid;
import io.trident.server.jsonrpc.JsonRpcCodec.Single;
import io.trident.server.jsonrpc.JsonRpcMessage.Notification;
import io.trident.server.jsonrpc.JsonRpcMessage.Request;
import io.trident.server.jsonrpc.JsonRpcMessage.Response;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonRpcCodecTest {

  private static Response errorOf(Decoded decoded) {
    assertThat(decoded).isInstanceOf(Invalid.class);
    return ((Invalid) decoded).error();
  }

  @Nested
  class Requests {
    @Test
    void readsRequestWithStringAndIntegerIds() {
      Decoded a = JsonRpcCodec.decode("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"ping\"}");
      Decoded b =
          JsonRpcCodec.decode(
              "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":{\"x\":1}}");
      assertThat(((Single) a).message())
          .isEqualTo(new Request("abc", "ping", new io.vertx.core.json.JsonObject()));
      Request r = (Request) ((Single) b).message();
      assertThat(r.id()).isEqualTo(7L);
      assertThat(r.params().getInteger("x")).isEqualTo(1);
    }

    /** A body (HTTP, gRPC Connect) is read by the strict parser stdio lines go through. */
    @Test
    void aBodyIsStrictJsonAndMayBeASliceOfALargerBuffer() {
      String ping = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}";
      io.vertx.core.buffer.Buffer framed =
          io.vertx.core.buffer.Buffer.buffer("xx" + ping + "yy").slice(2, 2 + ping.length());
      assertThat(((Single) JsonRpcCodec.decode(framed)).message()).isInstanceOf(Request.class);
      for (String notJson :
          new String[] {
            "{\"jsonrpc\":\"2.0\",/* c */\"id\":1,\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",}",
            ping + " " + ping
          }) {
        Response error = errorOf(JsonRpcCodec.decode(io.vertx.core.buffer.Buffer.buffer(notJson)));
        assertThat(error.error().code()).as(notJson).isEqualTo(-32700);
        assertThat(error.id()).isNull();
      }
    }

    @Test
    void readsNotificationWithoutId() {
      Decoded d =
          JsonRpcCodec.decode("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
      assertThat(((Single) d).message()).isInstanceOf(Notification.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "true", "1.5", "{}", "[]"})
    void refusesIdsThatAreNotStringOrInteger(String id) {
      Response error =
          errorOf(
              JsonRpcCodec.decode("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}"));
      assertThat(error.error().code()).isEqualTo(-32600);
      assertThat(error.id()).isNull();
    }

    @Test
    void refusesWrongJsonrpcVersionKeepingTheId() {
      Response error =
          errorOf(JsonRpcCodec.decode("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}"));
      assertThat(error.error().code()).isEqualTo(-32600);
      assertThat(error.id()).isEqualTo(3L);
    }

    @Test
    void refusesNonStringMethodAndNonObjectParams() {
      assertThat(
              errorOf(JsonRpcCodec.decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}"))
                  .error()
                  .code())
          .isEqualTo(-32600);
      assertThat(
              errorOf(
                      JsonRpcCodec.decode(
                          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1]}"))
                  .error()
                  .code())
          .isEqualTo(-32600);
    }
  }

  @Nested
  class Malformed {
    @ParameterizedTest
    @ValueSource(strings = {"not json", "{\"jsonrpc\":", "{\"a\":1}}"})
    void answersParseErrorWithNullId(String text) {
      Response error = errorOf(JsonRpcCodec.decode(text));
      assertThat(error.error().code()).isEqualTo(-32700);
      assertThat(error.id()).isNull();
      assertThat(error.toJson().containsKey("id")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "\"text\"", "null"})
    void refusesJsonThatIsNotAnObject(String text) {
      assertThat(errorOf(JsonRpcCodec.decode(text)).error().code()).isEqualTo(-32600);
    }

    @Test
    void errorMessagesDoNotEchoInput() {
      Response error = errorOf(JsonRpcCodec.decode("<script>secret-token</script>"));
      assertThat(error.error().message()).doesNotContain("secret-token");
    }
  }

  @Nested
  class Responses {
    @Test
    void readsResultAndErrorResponses() {
      Decoded ok = JsonRpcCodec.decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
      Decoded err =
          JsonRpcCodec.decode(
              "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-1,\"message\":\"no\"}}");
      assertThat(((Response) ((Single) ok).message()).isError()).isFalse();
      assertThat(((Response) ((Single) err).message()).error().code()).isEqualTo(-1);
    }

    @Test
    void refusesResponseWithBothResultAndError() {
      assertThat(
              errorOf(
                      JsonRpcCodec.decode(
                          "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}"))
                  .error()
                  .code())
          .isEqualTo(-32600);
    }
  }

  @Nested
  class Batches {
    @Test
    void decodesEachEntryOnItsOwn() {
      Decoded d = JsonRpcCodec.decode("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}, 5]");
      assertThat(d).isInstanceOf(Batch.class);
      assertThat(((Batch) d).entries()).hasSize(2);
      assertThat(((Batch) d).entries().get(0)).isInstanceOf(Single.class);
      assertThat(((Batch) d).entries().get(1)).isInstanceOf(Invalid.class);
    }

    @Test
    void refusesEmptyBatch() {
      assertThat(errorOf(JsonRpcCodec.decode("[]")).error().code()).isEqualTo(-32600);
    }
  }
}
