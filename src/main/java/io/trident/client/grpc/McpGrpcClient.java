package io.trident.client.grpc;

import io.trident.grpc.v1.AuthDiscoveryGrpcClient;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.CallToolResult;
import io.trident.grpc.v1.CompleteRequest;
import io.trident.grpc.v1.CompleteResponse;
import io.trident.grpc.v1.GetMetadataRequest;
import io.trident.grpc.v1.GetPromptRequest;
import io.trident.grpc.v1.GetPromptResponse;
import io.trident.grpc.v1.Implementation;
import io.trident.grpc.v1.InitializeRequest;
import io.trident.grpc.v1.InitializeResponse;
import io.trident.grpc.v1.ListPromptsRequest;
import io.trident.grpc.v1.ListPromptsResponse;
import io.trident.grpc.v1.ListResourceTemplatesRequest;
import io.trident.grpc.v1.ListResourceTemplatesResponse;
import io.trident.grpc.v1.ListResourcesRequest;
import io.trident.grpc.v1.ListResourcesResponse;
import io.trident.grpc.v1.ListToolsRequest;
import io.trident.grpc.v1.ListToolsResponse;
import io.trident.grpc.v1.PingRequest;
import io.trident.grpc.v1.ProtectedResourceMetadata;
import io.trident.grpc.v1.ReadResourceRequest;
import io.trident.grpc.v1.ReadResourceResponse;
import io.trident.protobuf.StructCodec;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A client of Trident's gRPC transport ({@code mcp.v1.Mcp} and {@code mcp.v1.AuthDiscovery}): the
 * typed, stateless RPCs as methods returning futures, and {@link #connect()} for a full MCP session
 * over one bidirectional stream.
 *
 * <pre>{@code
 * McpGrpcClient client = McpGrpcClient.create(vertx, SocketAddress.inetSocketAddress(50051,
 *     "127.0.0.1"), new McpGrpcClientOptions().setBearerToken(token));
 * client.callTool("echo", new JsonObject().put("text", "hi"))
 *     .onSuccess(result -> System.out.println(result.getContent(0).getText().getText()));
 * }</pre>
 *
 * <p>A call that ends with a status other than OK fails with {@link McpGrpcException}. The client
 * is safe to share; {@link #close()} releases its connections.
 */
public final class McpGrpcClient {

  static final String PROTOCOL_VERSION_HEADER = "mcp-protocol-version";
  static final String SESSION_HEADER = "mcp-session-id";
  private static final String ERROR_CODE_TRAILER = "mcp-error-code";
  private static final String ERROR_DATA_TRAILER = "mcp-error-data-bin";

  /**
   * The server ends a call at its deadline with its own status; this local backstop only covers a
   * server (or network) that does not answer at all.
   */
  private static final long DEADLINE_GRACE_MS = 1_000;

  private static final CallOptions NO_CALL_OPTIONS = new CallOptions();

  private final Vertx vertx;
  private final GrpcClient grpc;
  private final SocketAddress server;
  private final McpGrpcClientOptions options;

  private McpGrpcClient(
      Vertx vertx, GrpcClient grpc, SocketAddress server, McpGrpcClientOptions options) {
    this.vertx = vertx;
    this.grpc = grpc;
    this.server = server;
    this.options = options;
  }

  /** A client of the server at {@code server}; no connection is made before the first call. */
  public static McpGrpcClient create(
      Vertx vertx, SocketAddress server, McpGrpcClientOptions options) {
    McpGrpcClientOptions copy = new McpGrpcClientOptions(options);
    HttpClientOptions http =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false);
    if (copy.isSsl()) {
      http.setSsl(true).setUseAlpn(true);
      if (copy.isTrustAll()) {
        http.setTrustAll(true).setVerifyHost(false);
      } else if (copy.getTrustPemPath() != null) {
        http.setTrustOptions(new PemTrustOptions().addCertPath(copy.getTrustPemPath()));
      }
      if (copy.getKeyCertPemPath() != null) {
        http.setKeyCertOptions(
            new PemKeyCertOptions()
                .setCertPath(copy.getKeyCertPemPath())
                .setKeyPath(copy.getKeyPemPath()));
      }
    }
    GrpcClient grpc =
        GrpcClient.client(
            vertx, new GrpcClientOptions().setMaxMessageSize(copy.getMaxMessageBytes()), http);
    return new McpGrpcClient(vertx, grpc, server, copy);
  }

  /** Negotiates a protocol version and learns the server's capabilities. */
  public Future<InitializeResponse> initialize(String protocolVersion, Implementation clientInfo) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.Initialize,
        InitializeRequest.newBuilder()
            .setProtocolVersion(protocolVersion)
            .setClientInfo(clientInfo)
            .build(),
        NO_CALL_OPTIONS);
  }

  public Future<Void> ping() {
    return unary(
            io.trident.grpc.v1.McpGrpcClient.Ping,
            PingRequest.getDefaultInstance(),
            NO_CALL_OPTIONS)
        .mapEmpty();
  }

  /** One page of tools; {@code cursor} is null for the first page. */
  public Future<ListToolsResponse> listTools(String cursor) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.ListTools,
        ListToolsRequest.newBuilder().setCursor(nz(cursor)).build(),
        NO_CALL_OPTIONS);
  }

  /** As {@link #listTools(String)}, with call options (e.g. {@code mcp-protocol-version}). */
  public Future<ListToolsResponse> listTools(String cursor, CallOptions call) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.ListTools,
        ListToolsRequest.newBuilder().setCursor(nz(cursor)).build(),
        call);
  }

  /**
   * A {@code CallTool} as built by the caller (the 2026-07-28 fields included: client capabilities,
   * input responses, request state); completes with its last event: the result or, for a 2026-07-28
   * call ({@code mcp-protocol-version} metadata), {@code input_required}.
   */
  public Future<CallToolEvent> callToolEvent(CallToolRequest request, CallOptions call) {
    return this.<CallToolRequest, CallToolEvent>call(
        io.trident.grpc.v1.McpGrpcClient.CallTool, request, call, event -> {});
  }

  public Future<CallToolResult> callTool(String name, JsonObject arguments) {
    return callTool(name, arguments, NO_CALL_OPTIONS);
  }

  /**
   * Calls a tool. Progress and log events stream to the handlers in {@code call} (only asked for
   * when a handler is set); the future completes with the result. A tool that fails answers with
   * {@code is_error} set; a call that fails (unknown tool, deadline) fails the future.
   */
  public Future<CallToolResult> callTool(String name, JsonObject arguments, CallOptions call) {
    CallToolRequest.Builder request =
        CallToolRequest.newBuilder().setName(name).setProgress(call.getProgressHandler() != null);
    if (arguments != null) {
      request.setArguments(StructCodec.toStruct(arguments));
    }
    if (call.getLogHandler() != null) {
      request.setLogLevel(call.getLogLevel());
    }
    Handler<CallToolEvent> events =
        event -> {
          switch (event.getEventCase()) {
            case PROGRESS -> {
              if (call.getProgressHandler() != null) {
                call.getProgressHandler().handle(event.getProgress());
              }
            }
            case LOG -> {
              if (call.getLogHandler() != null) {
                call.getLogHandler().handle(event.getLog());
              }
            }
            default -> {}
          }
        };
    return this.<CallToolRequest, CallToolEvent>call(
            io.trident.grpc.v1.McpGrpcClient.CallTool, request.build(), call, events)
        .compose(
            last ->
                last != null && last.hasResult()
                    ? Future.succeededFuture(last.getResult())
                    : Future.failedFuture(
                        new McpGrpcException(
                            GrpcStatus.INTERNAL, "The call ended without a result", null, null)));
  }

  public Future<ListResourcesResponse> listResources(String cursor) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.ListResources,
        ListResourcesRequest.newBuilder().setCursor(nz(cursor)).build(),
        NO_CALL_OPTIONS);
  }

  public Future<ListResourceTemplatesResponse> listResourceTemplates(String cursor) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.ListResourceTemplates,
        ListResourceTemplatesRequest.newBuilder().setCursor(nz(cursor)).build(),
        NO_CALL_OPTIONS);
  }

  public Future<ReadResourceResponse> readResource(String uri) {
    return readResource(uri, NO_CALL_OPTIONS);
  }

  public Future<ReadResourceResponse> readResource(String uri, CallOptions call) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.ReadResource,
        ReadResourceRequest.newBuilder().setUri(uri).build(),
        call);
  }

  public Future<ListPromptsResponse> listPrompts(String cursor) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.ListPrompts,
        ListPromptsRequest.newBuilder().setCursor(nz(cursor)).build(),
        NO_CALL_OPTIONS);
  }

  public Future<GetPromptResponse> getPrompt(String name, Map<String, String> arguments) {
    return unary(
        io.trident.grpc.v1.McpGrpcClient.GetPrompt,
        GetPromptRequest.newBuilder().setName(name).putAllArguments(arguments).build(),
        NO_CALL_OPTIONS);
  }

  /** Completion of an argument; build the request with its {@code ref} (prompt or template). */
  public Future<CompleteResponse> complete(CompleteRequest request) {
    return unary(io.trident.grpc.v1.McpGrpcClient.Complete, request, NO_CALL_OPTIONS);
  }

  /** The server's RFC 9728 protected-resource metadata; needs no credentials. */
  public Future<ProtectedResourceMetadata> authMetadata() {
    return unary(
        AuthDiscoveryGrpcClient.GetMetadata,
        GetMetadataRequest.getDefaultInstance(),
        NO_CALL_OPTIONS);
  }

  /** Opens a {@code Connect} stream: one MCP session. Send {@code initialize} first. */
  public Future<ConnectSession> connect() {
    return connect(NO_CALL_OPTIONS);
  }

  /** Opens a {@code Connect} stream; {@code call}'s timeout bounds the whole session. */
  public Future<ConnectSession> connect(CallOptions call) {
    return grpc.request(server, io.trident.grpc.v1.McpGrpcClient.Connect)
        .recover(e -> Future.failedFuture(failure(e)))
        .map(
            request -> {
              prepare(request, call);
              return new ConnectSession(request);
            });
  }

  /** Closes the client's connections; calls still running fail. */
  public Future<Void> close() {
    return grpc.close();
  }

  private <Req, Resp> Future<Resp> unary(
      ServiceMethod<Resp, Req> method, Req message, CallOptions call) {
    return call(method, message, call, null);
  }

  /**
   * One call with one request message: {@code each} sees every response message, the future
   * completes with the last one once the status is OK.
   */
  private <Req, Resp> Future<Resp> call(
      ServiceMethod<Resp, Req> method, Req message, CallOptions call, Handler<Resp> each) {
    return grpc.request(server, method)
        .recover(e -> Future.failedFuture(failure(e)))
        .compose(
            request -> {
              Promise<Resp> outcome = Promise.promise();
              Duration timeout = prepare(request, call);
              if (timeout != null) {
                long backstop =
                    vertx.setTimer(
                        timeout.toMillis() + DEADLINE_GRACE_MS,
                        t -> {
                          if (outcome.tryFail(
                              new McpGrpcException(
                                  GrpcStatus.DEADLINE_EXCEEDED,
                                  "No answer within the deadline",
                                  null,
                                  null))) {
                            request.cancel();
                          }
                        });
                outcome.future().onComplete(ar -> vertx.cancelTimer(backstop));
              }
              if (call.getCancellation() != null) {
                call.getCancellation()
                    .onComplete(
                        ar -> {
                          if (outcome.tryFail(
                              new McpGrpcException(
                                  GrpcStatus.CANCELLED, "Cancelled by the client", null, null))) {
                            request.cancel();
                          }
                        });
              }
              request.response().onSuccess(response -> read(response, each, outcome));
              request.response().onFailure(e -> outcome.tryFail(failure(e)));
              request.end(message).onFailure(e -> outcome.tryFail(failure(e)));
              return outcome.future();
            });
  }

  private static <Resp> void read(
      GrpcClientResponse<?, Resp> response, Handler<Resp> each, Promise<Resp> outcome) {
    Object[] last = new Object[1];
    response.handler(
        message -> {
          last[0] = message;
          if (each != null && !outcome.future().isComplete()) {
            each.handle(message);
          }
        });
    response.errorHandler(
        error -> outcome.tryFail(new McpGrpcException(error.status, error.name(), null, null)));
    response.exceptionHandler(e -> outcome.tryFail(failure(e)));
    response.endHandler(
        v -> {
          McpGrpcException failed = statusFailure(response);
          if (failed != null) {
            outcome.tryFail(failed);
          } else if (last[0] == null) {
            outcome.tryFail(
                new McpGrpcException(GrpcStatus.INTERNAL, "No response message", null, null));
          } else {
            @SuppressWarnings("unchecked")
            Resp result = (Resp) last[0];
            outcome.tryComplete(result);
          }
        });
  }

  /** Sets the metadata and deadline of a call; returns the deadline's length, or null. */
  private Duration prepare(GrpcClientRequest<?, ?> request, CallOptions call) {
    MultiMap headers = request.headers();
    if (options.getProtocolVersion() != null) {
      headers.set(PROTOCOL_VERSION_HEADER, options.getProtocolVersion());
    }
    options.getMetadata().forEach(headers::set);
    call.getMetadata().forEach(headers::set);
    Duration timeout = call.getTimeout() != null ? call.getTimeout() : options.getTimeout();
    if (timeout != null) {
      request.timeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }
    return timeout;
  }

  /** The failure a response's status means, or null when it is OK. */
  static McpGrpcException statusFailure(GrpcClientResponse<?, ?> response) {
    GrpcStatus status = response.status();
    if (status == null || status == GrpcStatus.OK) {
      return null;
    }
    String code = metadata(response, ERROR_CODE_TRAILER);
    String data = metadata(response, ERROR_DATA_TRAILER);
    Integer mcpCode = null;
    if (code != null) {
      try {
        mcpCode = Integer.valueOf(code);
      } catch (NumberFormatException ignored) {
        // Not ours to interpret: the status still says what happened.
      }
    }
    Object decoded = null;
    if (data != null) {
      try {
        decoded =
            io.vertx.core.json.Json.decodeValue(
                new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8));
      } catch (RuntimeException ignored) {
        // Malformed error data is dropped; the code and message remain.
      }
    }
    return new McpGrpcException(status, response.statusMessage(), mcpCode, decoded);
  }

  /** Trailers, or the headers of a trailers-only response (an error before any message). */
  private static String metadata(GrpcClientResponse<?, ?> response, String name) {
    String value = response.trailers() == null ? null : response.trailers().get(name);
    return value != null ? value : response.headers().get(name);
  }

  static Throwable failure(Throwable e) {
    if (e instanceof McpGrpcException) {
      return e;
    }
    if (e instanceof io.vertx.grpc.client.InvalidStatusException invalid) {
      return new McpGrpcException(invalid.actualStatus(), e.getMessage(), null, null);
    }
    if (e instanceof io.vertx.core.http.StreamResetException) {
      return new McpGrpcException(GrpcStatus.CANCELLED, "Stream reset", null, null);
    }
    return new McpGrpcException(
        GrpcStatus.UNAVAILABLE, String.valueOf(e.getMessage()), null, null, e);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
