package io.trident.server.jsonrpc;

import io.vertx.core.json.JsonObject;

/** One JSON-RPC 2.0 message: a request, a notification or a response. */
public sealed interface JsonRpcMessage
    permits JsonRpcMessage.Request, JsonRpcMessage.Notification, JsonRpcMessage.Response {

  JsonObject toJson();

  /**
   * A request; {@code id} is a String or a Long, never null.
   *
   * @param params the params object, empty when absent
   */
  record Request(Object id, String method, JsonObject params) implements JsonRpcMessage {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
      if (params != null) {
        json.put("params", params);
      }
      return json;
    }
  }

  /** A notification: never answered. */
  record Notification(String method, JsonObject params) implements JsonRpcMessage {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("jsonrpc", "2.0").put("method", method);
      if (params != null) {
        json.put("params", params);
      }
      return json;
    }
  }

  /**
   * A response: exactly one of result and error is set; {@code id} is null only when the request's
   * id could not be read.
   */
  record Response(Object id, JsonObject result, JsonRpcError error) implements JsonRpcMessage {

    public static Response success(Object id, JsonObject result) {
      return new Response(id, result, null);
    }

    public static Response failure(Object id, JsonRpcError error) {
      return new Response(id, null, error);
    }

    public boolean isError() {
      return error != null;
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("jsonrpc", "2.0").put("id", id);
      if (error != null) {
        json.put("error", error.toJson());
      } else {
        json.put("result", result);
      }
      return json;
    }
  }
}
