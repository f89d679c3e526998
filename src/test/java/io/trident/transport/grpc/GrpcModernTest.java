package io.trident.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.auth.Authenticator;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.trident.context.Principal;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.protobuf.StructCodec;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The 2026-07-28 revision over gRPC (SPEC.md §6.9): typed RPCs choose it by their {@code
 * mcp-protocol-version} metadata (new proto fields carry cache hints and input_required), and a
 * {@code Connect} stream serves 2026 envelopes (by their {@code _meta}) without initialize.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class GrpcModernTest {

  private static final String V = "2026-07-28";
  private static final CallOptions MODERN =
      new CallOptions().addMetadata("mcp-protocol-version", V);

  private Vertx vertx;
  private Backend backend;
  private McpGrpcClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    backend = BackendProviders.discover().build(List.of("default", "conformance"), vertx);
    GrpcTransportOptions options = GrpcTransportOptions.defaults().withPort(0);
    Authenticator open =
        Authenticator.open(new Principal("grpc-user", Set.of("*"), "none", Map.of()));
    GrpcTransport transport =
        new GrpcTransport(
            vertx,
            new McpServer(
                vertx,
                backend,
                ServerOptions.defaults(
                    io.trident.model.Implementation.of("trident-grpc-test", "1"))),
            options,
            open,
            GrpcTransport.resourceMetadata(options, () -> 0, open));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    client =
        McpGrpcClient.create(
            vertx,
            SocketAddress.inetSocketAddress(verticle.actualPort(), "127.0.0.1"),
            new McpGrpcClientOptions());
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  static <T> T await(Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }

  private static JsonObject meta(JsonObject capabilities) {
    return new JsonObject()
        .put("io.modelcontextprotocol/protocolVersion", V)
        .put("io.modelcontextprotocol/clientCapabilities", capabilities);
  }

  @Test
  void typedCallsChooseTheRevisionByMetadata() {
    assertThat(await(client.listTools(null)).hasCache()).isFalse();
    var modern = await(client.listTools(null, MODERN));
    assertThat(modern.getCache().getCacheScope()).isEqualTo("private");
    assertThat(modern.getCache().getTtlMs()).isNotNegative();
    // Resource not found: NOT_FOUND (-32002) for 2025, INVALID_ARGUMENT (-32602) for 2026.
    assertThatThrownBy(() -> await(client.readResource("test://none")))
        .hasCauseInstanceOf(McpGrpcException.class)
        .cause()
        .satisfies(
            e -> assertThat(((McpGrpcException) e).status()).isEqualTo(GrpcStatus.NOT_FOUND));
    assertThatThrownBy(() -> await(client.readResource("test://none", MODERN)))
        .cause()
        .satisfies(
            e ->
                assertThat(((McpGrpcException) e).status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT));
  }

  @Test
  void typedCallToolRoundTripsInputRequired() {
    CallToolRequest first =
        CallToolRequest.newBuilder()
            .setName("test_input_required_result_elicitation")
            .setClientCapabilities(
                StructCodec.toStruct(new JsonObject().put("elicitation", new JsonObject())))
            .build();
    CallToolEvent asked = await(client.callToolEvent(first, MODERN));
    assertThat(asked.hasInputRequired()).isTrue();
    JsonObject requests = StructCodec.fromStruct(asked.getInputRequired().getInputRequests());
    assertThat(requests.getJsonObject("user_name").getString("method"))
        .isEqualTo("elicitation/create");
    JsonObject answer =
        new JsonObject()
            .put(
                "user_name",
                new JsonObject()
                    .put("action", "accept")
                    .put("content", new JsonObject().put("name", "Grace")));
    CallToolEvent done =
        await(
            client.callToolEvent(
                first.toBuilder()
                    .setInputResponses(StructCodec.toStruct(answer))
                    .setRequestState(asked.getInputRequired().getRequestState())
                    .build(),
                MODERN));
    assertThat(done.getResult().getContent(0).getText().getText()).isEqualTo("Hello, Grace!");
    // The same state again: refused.
    assertThatThrownBy(
            () ->
                await(
                    client.callToolEvent(
                        first.toBuilder()
                            .setInputResponses(StructCodec.toStruct(answer))
                            .setRequestState(asked.getInputRequired().getRequestState())
                            .build(),
                        MODERN)))
        .cause()
        .satisfies(
            e ->
                assertThat(((McpGrpcException) e).status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT));
    // Without the capability: -32021 as FAILED_PRECONDITION; a 2025 call gets a tool error.
    CallToolRequest bare =
        CallToolRequest.newBuilder().setName("test_input_required_result_elicitation").build();
    assertThatThrownBy(() -> await(client.callToolEvent(bare, MODERN)))
        .cause()
        .satisfies(
            e ->
                assertThat(((McpGrpcException) e).status())
                    .isEqualTo(GrpcStatus.FAILED_PRECONDITION));
    assertThat(await(client.callToolEvent(bare, new CallOptions())).getResult().getIsError())
        .isTrue();
  }

  @Test
  void connectServesTwentyTwentySixEnvelopesWithoutInitialize() throws Exception {
    ConnectSession session = await(client.connect());
    BlockingQueue<JsonObject> notifications = new LinkedBlockingQueue<>();
    session.messageHandler(
        m -> {
          if (m.containsKey("method")) {
            notifications.add(m);
          }
        });
    JsonObject discover =
        await(
            session.request(
                "server/discover", new JsonObject().put("_meta", meta(new JsonObject()))));
    assertThat(discover.getJsonArray("supportedVersions").getList()).containsExactly(V);
    assertThat(discover.getString("resultType")).isEqualTo("complete");

    JsonObject caps = new JsonObject().put("elicitation", new JsonObject());
    JsonObject asked =
        await(
            session.request(
                "tools/call",
                new JsonObject()
                    .put("name", "test_input_required_result_elicitation")
                    .put("_meta", meta(caps))));
    assertThat(asked.getString("resultType")).isEqualTo("input_required");
    JsonObject done =
        await(
            session.request(
                "tools/call",
                new JsonObject()
                    .put("name", "test_input_required_result_elicitation")
                    .put(
                        "inputResponses",
                        new JsonObject()
                            .put(
                                "user_name",
                                new JsonObject()
                                    .put("action", "accept")
                                    .put("content", new JsonObject().put("name", "Lin"))))
                    .put("requestState", asked.getString("requestState"))
                    .put("_meta", meta(caps))));
    assertThat(done.getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("Hello, Lin!");

    // A listen stream on the same Connect stream: ack, then only what was asked, tagged.
    await(
        session.send(
            Buffer.buffer(
                new JsonObject()
                    .put("jsonrpc", "2.0")
                    .put("id", "listen-1")
                    .put("method", "subscriptions/listen")
                    .put(
                        "params",
                        new JsonObject()
                            .put("notifications", new JsonObject().put("toolsListChanged", true))
                            .put("_meta", meta(new JsonObject())))
                    .encode())));
    JsonObject ack = notifications.poll(5, TimeUnit.SECONDS);
    assertThat(ack.getString("method")).isEqualTo("notifications/subscriptions/acknowledged");
    backend.prompt("test_simple_prompt").ifPresent(backend::addPrompt);
    backend.tool("test_simple_text").ifPresent(backend::addTool);
    JsonObject change = notifications.poll(5, TimeUnit.SECONDS);
    assertThat(change.getString("method")).isEqualTo("notifications/tools/list_changed");
    assertThat(
            change
                .getJsonObject("params")
                .getJsonObject("_meta")
                .getValue("io.modelcontextprotocol/subscriptionId"))
        .isEqualTo("listen-1");
    assertThat(notifications.poll(200, TimeUnit.MILLISECONDS)).isNull();
    await(session.close());
  }
}
