package io.trident.transport.grpc;

import com.google.protobuf.Descriptors;
import io.trident.auth.AuthFailure;
import io.trident.auth.Authenticator;
import io.trident.auth.RateLimiter;
import io.trident.auth.StreamGuard;
import io.trident.context.CallerMetadata;
import io.trident.context.Cancellation;
import io.trident.context.ClientCapabilityMissing;
import io.trident.context.ClientRequests;
import io.trident.grpc.v1.CacheHint;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.CompleteRequest;
import io.trident.grpc.v1.GetPromptRequest;
import io.trident.grpc.v1.InitializeRequest;
import io.trident.grpc.v1.InputRequired;
import io.trident.grpc.v1.ListPromptsResponse;
import io.trident.grpc.v1.ListResourceTemplatesResponse;
import io.trident.grpc.v1.ListResourcesResponse;
import io.trident.grpc.v1.ListToolsResponse;
import io.trident.grpc.v1.LogEvent;
import io.trident.grpc.v1.McpGrpcService;
import io.trident.grpc.v1.PingResponse;
import io.trident.grpc.v1.ProgressEvent;
import io.trident.grpc.v1.ReadResourceResponse;
import io.trident.model.ClientCapabilities;
import io.trident.model.CompletionReference;
import io.trident.model.McpException;
import io.trident.model.Page;
import io.trident.observe.Observe;
import io.trident.observe.Outcome;
import io.trident.observe.RequestObservation;
import io.trident.protobuf.StructCodec;
import io.trident.server.LogLevel;
import io.trident.server.McpServer;
import io.trident.server.ModernRequest;
import io.trident.server.ModernServer;
import io.trident.server.ProtocolVersion;
import io.trident.server.StatelessCall;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcError;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The typed RPCs of {@code mcp.v1.Mcp}: each call stands alone (no session), is checked by {@link
 * GrpcCall}, and goes straight to the typed core. Connect, the session stream, is bound here too so
 * that the service is one unit for reflection and health.
 */
final class TypedRpcs implements Service {

  private final McpServer server;
  private final Authenticator authenticator;
  private final Handler<GrpcServerRequest<io.trident.grpc.v1.Envelope, io.trident.grpc.v1.Envelope>>
      connect;
  private final AtomicLong callIds = new AtomicLong();

  /** 2026-07-28 cache hints of typed answers (SPEC.md §11.6, §6.9). */
  private static final CacheHint LIST_CACHE =
      CacheHint.newBuilder().setTtlMs(60_000).setCacheScope("private").build();

  private static final CacheHint READ_CACHE =
      CacheHint.newBuilder().setTtlMs(0).setCacheScope("private").build();

  TypedRpcs(
      McpServer server,
      Authenticator authenticator,
      Handler<GrpcServerRequest<io.trident.grpc.v1.Envelope, io.trident.grpc.v1.Envelope>>
          connect) {
    this.server = server;
    this.authenticator = authenticator;
    this.connect = connect;
  }

  @Override
  public ServiceName name() {
    return McpGrpcService.SERVICE_NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return McpGrpcService.SERVICE_DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer grpc) {
    unary(grpc, McpGrpcService.Initialize, null, null, this::initialize);
    unary(grpc, McpGrpcService.Ping, null, null, (call, req) -> Future.succeededFuture(ping()));
    unary(
        grpc,
        McpGrpcService.ListTools,
        "tools/list",
        null,
        (call, req) -> {
          Page<io.trident.model.ToolInfo> page =
              server.listTools(call.principal(), cursor(req.getCursor()));
          ListToolsResponse.Builder out = ListToolsResponse.newBuilder();
          page.items().forEach(t -> out.addTools(ProtoModel.tool(t)));
          if (call.modern()) {
            out.setCache(LIST_CACHE);
          }
          return Future.succeededFuture(
              out.setNextCursor(ProtoModel.nz(page.nextCursor())).build());
        });
    unary(
        grpc,
        McpGrpcService.ListResources,
        "resources/list",
        null,
        (call, req) -> {
          var page = server.listResources(call.principal(), cursor(req.getCursor()));
          ListResourcesResponse.Builder out = ListResourcesResponse.newBuilder();
          page.items().forEach(r -> out.addResources(ProtoModel.resource(r)));
          if (call.modern()) {
            out.setCache(LIST_CACHE);
          }
          return Future.succeededFuture(
              out.setNextCursor(ProtoModel.nz(page.nextCursor())).build());
        });
    unary(
        grpc,
        McpGrpcService.ListResourceTemplates,
        "resources/templates/list",
        null,
        (call, req) -> {
          var page = server.listResourceTemplates(call.principal(), cursor(req.getCursor()));
          ListResourceTemplatesResponse.Builder out = ListResourceTemplatesResponse.newBuilder();
          page.items().forEach(t -> out.addResourceTemplates(ProtoModel.resourceTemplate(t)));
          if (call.modern()) {
            out.setCache(LIST_CACHE);
          }
          return Future.succeededFuture(
              out.setNextCursor(ProtoModel.nz(page.nextCursor())).build());
        });
    unary(
        grpc,
        McpGrpcService.ListPrompts,
        "prompts/list",
        null,
        (call, req) -> {
          var page = server.listPrompts(call.principal(), cursor(req.getCursor()));
          ListPromptsResponse.Builder out = ListPromptsResponse.newBuilder();
          page.items().forEach(p -> out.addPrompts(ProtoModel.prompt(p)));
          if (call.modern()) {
            out.setCache(LIST_CACHE);
          }
          return Future.succeededFuture(
              out.setNextCursor(ProtoModel.nz(page.nextCursor())).build());
        });
    bindReadResource(grpc);
    bindGetPrompt(grpc);
    unary(grpc, McpGrpcService.Complete, "completion/complete", null, (call, req) -> complete(req));
    grpc.callHandler(McpGrpcService.CallTool, this::callTool);
    grpc.callHandler(McpGrpcService.Connect, connect);
  }

  private Future<io.trident.grpc.v1.InitializeResponse> initialize(
      GrpcCall call, InitializeRequest request) {
    if (request.getProtocolVersion().isEmpty()) {
      return Future.failedFuture(McpException.invalidParams("protocol_version is required"));
    }
    var result =
        server.initialize(
            new io.trident.model.InitializeRequest(
                request.getProtocolVersion(),
                ClientCapabilities.NONE,
                ProtoModel.implementation(request.getClientInfo())));
    server.warmUp();
    return Future.succeededFuture(ProtoModel.initializeResponse(result));
  }

  private static PingResponse ping() {
    return PingResponse.getDefaultInstance();
  }

  private void bindReadResource(GrpcServer grpc) {
    ServiceMethod<io.trident.grpc.v1.ReadResourceRequest, ReadResourceResponse> method =
        McpGrpcService.ReadResource;
    grpc.callHandler(
        method,
        request ->
            withCall(
                request,
                "resources/read",
                req -> req.getUri(),
                (call, req) -> {
                  if (req.getUri().isEmpty()) {
                    return Future.failedFuture(McpException.invalidParams("uri is required"));
                  }
                  StatelessCall work = stateless(request, call, false, null, null, null);
                  return work.run(ctx -> server.readResource(req.getUri(), ctx))
                      .map(
                          result -> {
                            ReadResourceResponse.Builder out = ReadResourceResponse.newBuilder();
                            result
                                .contents()
                                .forEach(c -> out.addContents(ProtoModel.resourceContents(c)));
                            if (call.modern()) {
                              out.setCache(READ_CACHE);
                            }
                            return out.build();
                          })
                      .recover(failure -> Future.failedFuture(inEra(call, failure)));
                }));
  }

  private void bindGetPrompt(GrpcServer grpc) {
    grpc.callHandler(
        McpGrpcService.GetPrompt,
        request ->
            withCall(
                request,
                "prompts/get",
                req -> req.getName(),
                (GrpcCall call, GetPromptRequest req) -> {
                  if (req.getName().isEmpty()) {
                    return Future.failedFuture(McpException.invalidParams("name is required"));
                  }
                  StatelessCall work = stateless(request, call, false, null, null, null);
                  return work.run(
                          ctx -> server.getPrompt(req.getName(), req.getArgumentsMap(), ctx))
                      .map(ProtoModel::getPromptResponse);
                }));
  }

  private Future<io.trident.grpc.v1.CompleteResponse> complete(CompleteRequest req) {
    CompletionReference ref =
        switch (req.getRefCase()) {
          case PROMPT_NAME -> new CompletionReference.Prompt(req.getPromptName());
          case RESOURCE_TEMPLATE_URI ->
              new CompletionReference.ResourceTemplate(req.getResourceTemplateUri());
          case REF_NOT_SET -> null;
        };
    if (ref == null) {
      return Future.failedFuture(
          McpException.invalidParams("ref (prompt_name or resource_template_uri) is required"));
    }
    return server
        .complete(
            new io.trident.model.CompleteRequest(
                ref, req.getArgumentName(), req.getArgumentValue(), req.getContextArgumentsMap()))
        .map(ProtoModel::completeResponse);
  }

  /**
   * CallTool streams progress and log events (only when asked for, and dropped rather than queued
   * without bound when the reader is slow) and ends with exactly one result.
   */
  private void callTool(GrpcServerRequest<CallToolRequest, CallToolEvent> request) {
    // The body's result is the stream's last message; events go out before it.
    withCall(
        request,
        "tools/call",
        req -> req.getName(),
        (call, req) -> {
          GrpcServerResponse<CallToolRequest, CallToolEvent> response = request.response();
          if (req.getName().isEmpty()) {
            return Future.failedFuture(McpException.invalidParams("name is required"));
          }
          String routed = request.headers().get(GrpcCall.TOOL_HEADER);
          if (routed != null && !routed.equals(req.getName())) {
            return Future.failedFuture(
                McpException.invalidParams("mcp-tool metadata does not match the tool name"));
          }
          LogLevel minLevel = null;
          if (!req.getLogLevel().isEmpty()) {
            minLevel = LogLevel.parse(req.getLogLevel()).orElse(null);
            if (minLevel == null) {
              return Future.failedFuture(
                  McpException.invalidParams("Unknown log level: " + req.getLogLevel()));
            }
          }
          ModernServer.Round round = null;
          if (call.modern()) {
            try {
              round =
                  server
                      .modern()
                      .round(
                          call.principal(),
                          "tools/call",
                          req.getName(),
                          req.hasArguments() ? StructCodec.fromStruct(req.getArguments()) : null,
                          ClientCapabilities.fromJson(
                              StructCodec.fromStruct(req.getClientCapabilities())),
                          req.getRequestState().isEmpty() ? null : req.getRequestState(),
                          req.hasInputResponses()
                              ? StructCodec.fromStruct(req.getInputResponses())
                              : null);
            } catch (McpException e) {
              return Future.failedFuture(e);
            }
          }
          ModernServer.Round rounds = round;
          // A long call is a stream: it ends when its credential expires or is revoked.
          StreamGuard guard =
              server.streamGuards().open(call.principal(), server.vertx().getOrCreateContext());
          StatelessCall work =
              stateless(
                  request,
                  call,
                  req.getProgress(),
                  minLevel,
                  rounds,
                  new StatelessCall.Events() {
                    @Override
                    public void progress(double progress, Double total, String message) {
                      ProgressEvent.Builder event =
                          ProgressEvent.newBuilder().setProgress(progress);
                      if (total != null) {
                        event.setTotal(total);
                      }
                      if (message != null) {
                        event.setMessage(message);
                      }
                      offer(guard, response, CallToolEvent.newBuilder().setProgress(event).build());
                    }

                    @Override
                    public void log(LogLevel level, String logger, Object data) {
                      LogEvent.Builder event =
                          LogEvent.newBuilder()
                              .setLevel(level.wire())
                              .setData(StructCodec.toValue(data));
                      if (logger != null) {
                        event.setLogger(logger);
                      }
                      offer(guard, response, CallToolEvent.newBuilder().setLog(event).build());
                    }
                  });
          guard.onEnded(
              why -> {
                // The status goes out first: the cancelled work's own ending then finds it sent.
                McpException error = why.toMcpException();
                GrpcErrors.end(
                    response, GrpcErrors.statusOf(error.code()), error.getMessage(), error);
                work.cancel(Cancellation.Reason.DISCONNECTED);
              });
          return work.run(
                  ctx ->
                      server.callTool(
                          req.getName(),
                          req.hasArguments() ? StructCodec.fromStruct(req.getArguments()) : null,
                          ctx))
              .andThen(ar -> guard.close())
              .transform(
                  ar -> {
                    if (!guard.admits()) {
                      return Future.failedFuture(guard.endedBecause().toMcpException());
                    }
                    if (rounds != null && rounds.needsInput()) {
                      JsonObject needed = rounds.inputRequired();
                      return Future.succeededFuture(
                          CallToolEvent.newBuilder()
                              .setInputRequired(
                                  InputRequired.newBuilder()
                                      .setInputRequests(
                                          StructCodec.toStruct(
                                              needed.getJsonObject("inputRequests")))
                                      .setRequestState(needed.getString("requestState")))
                              .build());
                    }
                    if (ar.failed()) {
                      return Future.failedFuture(inEra(call, ar.cause()));
                    }
                    return Future.succeededFuture(
                        CallToolEvent.newBuilder()
                            .setResult(ProtoModel.callToolResult(ar.result()))
                            .build());
                  });
        });
  }

  /**
   * Events are advisory: under back-pressure they are dropped, the final result never is. Nothing
   * is sent once the call's authorization has ended.
   */
  private static void offer(
      StreamGuard guard, GrpcServerResponse<?, CallToolEvent> response, CallToolEvent event) {
    if (guard.admitMessage() && !response.writeQueueFull()) {
      response.write(event);
    }
  }

  /** A call that can run long: its caller's deadline and disconnect cancel the work. */
  private StatelessCall stateless(
      GrpcServerRequest<?, ?> request,
      GrpcCall call,
      boolean progress,
      LogLevel minLevel,
      ModernServer.Round round,
      StatelessCall.Events events) {
    StatelessCall work =
        new StatelessCall(
            server,
            call.principal(),
            CallerMetadata.of(request.headers()),
            "grpc",
            "grpc-" + callIds.incrementAndGet(),
            call.callerDeadline(),
            progress,
            minLevel,
            events,
            call.modern() ? ModernRequest.VERSION : ProtocolVersion.LATEST.wire(),
            round == null ? ClientRequests.NONE : round.client());
    request.errorHandler(
        error ->
            work.cancel(
                error == GrpcError.CANCELLED
                    ? Cancellation.Reason.CLIENT_CANCELLED
                    : Cancellation.Reason.DISCONNECTED));
    request.exceptionHandler(e -> work.cancel(Cancellation.Reason.DISCONNECTED));
    return work;
  }

  private <Req, Resp> void unary(
      GrpcServer grpc,
      ServiceMethod<Req, Resp> method,
      String mcpMethod,
      Function<Req, String> target,
      BiFunction<GrpcCall, Req, Future<Resp>> body) {
    grpc.callHandler(method, request -> withCall(request, mcpMethod, target, body));
  }

  /**
   * Checks the metadata and the caller, reads the single request message, authorizes it as the MCP
   * method it stands for (with its target: tool, resource or prompt), runs the body, answers or
   * fails.
   *
   * @param mcpMethod the MCP method this RPC is, for authorization; null for none (lifecycle)
   * @param target the request's target (tool or prompt name, resource URI), or null
   */
  private <Req, Resp> void withCall(
      GrpcServerRequest<Req, Resp> request,
      String mcpMethod,
      Function<Req, String> target,
      BiFunction<GrpcCall, Req, Future<Resp>> body) {
    String what = request.methodName();
    // A message over the size limit is dropped by the decoder, so last() would see no message at
    // all: the call is refused here, once, and whatever last() yields afterwards is ignored.
    boolean[] refused = {false};
    RequestObservation[] observed = {null};
    request.invalidMessageHandler(
        invalid -> {
          refused[0] = true;
          GrpcErrors.fail(request.response(), invalid, what);
        });
    // Nothing is read before the caller is known.
    request.pause();
    GrpcCall.of(request, authenticator)
        .compose(
            call -> {
              Future<Req> message = request.last();
              request.resume();
              return message.compose(
                  m -> {
                    String named = target == null ? null : target.apply(m);
                    observed[0] =
                        observe(request, call, mcpMethod == null ? what : mcpMethod, named);
                    AuthFailure denied =
                        mcpMethod == null
                            ? null
                            : server
                                .guard()
                                .checkTarget(call.principal(), "grpc", mcpMethod, named);
                    if (denied != null) {
                      return Future.failedFuture(denied);
                    }
                    // Every typed call counts against its caller's rate limits (SPEC.md §7.8).
                    return server
                        .guard()
                        .limit(
                            call.principal(), "grpc", mcpMethod == null ? what : mcpMethod, named)
                        .compose(
                            permit -> {
                              Future<Resp> done = observed[0].during(() -> body.apply(call, m));
                              if (permit != RateLimiter.Permit.NONE) {
                                done.onComplete(ar -> permit.release());
                              }
                              return done;
                            });
                  });
            })
        .onComplete(
            ar -> {
              if (observed[0] != null) {
                observed[0].end(outcome(ar));
              }
              if (refused[0]) {
                return;
              }
              if (ar.succeeded()) {
                request.response().end(ar.result());
              } else {
                GrpcErrors.fail(request.response(), ar.cause(), what);
              }
            });
  }

  /**
   * A failure in the words of the call's revision: under 2026-07-28 an unknown resource is -32602
   * and a missing client capability -32021 (FAILED_PRECONDITION).
   */
  private static Throwable inEra(GrpcCall call, Throwable failure) {
    if (!call.modern()) {
      return failure;
    }
    if (failure instanceof ClientCapabilityMissing missing) {
      return new McpException(
          ModernRequest.MISSING_CLIENT_CAPABILITY,
          "Missing required client capability: " + missing.capability(),
          new JsonObject()
              .put(
                  "requiredCapabilities",
                  new JsonObject().put(missing.capability(), new JsonObject())));
    }
    if (failure instanceof McpException e && e.code() == McpException.RESOURCE_NOT_FOUND) {
      return new McpException(McpException.INVALID_PARAMS, e.getMessage(), e.data());
    }
    return failure;
  }

  /** Typed RPCs are MCP methods by another name: Initialize is {@code initialize}, and so on. */
  private RequestObservation observe(
      GrpcServerRequest<?, ?> request, GrpcCall call, String method, String target) {
    String mcp =
        switch (method) {
          case "Initialize" -> "initialize";
          case "Ping" -> "ping";
          default -> method;
        };
    return Observe.request(
        server.backend(),
        "grpc",
        mcp,
        target,
        CallerMetadata.of(request.headers()),
        call.modern() ? ModernRequest.VERSION : ProtocolVersion.LATEST.wire(),
        call.principal());
  }

  /** How a typed call ended; a tool result with {@code is_error} is a tool error. */
  private static Outcome outcome(io.vertx.core.AsyncResult<?> ar) {
    if (ar.failed()) {
      return Outcome.ofFailure(ar.cause());
    }
    return ar.result() instanceof CallToolEvent e && e.hasResult() && e.getResult().getIsError()
        ? Outcome.TOOL_ERROR
        : Outcome.OK;
  }

  private static String cursor(String cursor) {
    return cursor.isEmpty() ? null : cursor;
  }
}
