package io.trident.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.Authenticator;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.backend.Tool;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.JsonRpcException;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.trident.context.Cancellation;
import io.trident.context.Principal;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.CallToolResult;
import io.trident.grpc.v1.CompleteRequest;
import io.trident.grpc.v1.Envelope;
import io.trident.grpc.v1.Implementation;
import io.trident.grpc.v1.InitializeResponse;
import io.trident.grpc.v1.ListToolsResponse;
import io.trident.grpc.v1.LogEvent;
import io.trident.grpc.v1.ProgressEvent;
import io.trident.protobuf.StructCodec;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC transport end to end: {@link GrpcTransport} on a real socket, driven by {@link
 * McpGrpcClient} (and, for what a well-behaved client never sends, by a raw gRPC client).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcTransportTest {

  private static final long WAIT_MS = 10_000;
  private static final Principal CALLER =
      new Principal("grpc-tester", Set.of("*"), "none", Map.of());

  private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> HEALTH_CHECK =
      ServiceMethod.client(
          ServiceName.create("grpc.health.v1", "Health"),
          "Check",
          GrpcMessageEncoder.encoder(),
          GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));

  private static final ServiceMethod<ServerReflectionResponse, ServerReflectionRequest> REFLECTION =
      ServiceMethod.client(
          ServiceName.create("grpc.reflection.v1", "ServerReflection"),
          "ServerReflectionInfo",
          GrpcMessageEncoder.encoder(),
          GrpcMessageDecoder.decoder(ServerReflectionResponse.newBuilder()));

  private Vertx vertx;
  private Backend backend;
  private Authenticator authenticator = Authenticator.open(CALLER);
  private SocketAddress address;
  private final List<McpGrpcClient> clients = new ArrayList<>();
  private final List<GrpcClient> rawClients = new ArrayList<>();

  /** Correlation ids of tool calls that started. */
  private final BlockingQueue<Object> started = new LinkedBlockingQueue<>();

  /** Why tool calls were cancelled. */
  private final BlockingQueue<Cancellation.Reason> cancelled = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    backend = BackendProviders.discover().build(List.of("default", "conformance"), vertx);
    backend.addTool(
        Tool.builder("slow")
            .description("runs until cancelled, recording why")
            .handler(
                (args, ctx) -> {
                  ctx.cancellation()
                      .future()
                      .onSuccess(
                          reason -> {
                            if (reason != Cancellation.Reason.COMPLETED) {
                              cancelled.add(reason);
                            }
                          });
                  started.add(ctx.requestId());
                  return ctx.sleep(Duration.ofSeconds(30))
                      .map(v -> io.trident.model.CallToolResult.text("late"));
                })
            .build());
    backend.addTool(
        Tool.builder("chatty")
            .description("logs `rounds` x `perRound` events of `size` characters, then answers")
            .handler(
                (args, ctx) -> {
                  String payload = "x".repeat(args.getInteger("size", 500));
                  int perRound = args.getInteger("perRound", 500);
                  Future<Void> chain = Future.succeededFuture();
                  for (int r = 0; r < args.getInteger("rounds", 40); r++) {
                    chain =
                        chain.compose(
                            v -> {
                              for (int i = 0; i < perRound; i++) {
                                ctx.log().log("info", "chatty", payload);
                              }
                              return ctx.sleep(Duration.ofMillis(5));
                            });
                  }
                  return chain.map(v -> io.trident.model.CallToolResult.text("done"));
                })
            .build());
    backend.tools().forEach(Tool::compileSchemas);
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpGrpcClient::close);
    rawClients.forEach(GrpcClient::close);
  }

  // --- Fixture ----------------------------------------------------------------------------------

  private void start() {
    start(o -> o, s -> s);
  }

  private void start(
      UnaryOperator<GrpcTransportOptions> grpcOptions, UnaryOperator<ServerOptions> serverOptions) {
    GrpcTransportOptions options = grpcOptions.apply(GrpcTransportOptions.defaults().withPort(0));
    ServerOptions server =
        serverOptions.apply(
            ServerOptions.defaults(io.trident.model.Implementation.of("trident-grpc-test", "1"))
                .withRequestTimeout(Duration.ofSeconds(30)));
    GrpcTransport transport =
        new GrpcTransport(
            vertx,
            new McpServer(vertx, backend, server),
            options,
            authenticator,
            GrpcTransport.resourceMetadata(options, () -> 0, authenticator));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    address = SocketAddress.inetSocketAddress(verticle.actualPort(), "127.0.0.1");
  }

  private McpGrpcClient client() {
    return client(new McpGrpcClientOptions());
  }

  private McpGrpcClient client(McpGrpcClientOptions options) {
    McpGrpcClient c = McpGrpcClient.create(vertx, address, options);
    clients.add(c);
    return c;
  }

  private GrpcClient rawClient() {
    GrpcClient c =
        GrpcClient.client(
            vertx,
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    rawClients.add(c);
    return c;
  }

  /** Sends {@code body} as the one message of a call to {@code fullMethod}; returns the status. */
  private RawOutcome raw(String fullMethod, Buffer body) {
    GrpcClientRequest<Buffer, Buffer> request = await(rawClient().request(address));
    request.fullMethodName(fullMethod);
    // Handlers are set on the event loop as the headers arrive (a trailers-only answer ends at
    // once), and attached before the request leaves: this thread is not the event loop, and the
    // whole answer could otherwise come and go before them.
    io.vertx.core.Future<RawOutcome> answered =
        request
            .response()
            .compose(
                response -> {
                  Promise<RawOutcome> outcome = Promise.promise();
                  List<Buffer> messages = new CopyOnWriteArrayList<>();
                  response.handler(messages::add);
                  response.exceptionHandler(outcome::tryFail);
                  response.endHandler(
                      v ->
                          outcome.tryComplete(
                              new RawOutcome(
                                  response.status(), response.statusMessage(), messages)));
                  return outcome.future();
                });
    request.end(body);
    return await(answered);
  }

  private record RawOutcome(GrpcStatus status, String message, List<Buffer> messages) {}

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no outcome within " + WAIT_MS + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The failure of {@code future}, which must fail. */
  static Throwable failure(Future<?> future) {
    try {
      Object value =
          future.toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (CancellationException e) {
      return e; // a future failed with a CancellationException reports it this way

    } catch (TimeoutException e) {
      throw new AssertionError("no outcome within " + WAIT_MS + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static McpGrpcException grpcFailure(Future<?> future) {
    Throwable cause = failure(future);
    assertThat(cause).isInstanceOf(McpGrpcException.class);
    return (McpGrpcException) cause;
  }

  static JsonRpcException rpcFailure(Future<?> future) {
    Throwable cause = failure(future);
    assertThat(cause).isInstanceOf(JsonRpcException.class);
    return (JsonRpcException) cause;
  }

  private static <T> T poll(BlockingQueue<T> queue) throws InterruptedException {
    return queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
  }

  private static String text(CallToolResult result) {
    return result.getContent(0).getText().getText();
  }

  private static Implementation clientInfo() {
    return Implementation.newBuilder().setName("grpc-test").setVersion("1").build();
  }

  // --- Typed RPCs -------------------------------------------------------------------------------

  @Nested
  class Lifecycle {

    @Test
    void initializeNegotiatesTheRequestedVersionAndListsCapabilities() {
      start();
      InitializeResponse r = await(client().initialize("2025-06-18", clientInfo()));
      assertThat(r.getProtocolVersion()).isEqualTo("2025-06-18");
      assertThat(r.getServerInfo().getName()).isEqualTo("trident-grpc-test");
      assertThat(r.getCapabilities().getFieldsMap()).containsKeys("tools", "resources", "prompts");
    }

    @Test
    void initializeWithAnUnknownVersionGetsTheLatest() {
      start();
      InitializeResponse r = await(client().initialize("1999-01-01", clientInfo()));
      assertThat(r.getProtocolVersion()).isEqualTo("2025-11-25");
    }

    @Test
    void initializeWithoutVersionIsInvalidArgument() {
      start();
      McpGrpcException e = grpcFailure(client().initialize("", clientInfo()));
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(e.mcpCode()).isEqualTo(-32602);
    }

    @Test
    void pingAnswers() {
      start();
      await(client().ping());
    }

    @Test
    void unsupportedProtocolVersionMetadataIsInvalidArgument() {
      start();
      McpGrpcClient c = client(new McpGrpcClientOptions().setProtocolVersion("1999-01-01"));
      McpGrpcException e = grpcFailure(c.ping());
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(e.mcpCode()).isEqualTo(-32602);
      assertThat(e.getMessage()).contains("1999-01-01");
    }

    @Test
    void missingProtocolVersionMetadataMeansTheLatest() {
      start();
      await(client(new McpGrpcClientOptions().setProtocolVersion(null)).ping());
    }

    @Test
    void authDiscoveryReturnsTheProtectedResourceMetadata() {
      start();
      var metadata = await(client().authMetadata());
      assertThat(metadata.getResourceName()).isEqualTo("Trident");
      assertThat(metadata.getBearerMethodsSupportedList()).containsExactly("header");
      assertThat(metadata.getDocument().getFieldsMap()).containsKey("resource");
    }
  }

  @Nested
  class Tools {

    @Test
    void listToolsListsEveryTool() {
      start();
      ListToolsResponse page = await(client().listTools(null));
      assertThat(page.getToolsList())
          .extracting(io.trident.grpc.v1.Tool::getName)
          .contains("echo", "whoami", "simulate_work", "test_sampling", "slow");
      assertThat(page.getNextCursor()).isEmpty();
      io.trident.grpc.v1.Tool echo =
          page.getToolsList().stream().filter(t -> t.getName().equals("echo")).findFirst().get();
      assertThat(echo.getInputSchema().getFieldsMap()).containsKey("properties");
      assertThat(echo.getAnnotations().getReadOnlyHint()).isTrue();
    }

    @Test
    void listToolsPagesWithTheServersPageSize() {
      start(o -> o, s -> s.withPageSize(2));
      McpGrpcClient c = client();
      List<String> names = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        ListToolsResponse page = await(c.listTools(cursor));
        assertThat(page.getToolsCount()).isLessThanOrEqualTo(2);
        page.getToolsList().forEach(t -> names.add(t.getName()));
        cursor = page.getNextCursor().isEmpty() ? null : page.getNextCursor();
        pages++;
      } while (cursor != null);
      assertThat(pages).isGreaterThan(1);
      assertThat(names).doesNotHaveDuplicates().hasSize(backend.tools().size());
    }

    @Test
    void callToolReturnsTheResult() {
      start();
      CallToolResult r = await(client().callTool("echo", new JsonObject().put("text", "hi")));
      assertThat(text(r)).isEqualTo("hi");
      assertThat(r.getIsError()).isFalse();
    }

    @Test
    void callToolCarriesStructuredContent() {
      start();
      CallToolResult r = await(client().callTool("whoami", new JsonObject()));
      JsonObject me = StructCodec.fromStruct(r.getStructuredContent());
      assertThat(me.getString("subject")).isEqualTo("grpc-tester");
      assertThat(me.getString("transport")).isEqualTo("grpc");
    }

    @Test
    void badArgumentsAreAToolErrorNotAFailedCall() {
      start();
      CallToolResult r = await(client().callTool("echo", new JsonObject().put("text", 42)));
      assertThat(r.getIsError()).isTrue();
    }

    @Test
    void unknownToolIsInvalidArgument() {
      start();
      McpGrpcException e = grpcFailure(client().callTool("no_such_tool", new JsonObject()));
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(e.mcpCode()).isEqualTo(-32602);
    }

    @Test
    void progressEventsArriveStrictlyIncreasingBeforeTheResult() {
      start();
      List<ProgressEvent> events = new CopyOnWriteArrayList<>();
      CallToolResult r =
          await(
              client()
                  .callTool(
                      "simulate_work",
                      new JsonObject().put("seconds", 0.2).put("steps", 5),
                      new CallOptions().setProgressHandler(events::add)));
      assertThat(text(r)).startsWith("Completed 5 steps");
      assertThat(events).hasSize(5);
      for (int i = 1; i < events.size(); i++) {
        assertThat(events.get(i).getProgress()).isGreaterThan(events.get(i - 1).getProgress());
      }
      assertThat(events.get(4).getTotal()).isEqualTo(5.0);
    }

    @Test
    void noProgressEventsUnlessAskedFor() {
      start();
      List<CallToolEvent> events = new CopyOnWriteArrayList<>();
      GrpcClientRequest<CallToolRequest, CallToolEvent> request =
          await(rawClient().request(address, io.trident.grpc.v1.McpGrpcClient.CallTool));
      Future<Void> ended =
          request
              .response()
              .compose(
                  response -> {
                    response.handler(events::add);
                    return response.end();
                  });
      request.end(
          CallToolRequest.newBuilder()
              .setName("simulate_work")
              .setArguments(
                  StructCodec.toStruct(new JsonObject().put("seconds", 0.1).put("steps", 3)))
              .build());
      await(ended);
      assertThat(events).hasSize(1);
      assertThat(events.get(0).hasResult()).isTrue();
    }

    @Test
    void logEventsAtOrAboveTheRequestedLevelAreStreamed() {
      start();
      List<LogEvent> logs = new CopyOnWriteArrayList<>();
      CallToolResult r =
          await(
              client()
                  .callTool(
                      "test_tool_with_logging",
                      new JsonObject(),
                      new CallOptions().setLogHandler("info", logs::add)));
      assertThat(text(r)).contains("executed successfully");
      assertThat(logs).extracting(LogEvent::getLevel).containsOnly("info").hasSize(3);
      assertThat(logs.get(0).getData().getStringValue()).isEqualTo("Tool execution started");
    }

    @Test
    void logEventsBelowTheRequestedLevelAreNot() {
      start();
      List<LogEvent> logs = new CopyOnWriteArrayList<>();
      await(
          client()
              .callTool(
                  "test_tool_with_logging",
                  new JsonObject(),
                  new CallOptions().setLogHandler("error", logs::add)));
      assertThat(logs).isEmpty();
    }

    @Test
    void unknownLogLevelIsInvalidArgument() {
      start();
      McpGrpcException e =
          grpcFailure(
              client()
                  .callTool(
                      "echo",
                      new JsonObject().put("text", "x"),
                      new CallOptions().setLogHandler("loud", l -> {})));
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    }

    @Test
    void clientCancellationCancelsTheRunningTool() throws Exception {
      start();
      Promise<Void> cancel = Promise.promise();
      Future<CallToolResult> call =
          client()
              .callTool(
                  "slow", new JsonObject(), new CallOptions().setCancellation(cancel.future()));
      assertThat(poll(started)).isNotNull();
      cancel.complete();
      assertThat(grpcFailure(call).status()).isEqualTo(GrpcStatus.CANCELLED);
      assertThat(poll(cancelled)).isEqualTo(Cancellation.Reason.CLIENT_CANCELLED);
    }

    @Test
    void deadlineExpiryEndsTheCallAndCancelsTheTool() throws Exception {
      start();
      long before = System.nanoTime();
      Future<CallToolResult> call =
          client()
              .callTool(
                  "slow", new JsonObject(), new CallOptions().setTimeout(Duration.ofMillis(300)));
      McpGrpcException e = grpcFailure(call);
      assertThat(e.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
      assertThat(e.getMessage()).doesNotContain("No answer within"); // the server's status
      assertThat((System.nanoTime() - before) / 1_000_000).isLessThan(1_000);
      assertThat(poll(cancelled)).isEqualTo(Cancellation.Reason.DEADLINE_EXCEEDED);
    }

    @Test
    void theClientsDefaultTimeoutAppliesToEveryCall() throws Exception {
      start();
      McpGrpcClient c = client(new McpGrpcClientOptions().setTimeout(Duration.ofMillis(300)));
      assertThat(grpcFailure(c.callTool("slow", new JsonObject())).status())
          .isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
      assertThat(poll(cancelled)).isEqualTo(Cancellation.Reason.DEADLINE_EXCEEDED);
    }

    @Test
    void theToolSeesTheCallersDeadline() {
      start();
      CallToolResult r =
          await(
              client()
                  .callTool(
                      "whoami",
                      new JsonObject(),
                      new CallOptions().setTimeout(Duration.ofSeconds(2))));
      long remaining =
          StructCodec.fromStruct(r.getStructuredContent()).getLong("deadlineRemainingMs");
      assertThat(remaining).isBetween(1L, 2_000L);
    }

    @Test
    void matchingToolMetadataIsAccepted() {
      start();
      CallToolResult r =
          await(
              client()
                  .callTool(
                      "echo",
                      new JsonObject().put("text", "routed"),
                      new CallOptions().addMetadata("mcp-tool", "echo")));
      assertThat(text(r)).isEqualTo("routed");
    }

    @Test
    void toolMetadataThatDoesNotMatchTheNameIsInvalidArgument() {
      start();
      McpGrpcException e =
          grpcFailure(
              client()
                  .callTool(
                      "echo",
                      new JsonObject().put("text", "x"),
                      new CallOptions().addMetadata("mcp-tool", "whoami")));
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(e.mcpCode()).isEqualTo(-32602);
    }

    @Test
    void aSlowReaderDoesNotBreakTheCallAndStillGetsTheResult() throws Exception {
      start();
      GrpcClientRequest<CallToolRequest, CallToolEvent> request =
          await(rawClient().request(address, io.trident.grpc.v1.McpGrpcClient.CallTool));
      request.end(
          CallToolRequest.newBuilder()
              .setName("chatty")
              .setLogLevel("info")
              .setArguments(
                  StructCodec.toStruct(
                      new JsonObject().put("rounds", 40).put("perRound", 500).put("size", 500)))
              .build());
      AtomicInteger logs = new AtomicInteger();
      List<CallToolEvent> results = new CopyOnWriteArrayList<>();
      GrpcClientResponse<CallToolRequest, CallToolEvent> response =
          await(request.response().onSuccess(GrpcClientResponse::pause));
      response.handler(
          e -> {
            if (e.hasLog()) {
              logs.incrementAndGet();
            } else {
              results.add(e);
            }
          });
      Thread.sleep(1_500); // the tool emits 20,000 events (10 MB) while nobody reads
      response.resume();
      await(response.end());
      assertThat(response.status()).isEqualTo(GrpcStatus.OK);
      assertThat(results).hasSize(1);
      assertThat(text(results.get(0).getResult())).isEqualTo("done");
      assertThat(logs.get()).as("events dropped under back-pressure").isLessThan(20_000);
      await(client().ping());
    }
  }

  @Nested
  class Resources {

    @Test
    void listResourcesListsTheServerInfo() {
      start();
      var page = await(client().listResources(null));
      assertThat(page.getResourcesList())
          .extracting(io.trident.grpc.v1.Resource::getUri)
          .contains("trident://server/info");
    }

    @Test
    void readResourceReturnsItsContents() {
      start();
      var r = await(client().readResource("trident://server/info"));
      assertThat(r.getContents(0).getMimeType()).isEqualTo("application/json");
      assertThat(new JsonObject(r.getContents(0).getText()).getString("name")).isEqualTo("trident");
    }

    @Test
    void readResourceThroughATemplate() {
      start();
      var r = await(client().readResource("trident://echo/hello"));
      assertThat(r.getContents(0).getText()).isEqualTo("hello");
    }

    @Test
    void unknownResourceIsNotFound() {
      start();
      McpGrpcException e = grpcFailure(client().readResource("trident://nothing/here"));
      assertThat(e.status()).isEqualTo(GrpcStatus.NOT_FOUND);
      assertThat(e.mcpCode()).isEqualTo(-32002);
    }

    @Test
    void listResourceTemplatesListsTheEchoTemplate() {
      start();
      var page = await(client().listResourceTemplates(null));
      assertThat(page.getResourceTemplatesList())
          .extracting(io.trident.grpc.v1.ResourceTemplate::getUriTemplate)
          .contains("trident://echo/{text}");
    }
  }

  @Nested
  class Prompts {

    @Test
    void listPromptsListsSummarize() {
      start();
      var page = await(client().listPrompts(null));
      var summarize =
          page.getPromptsList().stream()
              .filter(p -> p.getName().equals("summarize"))
              .findFirst()
              .orElseThrow();
      assertThat(summarize.getArgumentsList())
          .extracting(io.trident.grpc.v1.PromptArgument::getName)
          .containsExactly("text", "style");
    }

    @Test
    void getPromptFillsInTheArguments() {
      start();
      var r = await(client().getPrompt("summarize", Map.of("text", "abc", "style", "detailed")));
      assertThat(r.getDescription()).contains("detailed");
      assertThat(r.getMessages(0).getRole()).isEqualTo("user");
      assertThat(r.getMessages(0).getContent().getText().getText()).contains("abc");
    }

    @Test
    void getPromptWithoutARequiredArgumentIsInvalidArgument() {
      start();
      McpGrpcException e = grpcFailure(client().getPrompt("summarize", Map.of()));
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(e.mcpCode()).isEqualTo(-32602);
    }

    @Test
    void completeSuggestsArgumentValues() {
      start();
      var r =
          await(
              client()
                  .complete(
                      CompleteRequest.newBuilder()
                          .setPromptName("summarize")
                          .setArgumentName("style")
                          .setArgumentValue("b")
                          .build()));
      assertThat(r.getValuesList()).containsExactly("brief", "bullet-points");
    }

    @Test
    void completeWithoutAReferenceIsInvalidArgument() {
      start();
      McpGrpcException e =
          grpcFailure(client().complete(CompleteRequest.newBuilder().setArgumentName("x").build()));
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    }
  }

  @Nested
  class Wire {

    @Test
    void healthCheckReportsServing() {
      start();
      for (String service : List.of("", "mcp.v1.Mcp")) {
        GrpcClientRequest<HealthCheckRequest, HealthCheckResponse> request =
            await(rawClient().request(address, HEALTH_CHECK));
        Future<HealthCheckResponse> answered = request.response().compose(GrpcClientResponse::last);
        request.end(HealthCheckRequest.newBuilder().setService(service).build());
        HealthCheckResponse r = await(answered);
        assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      }
    }

    @Test
    void reflectionIsAbsentByDefault() {
      start();
      RawOutcome r =
          raw("grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Buffer.buffer());
      assertThat(r.status()).isEqualTo(GrpcStatus.UNIMPLEMENTED);
    }

    @Test
    void reflectionListsTheServicesWhenEnabled() {
      start(
          o ->
              new GrpcTransportOptions(
                  o.host(), o.port(), o.maxMessageBytes(), true, null, null, null, false),
          s -> s);
      GrpcClientRequest<ServerReflectionRequest, ServerReflectionResponse> request =
          await(rawClient().request(address, REFLECTION));
      Future<ServerReflectionResponse> answered =
          request.response().compose(GrpcClientResponse::last);
      request.end(ServerReflectionRequest.newBuilder().setListServices("").build());
      ServerReflectionResponse r = await(answered);
      assertThat(r.getListServicesResponse().getServiceList())
          .extracting(s -> s.getName())
          .contains("mcp.v1.Mcp", "mcp.v1.AuthDiscovery");
    }

    @Test
    void unknownMethodIsUnimplemented() {
      start();
      assertThat(raw("mcp.v1.Mcp/NoSuchMethod", Buffer.buffer()).status())
          .isEqualTo(GrpcStatus.UNIMPLEMENTED);
      assertThat(raw("no.such.Service/Call", Buffer.buffer()).status())
          .isEqualTo(GrpcStatus.UNIMPLEMENTED);
    }

    @Test
    void malformedProtobufIsInvalidArgumentAndTheServerServesOn() {
      start();
      RawOutcome r =
          raw("mcp.v1.Mcp/ListTools", Buffer.buffer(new byte[] {(byte) 0xff, (byte) 0xff, 0x0f}));
      assertThat(r.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(r.message()).isEqualTo("Malformed request message");
      assertThat(r.messages()).isEmpty();
      await(client().ping());
    }

    @Test
    void aMessageOverTheLimitIsResourceExhaustedAndTheServerServesOn() {
      start(
          o -> new GrpcTransportOptions(o.host(), o.port(), 1024, false, null, null, null, false),
          s -> s);
      McpGrpcClient c = client();
      McpGrpcException e =
          grpcFailure(c.callTool("echo", new JsonObject().put("text", "x".repeat(4096))));
      assertThat(e.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
      assertThat(text(await(c.callTool("echo", new JsonObject().put("text", "small")))))
          .isEqualTo("small");
    }
  }

  @Nested
  class Credentials {

    @Test
    void metadataFromTheClientOptionsAndTheCallReachTheServer() {
      authenticator =
          new Authenticator() {
            @Override
            public Future<Principal> authenticate(io.trident.auth.Credentials credentials) {
              return Future.succeededFuture(
                  new Principal(
                      credentials.bearerToken() + " / " + credentials.apiKey(),
                      Set.of("*"),
                      "test",
                      Map.of()));
            }

            @Override
            public JsonObject resourceMetadata(String resourceUrl) {
              return new JsonObject().put("resource", resourceUrl);
            }
          };
      start();
      McpGrpcClient c = client(new McpGrpcClientOptions().setBearerToken("t0ken"));
      CallToolResult r =
          await(
              c.callTool(
                  "whoami",
                  new JsonObject(),
                  new CallOptions().addMetadata("X-MCP-API-Key", "k1")));
      assertThat(StructCodec.fromStruct(r.getStructuredContent()).getString("subject"))
          .isEqualTo("t0ken / k1");
    }
  }

  @Nested
  class Tls {

    @TempDir Path dir;
    private Path cert;

    private void startTls() throws Exception {
      Path key = dir.resolve("key.pem");
      cert = dir.resolve("cert.pem");
      Process openssl =
          new ProcessBuilder(
                  "openssl",
                  "req",
                  "-x509",
                  "-newkey",
                  "ec",
                  "-pkeyopt",
                  "ec_paramgen_curve:prime256v1",
                  "-nodes",
                  "-keyout",
                  key.toString(),
                  "-out",
                  cert.toString(),
                  "-days",
                  "1",
                  "-subj",
                  "/CN=localhost",
                  "-addext",
                  "subjectAltName=IP:127.0.0.1,DNS:localhost")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("openssl.log").toFile())
              .start();
      assertThat(openssl.waitFor(15, TimeUnit.SECONDS)).isTrue();
      assertThat(openssl.exitValue())
          .as("openssl: %s", Files.readString(dir.resolve("openssl.log")))
          .isZero();
      start(
          o ->
              new GrpcTransportOptions(
                  o.host(),
                  o.port(),
                  o.maxMessageBytes(),
                  false,
                  cert.toString(),
                  key.toString(),
                  null,
                  false),
          s -> s);
    }

    @Test
    void aClientTrustingTheServersCertificateCalls() throws Exception {
      startTls();
      McpGrpcClient c = client(new McpGrpcClientOptions().setTrustPemPath(cert.toString()));
      assertThat(text(await(c.callTool("echo", new JsonObject().put("text", "tls")))))
          .isEqualTo("tls");
    }

    @Test
    void aTrustAllClientCalls() throws Exception {
      startTls();
      await(client(new McpGrpcClientOptions().setTrustAll(true)).ping());
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFails() throws Exception {
      startTls();
      McpGrpcClient c = client(new McpGrpcClientOptions().setSsl(true));
      assertThat(grpcFailure(c.ping()).status()).isEqualTo(GrpcStatus.UNAVAILABLE);
    }
  }

  // --- Connect ----------------------------------------------------------------------------------

  @Nested
  class Connect {

    private ConnectSession open(McpGrpcClient c) {
      return await(c.connect());
    }

    private JsonObject initialize(ConnectSession session, JsonObject capabilities) {
      return await(
          session.initialize(
              "2025-11-25",
              new JsonObject().put("name", "grpc-test").put("version", "1"),
              capabilities));
    }

    @Test
    void aSessionListsAndCallsToolsAndAnswersSamplingOnTheSameStream() {
      start();
      ConnectSession session = open(client());
      session.onRequest(
          "sampling/createMessage",
          params ->
              Future.succeededFuture(
                  new JsonObject()
                      .put("role", "assistant")
                      .put("model", "test-model")
                      .put(
                          "content",
                          new JsonObject().put("type", "text").put("text", "sampled hello"))));
      JsonObject init = initialize(session, new JsonObject().put("sampling", new JsonObject()));
      assertThat(init.getString("protocolVersion")).isEqualTo("2025-11-25");
      assertThat(session.sessionId()).matches("[0-9a-f]{32}");

      JsonObject tools = await(session.request("tools/list", null));
      assertThat(tools.getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")))
          .contains("test_sampling", "echo");

      JsonObject result =
          await(
              session.request(
                  "tools/call",
                  new JsonObject()
                      .put("name", "test_sampling")
                      .put("arguments", new JsonObject().put("prompt", "say hello"))));
      assertThat(result.getJsonArray("content").getJsonObject(0).getString("text"))
          .isEqualTo("LLM response: sampled hello");
      await(session.close());
    }

    @Test
    void unknownMethodIsAJsonRpcErrorAndTheSessionGoesOn() {
      start();
      ConnectSession session = open(client());
      initialize(session, null);
      assertThat(rpcFailure(session.request("no/such", null)).code()).isEqualTo(-32601);
      await(session.request("ping", null));
    }

    @Test
    void aMalformedEnvelopeGetsAParseErrorAndTheStreamStaysUsable() throws Exception {
      start();
      ConnectSession session = open(client());
      BlockingQueue<JsonObject> unmatched = new LinkedBlockingQueue<>();
      session.messageHandler(unmatched::add);
      initialize(session, null);
      await(session.send(Buffer.buffer("this is not json")));
      JsonObject error = poll(unmatched);
      assertThat(error).isNotNull();
      assertThat(error.getValue("id")).isNull();
      assertThat(error.getJsonObject("error").getInteger("code")).isEqualTo(-32700);
      await(session.request("ping", null));
    }

    @Test
    void aBatchIsRefusedWithInvalidRequest() throws Exception {
      start();
      ConnectSession session = open(client());
      BlockingQueue<JsonObject> unmatched = new LinkedBlockingQueue<>();
      session.messageHandler(unmatched::add);
      initialize(session, null);
      JsonArray batch =
          new JsonArray()
              .add(new JsonObject().put("jsonrpc", "2.0").put("id", 900).put("method", "ping"));
      await(session.send(batch.toBuffer()));
      JsonObject error = poll(unmatched);
      assertThat(error.getJsonObject("error").getInteger("code")).isEqualTo(-32600);
      await(session.request("ping", null));
    }

    @Test
    void notificationsCancelledCancelsARunningCall() throws Exception {
      start();
      ConnectSession session = open(client());
      initialize(session, null);
      Promise<Void> cancel = Promise.promise();
      Future<JsonObject> call =
          session.request("tools/call", new JsonObject().put("name", "slow"), cancel.future());
      assertThat(poll(started)).isNotNull();
      cancel.complete();
      assertThat(failure(call)).isInstanceOf(CancellationException.class);
      assertThat(poll(cancelled)).isEqualTo(Cancellation.Reason.CLIENT_CANCELLED);
      await(session.request("ping", null));
    }

    @Test
    void halfCloseEndsTheStreamOkAfterTheAnswers() {
      start();
      ConnectSession session = open(client());
      initialize(session, null);
      Future<JsonObject> work =
          session.request(
              "tools/call",
              new JsonObject()
                  .put("name", "simulate_work")
                  .put("arguments", new JsonObject().put("seconds", 0.3).put("steps", 3)));
      Future<Void> ended = session.close();
      assertThat(await(work).getJsonArray("content").getJsonObject(0).getString("text"))
          .startsWith("Completed 3 steps");
      await(ended);
    }

    @Test
    void resettingTheStreamCancelsTheSessionsWork() throws Exception {
      start();
      ConnectSession session = open(client());
      initialize(session, null);
      session.request("tools/call", new JsonObject().put("name", "slow"));
      assertThat(poll(started)).isNotNull();
      session.cancel();
      assertThat(poll(cancelled))
          .isIn(Cancellation.Reason.CLIENT_CANCELLED, Cancellation.Reason.DISCONNECTED);
    }

    @Test
    void theStreamsDeadlineEndsItWithDeadlineExceeded() throws Exception {
      start();
      ConnectSession session =
          await(client().connect(new CallOptions().setTimeout(Duration.ofMillis(500))));
      initialize(session, null);
      Future<JsonObject> call = session.request("tools/call", new JsonObject().put("name", "slow"));
      McpGrpcException e = grpcFailure(session.ended());
      assertThat(e.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
      assertThat(call.failed()).isTrue();
      assertThat(poll(cancelled)).isNotNull();
    }

    @Test
    void aMalformedEnvelopeMessageEndsTheStreamWithInvalidArgument() {
      start();
      RawOutcome r = raw("mcp.v1.Mcp/Connect", Buffer.buffer(new byte[] {(byte) 0xff, 0x0f}));
      assertThat(r.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      await(client().ping());
    }

    @Test
    void aSlowReaderMissesLogNotificationsButGetsItsAnswer() throws Exception {
      start();
      GrpcClientRequest<Envelope, Envelope> request =
          await(rawClient().request(address, io.trident.grpc.v1.McpGrpcClient.Connect));
      AtomicInteger logs = new AtomicInteger();
      List<JsonObject> answers = new CopyOnWriteArrayList<>();
      Future<GrpcClientResponse<Envelope, Envelope>> response =
          request
              .response()
              .onSuccess(
                  r -> {
                    r.pause();
                    r.handler(
                        e -> {
                          JsonObject m = new JsonObject(e.getJson().toStringUtf8());
                          if ("notifications/message".equals(m.getString("method"))) {
                            logs.incrementAndGet();
                          } else {
                            answers.add(m);
                          }
                        });
                  });
      JsonObject init =
          new JsonObject()
              .put("protocolVersion", "2025-11-25")
              .put("capabilities", new JsonObject())
              .put("clientInfo", new JsonObject().put("name", "slow").put("version", "1"));
      for (JsonObject m :
          List.of(
              rpc(1, "initialize", init),
              new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"),
              rpc(2, "logging/setLevel", new JsonObject().put("level", "info")),
              rpc(
                  3,
                  "tools/call",
                  new JsonObject()
                      .put("name", "chatty")
                      .put(
                          "arguments",
                          new JsonObject()
                              .put("rounds", 40)
                              .put("perRound", 500)
                              .put("size", 500))))) {
        request.write(
            Envelope.newBuilder()
                .setJson(com.google.protobuf.ByteString.copyFromUtf8(m.encode()))
                .build());
      }
      request.end();
      GrpcClientResponse<Envelope, Envelope> r = await(response);
      Thread.sleep(1_500); // the tool logs 20,000 notifications (10 MB) while nobody reads
      r.resume();
      await(r.end());
      assertThat(answers).extracting(a -> a.getValue("id")).containsExactly(1, 2, 3);
      JsonObject content =
          answers.get(2).getJsonObject("result").getJsonArray("content").getJsonObject(0);
      assertThat(content.getString("text")).isEqualTo("done");
      assertThat(logs.get()).as("notifications dropped under back-pressure").isLessThan(20_000);
    }

    private static JsonObject rpc(int id, String method, JsonObject params) {
      return new JsonObject()
          .put("jsonrpc", "2.0")
          .put("id", id)
          .put("method", method)
          .put("params", params);
    }

    @Test
    void gzipCompressedEnvelopesAreAccepted() {
      start();
      GrpcClientRequest<Envelope, Envelope> request =
          await(rawClient().request(address, io.trident.grpc.v1.McpGrpcClient.Connect));
      request.encoding("gzip");
      // The answer's handler is in place before the request leaves: this thread is not the event
      // loop, and the whole answer can arrive before a handler added after end() would be.
      io.vertx.core.Future<List<Envelope>> answered =
          request
              .response()
              .compose(
                  response -> {
                    List<Envelope> received = new CopyOnWriteArrayList<>();
                    response.handler(received::add);
                    return response.end().map(v -> received);
                  });
      JsonObject ping = new JsonObject().put("jsonrpc", "2.0").put("id", 7).put("method", "ping");
      request.end(
          Envelope.newBuilder()
              .setJson(com.google.protobuf.ByteString.copyFromUtf8(ping.encode()))
              .build());
      List<Envelope> answers = await(answered);
      assertThat(answers).hasSize(1);
      JsonObject answer = new JsonObject(answers.get(0).getJson().toStringUtf8());
      assertThat(answer.getValue("id")).isEqualTo(7);
      assertThat(answer.containsKey("result")).isTrue();
    }

    @Test
    void anEnvelopeOverTheLimitEndsTheStreamWithResourceExhausted() {
      start(
          o -> new GrpcTransportOptions(o.host(), o.port(), 1024, false, null, null, null, false),
          s -> s);
      ConnectSession session = open(client());
      initialize(session, null);
      Future<JsonObject> big =
          session.request(
              "tools/call",
              new JsonObject()
                  .put("name", "echo")
                  .put("arguments", new JsonObject().put("text", "x".repeat(4096))));
      assertThat(grpcFailure(session.ended()).status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
      assertThat(big.failed()).isTrue();
      await(client().ping());
    }

    @Test
    void unsupportedProtocolVersionMetadataFailsTheStream() {
      start();
      McpGrpcClient c = client(new McpGrpcClientOptions().setProtocolVersion("1999-01-01"));
      ConnectSession session = open(c);
      session.request("ping", null);
      McpGrpcException e = grpcFailure(session.ended());
      assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(e.mcpCode()).isEqualTo(-32602);
    }
  }
}
