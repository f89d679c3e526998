package io.trident.server;

import io.trident.context.CallerMetadata;
import io.trident.context.Deadline;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.JsonRpcMessage.Response;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The 2026-07-28 revision on a message stream shared with a 2025 session (stdio, SPEC.md §11.7; a
 * gRPC {@code Connect} stream, §6.9): requests that carry the era marker in their {@code _meta} are
 * served statelessly beside the session, their messages interleaved with its own. Listen streams'
 * messages are told apart by their {@code subscriptionId}; {@code notifications/cancelled} naming a
 * 2026 request (or listen stream) cancels it. Used on the transport's context only.
 */
public final class ModernChannel {

  private final ModernServer modern;
  private final Principal principal;
  private final String transport;
  private final CallerMetadata metadata;
  private final Deadline wireDeadline;
  private final Consumer<Object> out;
  private Runnable onIdle = () -> {};
  private final Map<Object, Runnable> running = new HashMap<>();
  private int calls;
  private io.vertx.core.Promise<Void> idle;

  /**
   * @param transport the wire's name, for rate limits and audit
   * @param metadata what the wire carried for every message (gRPC metadata), else empty
   * @param wireDeadline the stream's own deadline ({@code grpc-timeout}), or null
   * @param out writes one JSON-RPC message; called on the channel's context
   */
  public ModernChannel(
      ModernServer modern,
      Principal principal,
      String transport,
      CallerMetadata metadata,
      Deadline wireDeadline,
      Consumer<Object> out) {
    this.modern = modern;
    this.principal = principal;
    this.transport = transport;
    this.metadata = metadata;
    this.wireDeadline = wireDeadline;
    this.out = out;
  }

  /** Runs each time the last 2026 request in progress has been answered. */
  public void onIdle(Runnable action) {
    this.onIdle = action;
  }

  /** 2026 requests in progress (listen streams do not count). */
  public int inProgress() {
    return calls;
  }

  /** Whether {@code message} is this era's to handle (a marked request, or a cancel of one). */
  public boolean claims(JsonRpcMessage message) {
    if (message instanceof JsonRpcMessage.Request r) {
      return ModernRequest.isModern(r, null);
    }
    return message instanceof JsonRpcMessage.Notification n
        && "notifications/cancelled".equals(n.method())
        && n.params() != null
        && running.containsKey(n.params().getValue("requestId"));
  }

  public void handle(JsonRpcMessage message) {
    if (message instanceof JsonRpcMessage.Notification n) {
      Runnable cancel = running.remove(n.params().getValue("requestId"));
      if (cancel != null) {
        cancel.run();
      }
      return;
    }
    JsonRpcMessage.Request rpc = (JsonRpcMessage.Request) message;
    ModernRequest request;
    try {
      request = ModernRequest.parse(rpc);
    } catch (McpException e) {
      out.accept(ModernServer.reject(rpc.id(), e).response().toJson());
      return;
    }
    ModernServer.Answer refused = modern.precheck(request);
    if (refused != null) {
      out.accept(refused.response().toJson());
      return;
    }
    if (running.containsKey(request.id())) {
      out.accept(
          Response.failure(
                  request.id(),
                  new JsonRpcError(
                      McpException.INVALID_REQUEST,
                      "Invalid Request: a request with this id is already in progress",
                      null))
              .toJson());
      return;
    }
    if ("subscriptions/listen".equals(request.method())) {
      listen(request);
      return;
    }
    Object id = request.id();
    boolean[] done = new boolean[1];
    ModernServer.Running call =
        modern.call(
            request,
            principal,
            metadata,
            wireDeadline,
            transport,
            n -> {
              if (!done[0]) {
                out.accept(n.toJson());
              }
            });
    running.put(id, call.cancel());
    calls++;
    call.answer()
        .onComplete(
            ar -> {
              done[0] = true;
              running.remove(id);
              if (--calls == 0) {
                if (idle != null) {
                  io.vertx.core.Promise<Void> waiting = idle;
                  idle = null;
                  waiting.complete();
                }
                // After the answer below is written.
                io.vertx.core.Context here = io.vertx.core.Vertx.currentContext();
                if (here != null) {
                  here.runOnContext(v -> onIdle.run());
                } else {
                  onIdle.run();
                }
              }
              if (ar.succeeded()) {
                out.accept(ar.result().response().toJson());
              }
              // Failed: cancelled by the client, which then expects no answer.
            });
  }

  private void listen(ModernRequest request) {
    modern
        .admit(request, principal, transport)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                McpException e =
                    ar.cause() instanceof McpException m
                        ? m
                        : new McpException(McpException.INTERNAL_ERROR, "Internal error");
                out.accept(Response.failure(request.id(), JsonRpcError.of(e)).toJson());
                return;
              }
              ar.result().release();
              var denied =
                  modern
                      .core()
                      .guard()
                      .check(principal, transport, request.method(), request.params());
              if (denied != null) {
                out.accept(
                    Response.failure(request.id(), JsonRpcError.of(denied.toMcpException()))
                        .toJson());
                return;
              }
              Object id = request.id();
              try {
                ListenStream stream =
                    ListenStream.open(
                        modern.core(),
                        request,
                        principal,
                        transport,
                        new ListenStream.Sink() {
                          @Override
                          public void send(JsonObject message) {
                            out.accept(message);
                          }

                          @Override
                          public void end() {
                            running.remove(id);
                          }
                        });
                running.put(id, stream::cancel);
              } catch (McpException e) {
                out.accept(Response.failure(id, JsonRpcError.of(e)).toJson());
              }
            });
  }

  /** Completes when no 2026 request is in progress (listen streams do not count). */
  public io.vertx.core.Future<Void> whenIdle() {
    if (calls == 0) {
      return io.vertx.core.Future.succeededFuture();
    }
    if (idle == null) {
      idle = io.vertx.core.Promise.promise();
    }
    return idle.future();
  }

  /** Cancels every 2026 request and listen stream (the transport is stopping). */
  public void cancelAll() {
    for (Runnable cancel : Map.copyOf(running).values()) {
      cancel.run();
    }
    running.clear();
  }
}
