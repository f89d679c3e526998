package io.trident.transport.http;

import io.trident.model.McpException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The one mapping of door-level failures to HTTP: a status and a small JSON-RPC error body (what
 * MCP clients already parse), with a fixed, safe message and nothing from inside the server.
 */
final class HttpErrors {

  /** Implementation-defined JSON-RPC code for errors raised by the HTTP layer itself. */
  static final int TRANSPORT_ERROR = -32000;

  private HttpErrors() {}

  static void send(HttpServerResponse response, int status, String message) {
    send(response, status, TRANSPORT_ERROR, message);
  }

  static void send(HttpServerResponse response, int status, int code, String message) {
    if (response.ended() || response.closed() || response.headWritten()) {
      return;
    }
    JsonObject body =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .putNull("id")
            .put("error", new JsonObject().put("code", code).put("message", message));
    response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /**
   * {@code Retry-After} in whole seconds (rounded up, at least 1) from a rate-limit refusal's
   * {@code data.retryAfterMs} (SPEC.md §7.8).
   */
  static void retryAfter(HttpServerResponse response, JsonObject data) {
    Object ms = data == null ? null : data.getValue("retryAfterMs");
    long millis = ms instanceof Number n ? n.longValue() : 1000;
    response.putHeader("Retry-After", Long.toString(Math.max(1, (millis + 999) / 1000)));
  }

  /** A rate-limit refusal as the whole answer to a POST: 429, Retry-After, the JSON-RPC error. */
  static void rateLimited(HttpServerResponse response, McpException refusal, Object id) {
    if (response.ended() || response.closed() || response.headWritten()) {
      return;
    }
    retryAfter(response, refusal.data());
    JsonObject error =
        new JsonObject().put("code", refusal.code()).put("message", refusal.getMessage());
    if (refusal.data() != null) {
      error.put("data", refusal.data());
    }
    JsonObject body = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error", error);
    response.setStatusCode(429).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
