package io.trident.server;

import io.trident.backend.Backend;
import io.trident.context.Principal;
import io.trident.model.Implementation;
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Drives one real {@link McpSession} the way a transport does: JSON text in, JSON out, and a record
 * of every message the session sent on its own (notifications and server-to-client requests).
 */
final class SessionHarness {

  final Vertx vertx;
  final Backend backend;
  final McpServer server;
  final Context context;
  final List<JsonObject> sent = new CopyOnWriteArrayList<>();
  final List<Object> sentRelatedTo = new CopyOnWriteArrayList<>();
  private McpSession session;
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

  private record Waiter(Predicate<JsonObject> match, Promise<JsonObject> promise) {}

  SessionHarness(Vertx vertx, Backend backend, ServerOptions options) {
    this.vertx = vertx;
    this.backend = backend;
    this.server = new McpServer(vertx, backend, options);
    this.context = vertx.getOrCreateContext();
    Promise<Void> created = Promise.promise();
    context.runOnContext(
        v -> {
          session =
              new McpSession(
                  server, context, Principal.local("tester", Set.of("*")), "test", this::onSent);
          created.complete();
        });
    try {
      created.future().toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static ServerOptions options() {
    return ServerOptions.defaults(Implementation.of("trident-test", "1"));
  }

  private void onSent(JsonRpcMessage message, Object related) {
    JsonObject json = message.toJson();
    sent.add(json);
    sentRelatedTo.add(related == null ? "none" : related);
    for (Waiter w : waiters) {
      if (w.match.test(json) && w.promise.tryComplete(json)) {
        waiters.remove(w);
      }
    }
  }

  /** Completes with the first sent message (past or future) that matches. */
  Future<JsonObject> nextSent(Predicate<JsonObject> match) {
    for (JsonObject json : sent) {
      if (match.test(json)) {
        return Future.succeededFuture(json);
      }
    }
    Promise<JsonObject> p = Promise.promise();
    waiters.add(new Waiter(match, p));
    return p.future();
  }

  /** Sends raw wire text; completes with the reply (JsonObject, JsonArray) or null. */
  Future<Object> send(String wire) {
    Promise<Object> reply = Promise.promise();
    context.runOnContext(v -> session.handle(JsonRpcCodec.decode(wire)).onComplete(reply));
    return reply.future();
  }

  Future<JsonObject> request(Object id, String method, JsonObject params) {
    JsonObject msg = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
    if (params != null) {
      msg.put("params", params);
    }
    return send(msg.encode()).map(r -> (JsonObject) r);
  }

  Future<Object> notify(String method, JsonObject params) {
    JsonObject msg = new JsonObject().put("jsonrpc", "2.0").put("method", method);
    if (params != null) {
      msg.put("params", params);
    }
    return send(msg.encode());
  }

  Future<JsonObject> initialize(String version, JsonObject capabilities) {
    JsonObject params =
        new JsonObject()
            .put("protocolVersion", version)
            .put("capabilities", capabilities)
            .put("clientInfo", new JsonObject().put("name", "harness").put("version", "1"));
    return request(0, "initialize", params)
        .compose(r -> notify("notifications/initialized", null).map(r));
  }

  Future<JsonObject> initialize() {
    return initialize("2025-11-25", new JsonObject());
  }

  Future<JsonObject> callTool(Object id, String name, JsonObject args) {
    JsonObject params = new JsonObject().put("name", name);
    if (args != null) {
      params.put("arguments", args);
    }
    return request(id, "tools/call", params);
  }

  void close() {
    context.runOnContext(v -> session.close(io.trident.context.Cancellation.Reason.SHUTDOWN));
  }
}
