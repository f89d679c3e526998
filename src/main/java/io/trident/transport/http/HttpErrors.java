package io.trident.transport.http;

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
}
