package io.trident.transport.grpc;

import com.google.protobuf.ByteString;
import io.trident.auth.AuthorizationEnded;
import io.trident.context.CallerMetadata;
import io.trident.context.Cancellation;
import io.trident.grpc.v1.Envelope;
import io.trident.grpc.v1.McpGrpcService;
import io.trident.model.McpException;
import io.trident.server.McpServer;
import io.trident.server.McpSession;
import io.trident.server.MessageSink;
import io.trident.server.ModernChannel;
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.WireJson;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcError;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * One {@code Connect} stream = one MCP session. Every inbound envelope goes through {@link
 * McpSession#handle}, the single entry for streamed messages; replies and server-initiated messages
 * go out as envelopes. Input pauses while output cannot drain, so a client that stops reading
 * cannot make the server buffer without bound.
 */
final class ConnectSession implements MessageSink {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<String> ADVISORY =
      Set.of("notifications/progress", "notifications/message");

  private final Vertx vertx;
  private final GrpcServerRequest<Envelope, Envelope> request;
  private final GrpcServerResponse<Envelope, Envelope> response;
  private final McpSession session;
  private final ModernChannel modern;
  private final GrpcCall call;
  private final int maxMessageBytes;
  private int awaitingReplies;
  private boolean inputEnded;
  private boolean ended;
  private long deadlineTimer = -1;

  ConnectSession(
      McpServer server,
      GrpcServerRequest<Envelope, Envelope> request,
      GrpcCall call,
      int maxMessageBytes) {
    this.vertx = server.vertx();
    this.maxMessageBytes = maxMessageBytes;
    this.request = request;
    this.response = request.response();
    this.call = call;
    this.session =
        new McpSession(server, vertx.getOrCreateContext(), call.principal(), "grpc", this);
    // The stream's grpc-timeout bounds every request on it; each may state an earlier one in _meta.
    session.receivedWith(CallerMetadata.of(request.headers()), call.callerDeadline());
    session.onAuthorizationEnded(this::authorizationEnded);
    // 2026-07-28 envelopes (by their _meta) are served beside the session (SPEC.md §6.9).
    this.modern =
        new ModernChannel(
            server.modern(),
            call.principal(),
            "grpc",
            CallerMetadata.of(request.headers()),
            call.callerDeadline(),
            this::write);
    modern.onIdle(this::finishWhenIdle);
  }

  /**
   * The stream guard ended the stream's authorization: requests in progress have had their JSON-RPC
   * error (with {@code data.reason}); the stream ends with UNAUTHENTICATED or PERMISSION_DENIED and
   * the same code and reason in its trailers.
   */
  private void authorizationEnded(AuthorizationEnded why) {
    if (ended) {
      return;
    }
    McpException error = why.toMcpException();
    stop(Cancellation.Reason.DISCONNECTED);
    GrpcErrors.end(response, GrpcErrors.statusOf(error.code()), error.getMessage(), error);
  }

  /** Wires the stream to the session; the request must be paused until then. */
  void start() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    response.headers().set(GrpcCall.SESSION_HEADER, HexFormat.of().formatHex(id));
    if (call.callerDeadline() != null) {
      deadlineTimer =
          vertx.setTimer(
              Math.max(1, call.callerDeadline().remaining().toMillis()),
              t ->
                  finish(
                      GrpcStatus.DEADLINE_EXCEEDED,
                      "Stream exceeded its deadline",
                      Cancellation.Reason.DEADLINE_EXCEEDED));
    }
    request.messageHandler(this::decode);
    request.endHandler(
        v -> {
          inputEnded = true;
          finishWhenIdle();
        });
    request.errorHandler(
        error ->
            abort(
                error == GrpcError.CANCELLED
                    ? Cancellation.Reason.CLIENT_CANCELLED
                    : Cancellation.Reason.DISCONNECTED));
    request.exceptionHandler(e -> abort(Cancellation.Reason.DISCONNECTED));
    request.invalidMessageHandler(
        e ->
            finish(
                GrpcStatus.RESOURCE_EXHAUSTED,
                "Envelope larger than the server accepts",
                Cancellation.Reason.DISCONNECTED));
    response.exceptionHandler(e -> abort(Cancellation.Reason.DISCONNECTED));
    response.drainHandler(
        v -> {
          if (!ended) {
            request.resume();
          }
        });
    request.resume();
  }

  /**
   * Envelopes are decoded here rather than by Vert.x, which resets the stream (CANCELLED) on bytes
   * it cannot decode: a malformed envelope ends the stream with INVALID_ARGUMENT instead.
   */
  private void decode(GrpcMessage message) {
    Envelope envelope;
    try {
      envelope = McpGrpcService.Connect.decoder().decode(decompressed(message));
    } catch (CodecException | IOException e) {
      finish(GrpcStatus.INVALID_ARGUMENT, "Malformed envelope", Cancellation.Reason.DISCONNECTED);
      return;
    }
    receive(envelope);
  }

  /** The message as sent before compression; inflating stops at the size limit. */
  private GrpcMessage decompressed(GrpcMessage message) throws IOException {
    String encoding = message.encoding();
    if (encoding == null || encoding.equals("identity")) {
      return message;
    }
    if (!encoding.equals("gzip")) {
      throw new IOException("Unsupported message encoding " + encoding);
    }
    try (GZIPInputStream in =
        new GZIPInputStream(new ByteArrayInputStream(message.payload().getBytes()))) {
      byte[] bytes = in.readNBytes(maxMessageBytes + 1);
      if (bytes.length > maxMessageBytes) {
        throw new IOException("Inflated envelope exceeds the size limit");
      }
      return GrpcMessage.message("identity", message.format(), Buffer.buffer(bytes));
    }
  }

  private void receive(Envelope envelope) {
    byte[] json = envelope.getJson().toByteArray();
    JsonRpcCodec.Decoded decoded = JsonRpcCodec.decode(json, 0, json.length);
    if (decoded instanceof JsonRpcCodec.Batch) {
      write(
          JsonRpcMessage.Response.failure(
                  null,
                  new JsonRpcError(
                      McpException.INVALID_REQUEST,
                      "Invalid Request: batches are not accepted on Connect; send one message per"
                          + " envelope",
                      null))
              .toJson());
      return;
    }
    if (decoded instanceof JsonRpcCodec.Single single && modern.claims(single.message())) {
      modern.handle(single.message());
      return;
    }
    awaitingReplies++;
    session
        .handle(decoded)
        .onComplete(
            ar -> {
              awaitingReplies--;
              if (ar.succeeded() && ar.result() != null) {
                write(ar.result());
              }
              finishWhenIdle();
            });
  }

  /**
   * Progress and log notifications are advisory: while the client is not reading they are dropped
   * rather than queued without bound. Everything else (answers, server requests) is written.
   */
  @Override
  public void send(JsonRpcMessage message, Object relatedRequestId) {
    if (message instanceof JsonRpcMessage.Notification n
        && ADVISORY.contains(n.method())
        && response.writeQueueFull()) {
      return;
    }
    write(message.toJson());
  }

  private void write(Object json) {
    if (ended) {
      return;
    }
    response.write(
        Envelope.newBuilder()
            .setJson(ByteString.copyFrom(WireJson.encode(json).getBytes()))
            .build());
    if (response.writeQueueFull()) {
      request.pause();
    }
  }

  /** After the client half-closes, the stream ends once every request it sent has its answer. */
  private void finishWhenIdle() {
    if (inputEnded && awaitingReplies == 0 && modern.inProgress() == 0) {
      finish(GrpcStatus.OK, null, Cancellation.Reason.COMPLETED);
    }
  }

  private void finish(GrpcStatus status, String message, Cancellation.Reason reason) {
    if (ended) {
      return;
    }
    stop(reason);
    try {
      GrpcErrors.statusMessage(response, message);
      response.status(status).end();
    } catch (IllegalStateException alreadyGone) {
      // The stream was reset meanwhile: nobody is left to tell.
    }
  }

  private void abort(Cancellation.Reason reason) {
    if (!ended) {
      stop(reason);
    }
  }

  private void stop(Cancellation.Reason reason) {
    ended = true;
    if (deadlineTimer >= 0) {
      vertx.cancelTimer(deadlineTimer);
    }
    session.close(reason);
    modern.cancelAll();
  }
}
