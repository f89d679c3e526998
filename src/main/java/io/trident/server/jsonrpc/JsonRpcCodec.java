package io.trident.server.jsonrpc;

import io.trident.model.McpException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Strict JSON-RPC 2.0 parsing. Never throws on bad input: every failure becomes an error response
 * whose message says what was wrong without echoing the input back.
 */
public final class JsonRpcCodec {

  private JsonRpcCodec() {}

  /** What one wire message turned out to be. */
  public sealed interface Decoded permits Single, Batch, Invalid {}

  /** One well-formed message. */
  public record Single(JsonRpcMessage message) implements Decoded {}

  /** A JSON array of entries, each either a message or an error response for that entry. */
  public record Batch(List<Decoded> entries) implements Decoded {}

  /** Not a valid message; {@code error} is the response to send (its id may be null). */
  public record Invalid(JsonRpcMessage.Response error) implements Decoded {}

  public static Decoded decode(Buffer bytes) {
    return parse(() -> WireJson.decode(bytes));
  }

  /** Decodes a byte range, e.g. one line of a stdio stream, without copying it. */
  public static Decoded decode(byte[] bytes, int offset, int length) {
    return parse(() -> WireJson.decode(bytes, offset, length));
  }

  public static Decoded decode(String text) {
    return parse(() -> WireJson.decode(text));
  }

  private static Decoded parse(Supplier<Object> parser) {
    Object value;
    try {
      value = parser.get();
    } catch (DecodeException | IllegalStateException e) {
      return parseError();
    }
    return decodeValue(value);
  }

  private static Decoded parseError() {
    return new Invalid(
        JsonRpcMessage.Response.failure(
            null, new JsonRpcError(McpException.PARSE_ERROR, "Parse error: not valid JSON", null)));
  }

  /** Decodes an already parsed JSON value (object or array). */
  public static Decoded decodeValue(Object value) {
    if (value instanceof JsonArray array) {
      if (array.isEmpty()) {
        return invalid(null, "Invalid Request: empty batch");
      }
      List<Decoded> entries = new ArrayList<>(array.size());
      for (Object entry : array) {
        entries.add(
            entry instanceof JsonObject o
                ? decodeObject(o)
                : invalid(null, "Invalid Request: batch entry is not an object"));
      }
      return new Batch(entries);
    }
    if (value instanceof JsonObject object) {
      return decodeObject(object);
    }
    return invalid(null, "Invalid Request: expected a JSON object");
  }

  /** Validates one JSON-RPC object. */
  public static Decoded decodeObject(JsonObject json) {
    Object rawId = json.getValue("id");
    boolean hasId = json.containsKey("id");
    Object id = validId(rawId) ? normalizeId(rawId) : null;
    if (!"2.0".equals(json.getValue("jsonrpc"))) {
      return invalid(id, "Invalid Request: jsonrpc must be \"2.0\"");
    }
    Object params = json.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      return invalid(id, "Invalid Request: params must be an object");
    }
    if (json.containsKey("method")) {
      if (!(json.getValue("method") instanceof String method)) {
        return invalid(id, "Invalid Request: method must be a string");
      }
      if (!hasId) {
        return new Single(new JsonRpcMessage.Notification(method, (JsonObject) params));
      }
      if (id == null) {
        return invalid(null, "Invalid Request: id must be a string or an integer, not null");
      }
      JsonObject p = params == null ? new JsonObject() : (JsonObject) params;
      return new Single(new JsonRpcMessage.Request(id, method, p));
    }
    // No method: a response to one of our requests.
    if (id == null) {
      return invalid(null, "Invalid Request: a response needs a string or integer id");
    }
    boolean hasResult = json.containsKey("result");
    boolean hasError = json.containsKey("error");
    if (hasResult == hasError) {
      return invalid(null, "Invalid Request: a response needs exactly one of result and error");
    }
    if (hasError) {
      if (!(json.getValue("error") instanceof JsonObject error)) {
        return invalid(null, "Invalid Request: error must be an object");
      }
      return new Single(JsonRpcMessage.Response.failure(id, JsonRpcError.fromJson(error)));
    }
    Object result = json.getValue("result");
    if (!(result instanceof JsonObject r)) {
      return invalid(null, "Invalid Request: result must be an object");
    }
    return new Single(JsonRpcMessage.Response.success(id, r));
  }

  private static boolean validId(Object id) {
    if (id instanceof String) {
      return true;
    }
    if (id instanceof Integer || id instanceof Long || id instanceof Short || id instanceof Byte) {
      return true;
    }
    if (id instanceof java.math.BigInteger b) {
      return b.bitLength() < 64;
    }
    return false;
  }

  /** Numeric ids are kept as Long so that lookups in maps match whatever width Jackson chose. */
  private static Object normalizeId(Object id) {
    return id instanceof Number n ? (Object) n.longValue() : id;
  }

  private static Invalid invalid(Object id, String message) {
    return new Invalid(
        JsonRpcMessage.Response.failure(
            id, new JsonRpcError(McpException.INVALID_REQUEST, message, null)));
  }
}
