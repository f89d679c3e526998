package io.trident.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.trident.auth.AuthFailure;
import io.trident.auth.Authenticator;
import io.trident.auth.Credentials;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.backend.Tool;
import io.trident.context.Cancellation;
import io.trident.context.Principal;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.Envelope;
import io.trident.grpc.v1.Implementation;
import io.trident.grpc.v1.InitializeRequest;
import io.trident.grpc.v1.InitializeResponse;
import io.trident.grpc.v1.ListToolsRequest;
import io.trident.grpc.v1.ListToolsResponse;
import io.trident.grpc.v1.McpGrpc;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stock gRPC client against Trident: grpc-java (Netty, plaintext h2c) with stubs that protoc's
 * grpc-java plugin generated from src/main/proto, test scope only. What {@link GrpcTransportTest}
 * shows with Trident's own Vert.x client must hold for any client that compiles the contract:
 * statuses, deadlines, cancellation, the {@code mcp-error-code} trailer, Connect, credentials.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcJavaInteropTest {

  private static final long WAIT_MS = 10_000;
  private static final Principal CALLER =
      new Principal("grpc-java-tester", Set.of("*"), "none", Map.of());
  private static final String TOKEN = "let-me-in";
  private static final Metadata.Key<String> MCP_ERROR_CODE =
      Metadata.Key.of("mcp-error-code", Metadata.ASCII_STRING_MARSHALLER);

  private Vertx vertx;
  private Backend backend;
  private ManagedChannel channel;
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** Correlation ids of slow tool calls that started. */
  private final BlockingQueue<Object> started = new LinkedBlockingQueue<>();

  /** Why slow tool calls ended other than by completing. */
  private final BlockingQueue<Cancellation.Reason> cancelled = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    backend = BackendProviders.discover().build(List.of("default"), vertx);
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
    backend.tools().forEach(Tool::compileSchemas);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // --- Fixture ----------------------------------------------------------------------------------

  /** Starts Trident's gRPC transport with {@code authenticator}; {@link #channel} points at it. */
  private void start(Authenticator authenticator) {
    GrpcTransportOptions options = GrpcTransportOptions.defaults().withPort(0);
    ServerOptions server =
        ServerOptions.defaults(io.trident.model.Implementation.of("trident-interop", "1"))
            .withRequestTimeout(Duration.ofSeconds(30));
    GrpcTransport transport =
        new GrpcTransport(
            vertx,
            new McpServer(vertx, backend, server),
            options,
            authenticator,
            GrpcTransport.resourceMetadata(options, () -> 0, authenticator));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    GrpcTransportTest.await(vertx.deployVerticle(verticle));
    channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", verticle.actualPort()).usePlaintext().build();
    channels.add(channel);
  }

  private void start() {
    start(Authenticator.open(CALLER));
  }

  private McpGrpc.McpBlockingStub blocking() {
    return McpGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_MS, TimeUnit.MILLISECONDS);
  }

  private static CallToolRequest call(String tool, String text) {
    Struct.Builder args = Struct.newBuilder();
    if (text != null) {
      args.putFields("text", Value.newBuilder().setStringValue(text).build());
    }
    return CallToolRequest.newBuilder().setName(tool).setArguments(args).build();
  }

  private static List<CallToolEvent> drain(Iterator<CallToolEvent> events) {
    List<CallToolEvent> all = new ArrayList<>();
    events.forEachRemaining(all::add);
    return all;
  }

  private static Status.Code code(Throwable t) {
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) t).getStatus().getCode();
  }

  private static Envelope envelope(JsonObject message) {
    return Envelope.newBuilder().setJson(ByteString.copyFromUtf8(message.encode())).build();
  }

  private static JsonObject json(Envelope envelope) {
    return new JsonObject(envelope.getJson().toStringUtf8());
  }

  // --- Typed RPCs -------------------------------------------------------------------------------

  @Test
  void initializeNegotiatesTheVersion() {
    start();
    InitializeResponse r =
        blocking()
            .initialize(
                InitializeRequest.newBuilder()
                    .setProtocolVersion("2025-06-18")
                    .setClientInfo(
                        Implementation.newBuilder().setName("grpc-java").setVersion("1.70.0"))
                    .build());
    assertThat(r.getProtocolVersion()).isEqualTo("2025-06-18");
    assertThat(r.getServerInfo().getName()).isEqualTo("trident-interop");
    assertThat(r.getCapabilities().getFieldsMap()).containsKey("tools");
  }

  @Test
  void listToolsListsEcho() {
    start();
    ListToolsResponse r = blocking().listTools(ListToolsRequest.getDefaultInstance());
    assertThat(r.getToolsList()).extracting(t -> t.getName()).contains("echo", "slow");
  }

  @Test
  void callToolStreamsOneResultLast() {
    start();
    List<CallToolEvent> events = drain(blocking().callTool(call("echo", "hi from grpc-java")));
    assertThat(events).isNotEmpty();
    CallToolEvent last = events.get(events.size() - 1);
    assertThat(last.hasResult()).isTrue();
    assertThat(last.getResult().getIsError()).isFalse();
    assertThat(last.getResult().getContent(0).getText().getText()).isEqualTo("hi from grpc-java");
  }

  @Test
  void aDeadlineEndsASlowCallWithDeadlineExceededAndCancelsTheTool() throws Exception {
    start();
    long before = System.nanoTime();
    assertThatThrownBy(
            () ->
                drain(
                    McpGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                        .callTool(call("slow", null))))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat((System.nanoTime() - before) / 1_000_000).isLessThan(5_000);
    // The tool is cancelled either way. grpc-java arms its deadline before the server sees
    // grpc-timeout and resets the stream (RST_STREAM CANCEL) when it fires, so the reset usually
    // reaches the server before the server's own timer, which then records a client cancellation.
    assertThat(cancelled.poll(WAIT_MS, TimeUnit.MILLISECONDS))
        .isIn(Cancellation.Reason.DEADLINE_EXCEEDED, Cancellation.Reason.CLIENT_CANCELLED);
  }

  @Test
  void cancellingTheContextCancelsTheRunningTool() throws Exception {
    start();
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    context.run(
        () ->
            McpGrpc.newStub(channel)
                .callTool(
                    call("slow", null),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(CallToolEvent value) {}

                      @Override
                      public void onError(Throwable t) {
                        outcome.complete(t);
                      }

                      @Override
                      public void onCompleted() {
                        outcome.complete(null);
                      }
                    }));
    assertThat(started.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isNotNull();
    context.cancel(null);
    assertThat(code(outcome.get(WAIT_MS, TimeUnit.MILLISECONDS))).isEqualTo(Status.Code.CANCELLED);
    assertThat(cancelled.poll(WAIT_MS, TimeUnit.MILLISECONDS))
        .isEqualTo(Cancellation.Reason.CLIENT_CANCELLED);
  }

  @Test
  void anUnknownToolIsInvalidArgumentWithTheMcpErrorCodeTrailer() {
    start();
    assertThatThrownBy(() -> drain(blocking().callTool(call("no_such_tool", null))))
        .satisfies(
            t -> {
              assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT);
              Metadata trailers = Status.trailersFromThrowable(t);
              assertThat(trailers).isNotNull();
              assertThat(trailers.get(MCP_ERROR_CODE)).isEqualTo("-32602");
            });
  }

  // --- Connect ----------------------------------------------------------------------------------

  @Test
  void connectCarriesASessionUntilTheClientHalfCloses() throws Exception {
    start();
    BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    StreamObserver<Envelope> out =
        McpGrpc.newStub(channel)
            .connect(
                new StreamObserver<>() {
                  @Override
                  public void onNext(Envelope value) {
                    received.add(json(value));
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(null);
                  }
                });
    out.onNext(
        envelope(
            new JsonObject()
                .put("jsonrpc", "2.0")
                .put("id", 1)
                .put("method", "initialize")
                .put(
                    "params",
                    new JsonObject()
                        .put("protocolVersion", "2025-11-25")
                        .put("capabilities", new JsonObject())
                        .put(
                            "clientInfo",
                            new JsonObject().put("name", "grpc-java").put("version", "1")))));
    JsonObject init = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(init).isNotNull();
    assertThat(init.getInteger("id")).isEqualTo(1);
    assertThat(init.getJsonObject("result").getString("protocolVersion")).isEqualTo("2025-11-25");

    out.onNext(
        envelope(
            new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized")));
    out.onNext(
        envelope(new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "tools/list")));
    JsonObject tools = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(tools).isNotNull();
    assertThat(tools.getInteger("id")).isEqualTo(2);
    assertThat(
            tools.getJsonObject("result").getJsonArray("tools").stream()
                .map(t -> ((JsonObject) t).getString("name")))
        .contains("echo");

    out.onCompleted();
    assertThat(ended.get(WAIT_MS, TimeUnit.MILLISECONDS)).isNull(); // onCompleted: status OK
  }

  // --- Credentials ------------------------------------------------------------------------------

  /** Lets in a caller with the bearer token {@link #TOKEN}; nobody else. */
  private static Authenticator bearerOnly() {
    Authenticator open = Authenticator.open(CALLER);
    return new Authenticator() {
      @Override
      public Future<Principal> authenticate(Credentials credentials) {
        if (credentials.bearerToken() == null) {
          return Future.failedFuture(AuthFailure.missing());
        }
        return TOKEN.equals(credentials.bearerToken())
            ? Future.succeededFuture(CALLER)
            : Future.failedFuture(AuthFailure.invalid());
      }

      @Override
      public JsonObject resourceMetadata(String resourceUrl) {
        return open.resourceMetadata(resourceUrl);
      }
    };
  }

  /** grpc-java's way of sending a token on every call: {@code authorization: Bearer ...}. */
  private static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        applier.apply(headers);
      }
    };
  }

  @Test
  void aBearerTokenFromCallCredentialsIsLetInAndNoCredentialsAreUnauthenticated() {
    start(bearerOnly());
    List<CallToolEvent> events =
        drain(blocking().withCallCredentials(bearer(TOKEN)).callTool(call("echo", "authorized")));
    assertThat(events.get(events.size() - 1).getResult().getContent(0).getText().getText())
        .isEqualTo("authorized");

    assertThatThrownBy(() -> drain(blocking().callTool(call("echo", "anonymous"))))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(
            () ->
                blocking()
                    .withCallCredentials(bearer("wrong"))
                    .listTools(ListToolsRequest.getDefaultInstance()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED));
  }
}
