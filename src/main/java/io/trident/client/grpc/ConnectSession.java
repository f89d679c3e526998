package io.trident.client.grpc;

import com.google.protobuf.ByteString;
import io.trident.grpc.v1.Envelope;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One MCP session over a {@code Connect} stream: JSON-RPC requests correlated by id, notifications
 * both ways, and server-to-client requests (sampling, elicitation, roots) answered by handlers on
 * the same stream. Obtained from {@link McpGrpcClient#connect()}.
 */
public final class ConnectSession {

  private static final String JSONRPC = "2.0";
  private static final int METHOD_NOT_FOUND = -32601;
  private static final int INTERNAL_ERROR = -32603;

  private final GrpcClientRequest<Envelope, Envelope> request;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Object, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final Map<String, Function<JsonObject, Future<JsonObject>>> requestHandlers =
      new ConcurrentHashMap<>();
  private final Promise<Void> ended = Promise.promise();
  private volatile Handler<JsonObject> messageHandler = message -> {};
  private volatile String sessionId;

  ConnectSession(GrpcClientRequest<Envelope, Envelope> request) {
    this.request = request;
    request.response().onSuccess(this::read).onFailure(e -> end(McpGrpcClient.failure(e)));
  }

  /**
   * Sends {@code initialize}, then {@code notifications/initialized}; completes with the initialize
   * result.
   *
   * @param capabilities the client's capabilities, e.g. {@code {"sampling":{}}} when a handler for
   *     {@code sampling/createMessage} is registered
   */
  public Future<JsonObject> initialize(
      String protocolVersion, JsonObject clientInfo, JsonObject capabilities) {
    JsonObject params =
        new JsonObject()
            .put("protocolVersion", protocolVersion)
            .put("clientInfo", clientInfo)
            .put("capabilities", capabilities == null ? new JsonObject() : capabilities);
    return request("initialize", params)
        .compose(result -> notify("notifications/initialized", null).map(result));
  }

  /** Sends a request; completes with its result, or fails with {@link JsonRpcException}. */
  public Future<JsonObject> request(String method, JsonObject params) {
    return request(method, params, null);
  }

  /**
   * Sends a request that {@code cancellation} may cancel: when it completes first, the server gets
   * {@code notifications/cancelled} for this request and the returned future fails with a {@link
   * java.util.concurrent.CancellationException} (the server sends no answer to a cancelled
   * request).
   */
  public Future<JsonObject> request(String method, JsonObject params, Future<?> cancellation) {
    long id = ids.incrementAndGet();
    Promise<JsonObject> answer = Promise.promise();
    pending.put(id, answer);
    JsonObject message =
        new JsonObject().put("jsonrpc", JSONRPC).put("id", id).put("method", method);
    if (params != null) {
      message.put("params", params);
    }
    send(message.toBuffer())
        .onFailure(
            e -> {
              pending.remove(id);
              answer.tryFail(e);
            });
    if (cancellation != null) {
      cancellation.onComplete(
          ar -> {
            if (pending.remove(id) != null
                && answer.tryFail(new java.util.concurrent.CancellationException("cancelled"))) {
              notify(
                  "notifications/cancelled",
                  new JsonObject().put("requestId", id).put("reason", "cancelled by the client"));
            }
          });
    }
    return answer.future();
  }

  /** Sends a notification (no answer comes back). */
  public Future<Void> notify(String method, JsonObject params) {
    JsonObject message = new JsonObject().put("jsonrpc", JSONRPC).put("method", method);
    if (params != null) {
      message.put("params", params);
    }
    return send(message.toBuffer());
  }

  /**
   * Sends one already encoded message as it is, in one envelope. For messages this class does not
   * build itself; the caller correlates any answer through {@link #messageHandler}.
   */
  public Future<Void> send(Buffer json) {
    if (ended.future().isComplete()) {
      return Future.failedFuture(new IllegalStateException("The session has ended"));
    }
    return request.write(
        Envelope.newBuilder().setJson(ByteString.copyFrom(json.getBytes())).build());
  }

  /**
   * Answers server requests for {@code method} (e.g. {@code sampling/createMessage}): the handler
   * gets the params and completes with the result; failing with {@link JsonRpcException} chooses
   * the error code. Requests without a handler are answered with "method not found".
   */
  public ConnectSession onRequest(String method, Function<JsonObject, Future<JsonObject>> handler) {
    requestHandlers.put(method, handler);
    return this;
  }

  /**
   * Receives every inbound notification, and any response that matches no request of this session
   * (such as a parse error, whose id is null), as the whole JSON-RPC message.
   */
  public ConnectSession messageHandler(Handler<JsonObject> handler) {
    this.messageHandler = handler == null ? message -> {} : handler;
    return this;
  }

  /** The {@code mcp-session-id} the server gave this stream; null until its headers arrive. */
  public String sessionId() {
    return sessionId;
  }

  /**
   * Half-closes the stream: the server answers what is in flight, then ends the stream. Completes
   * as {@link #ended()} does.
   */
  public Future<Void> close() {
    if (!ended.future().isComplete()) {
      request.end();
    }
    return ended.future();
  }

  /** Resets the stream at once; the server cancels whatever the session was doing. */
  public void cancel() {
    request.cancel();
    end(new McpGrpcException(GrpcStatus.CANCELLED, "Cancelled by the client", null, null));
  }

  /**
   * Completes when the server ends the stream with OK; fails with {@link McpGrpcException} for any
   * other status (e.g. DEADLINE_EXCEEDED when the stream's deadline passed).
   */
  public Future<Void> ended() {
    return ended.future();
  }

  private void read(GrpcClientResponse<Envelope, Envelope> response) {
    sessionId = response.headers().get(McpGrpcClient.SESSION_HEADER);
    response.handler(this::receive);
    response.errorHandler(
        error -> end(new McpGrpcException(error.status, error.name(), null, null)));
    response.exceptionHandler(e -> end(McpGrpcClient.failure(e)));
    response.endHandler(v -> end(McpGrpcClient.statusFailure(response)));
  }

  private void receive(Envelope envelope) {
    JsonObject message;
    try {
      message = new JsonObject(Buffer.buffer(envelope.getJson().toByteArray()));
    } catch (DecodeException | ClassCastException e) {
      return; // The server only sends JSON objects; anything else carries nothing to act on.
    }
    if (message.containsKey("method")) {
      if (message.containsKey("id")) {
        answer(message);
      } else {
        messageHandler.handle(message);
      }
      return;
    }
    Object id = message.getValue("id");
    Promise<JsonObject> waiting = id == null ? null : pending.remove(key(id));
    if (waiting == null) {
      messageHandler.handle(message);
    } else if (message.containsKey("error")) {
      JsonObject error = message.getJsonObject("error");
      waiting.tryFail(
          new JsonRpcException(
              error.getInteger("code", INTERNAL_ERROR),
              error.getString("message"),
              error.getValue("data")));
    } else {
      waiting.tryComplete(message.getJsonObject("result", new JsonObject()));
    }
  }

  private void answer(JsonObject message) {
    Object id = message.getValue("id");
    Function<JsonObject, Future<JsonObject>> handler =
        requestHandlers.get(message.getString("method"));
    Future<JsonObject> result;
    if (handler == null) {
      result =
          Future.failedFuture(
              new JsonRpcException(
                  METHOD_NOT_FOUND, "Method not found: " + message.getString("method"), null));
    } else {
      try {
        result = handler.apply(message.getJsonObject("params", new JsonObject()));
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
    }
    result.onComplete(
        ar -> {
          JsonObject reply = new JsonObject().put("jsonrpc", JSONRPC).put("id", id);
          if (ar.succeeded()) {
            reply.put("result", ar.result() == null ? new JsonObject() : ar.result());
          } else {
            JsonRpcException failure =
                ar.cause() instanceof JsonRpcException e
                    ? e
                    : new JsonRpcException(
                        INTERNAL_ERROR, String.valueOf(ar.cause().getMessage()), null);
            JsonObject error =
                new JsonObject().put("code", failure.code()).put("message", failure.getMessage());
            if (failure.data() != null) {
              error.put("data", failure.data());
            }
            reply.put("error", error);
          }
          send(reply.toBuffer());
        });
  }

  /** Ends the session: null for a clean end; fails whatever is still waiting for an answer. */
  private void end(Throwable failure) {
    if (ended.future().isComplete()) {
      return;
    }
    // Requests fail first, so that whoever waits on ended() finds them settled.
    Throwable unanswered =
        failure != null
            ? failure
            : new McpGrpcException(GrpcStatus.OK, "The stream ended before the answer", null, null);
    pending.values().forEach(p -> p.tryFail(unanswered));
    pending.clear();
    if (failure == null) {
      ended.tryComplete();
    } else {
      ended.tryFail(failure);
    }
  }

  /** JSON numbers come back as Integer or Long; ids are compared as longs. */
  private static Object key(Object id) {
    return id instanceof Number n ? (Object) n.longValue() : id;
  }
}
