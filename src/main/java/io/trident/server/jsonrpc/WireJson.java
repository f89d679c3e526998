package io.trident.server.jsonrpc;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.jackson.JacksonCodec;

/**
 * The JSON codec for protocol messages: Jackson's streaming parser and generator straight into
 * Vert.x {@code JsonObject}s, without the data-binding layer that {@code Json.CODEC} would bring.
 * It is faster per message and much cheaper to start, which a freshly spawned stdio server notices.
 */
public final class WireJson {

  private static final JacksonCodec CODEC = new JacksonCodec();

  private WireJson() {}

  /** A JsonObject, JsonArray, String, Number, Boolean or null. */
  public static Object decode(Buffer bytes) throws DecodeException {
    return CODEC.fromBuffer(bytes);
  }

  public static Object decode(String text) throws DecodeException {
    return CODEC.fromString(text);
  }

  /** Compact JSON: never contains a raw newline, as stdio framing needs. */
  public static Buffer encode(Object json) {
    return CODEC.toBuffer(json, false);
  }
}
