package io.trident.server.jsonrpc;

import io.trident.model.McpException;
import io.vertx.core.json.JsonObject;

/** The error member of a JSON-RPC response. */
public record JsonRpcError(int code, String message, JsonObject data) {

  public static JsonRpcError of(McpException e) {
    return new JsonRpcError(e.code(), e.getMessage(), e.data());
  }

  public static JsonRpcError fromJson(JsonObject json) {
    Object code = json.getValue("code");
    return new JsonRpcError(
        code instanceof Number n ? n.intValue() : McpException.INTERNAL_ERROR,
        String.valueOf(json.getValue("message", "")),
        json.getValue("data") instanceof JsonObject d ? d : null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("code", code).put("message", message);
    if (data != null) {
      json.put("data", data);
    }
    return json;
  }
}
