package io.trident.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.auth.Authenticator;
import io.trident.backend.Backend;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.context.Principal;
import io.trident.grpc.v1.CallToolResult;
import io.trident.protobuf.StructCodec;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.upstream.UpstreamFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Upstream gRPC tools over the gRPC transport: typed {@code CallTool} and the {@code Connect}
 * envelope stream, driven by {@link McpGrpcClient}, against real grpc-java upstreams ({@link
 * UpstreamFixture}): the deadline the upstream sees, cancellation reaching it, and metadata.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcUpstreamToolsTest {

  private static final long WAIT_MS = 5_000;
  private static final Principal CALLER =
      new Principal("grpc-caller", Set.of("*"), "none", Map.of());
  private static UpstreamFixture upstream;

  private Vertx vertx;
  private final List<McpGrpcClient> clients = new ArrayList<>();

  @BeforeAll
  static void startUpstream() throws Exception {
    upstream = UpstreamFixture.plaintext();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream.calls().clear();
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpGrpcClient::close);
  }

  private McpGrpcClient start(String extra, McpGrpcClientOptions clientOptions) {
    Backend backend =
        UpstreamFixture.backend(
            vertx,
            "upstreams:\n  - name: inv\n    target: "
                + upstream.target()
                + "\n    descriptorSet: @DS@\n    insecure: true\n"
                + extra);
    GrpcTransportOptions options = GrpcTransportOptions.defaults().withPort(0);
    ServerOptions server =
        ServerOptions.defaults(io.trident.model.Implementation.of("trident-grpc-upstream", "1"))
            .withRequestTimeout(Duration.ofSeconds(30));
    Authenticator open = Authenticator.open(CALLER);
    GrpcTransport transport =
        new GrpcTransport(
            vertx,
            new McpServer(vertx, backend, server),
            options,
            open,
            GrpcTransport.resourceMetadata(options, () -> 0, open));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    McpGrpcClient c =
        McpGrpcClient.create(
            vertx,
            SocketAddress.inetSocketAddress(verticle.actualPort(), "127.0.0.1"),
            clientOptions);
    clients.add(c);
    return c;
  }

  private McpGrpcClient start(String extra) {
    return start(extra, new McpGrpcClientOptions());
  }

  private static <T> T await(Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }

  private static <T> T poll(BlockingQueue<T> queue) throws InterruptedException {
    T value = queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(value).as("nothing within %d ms", WAIT_MS).isNotNull();
    return value;
  }

  @Nested
  class TypedCallTool {
    @Test
    void structuredResultAndMetadataFromGrpcMetadata() throws Exception {
      McpGrpcClient c =
          start(
              "    forwardMetadata: [x-request-id]\n    callerIdentity: x-caller-sub\n",
              new McpGrpcClientOptions()
                  .addMetadata("x-request-id", "req-42")
                  .addMetadata("x-other", "no")
                  .setBearerToken("caller-token-abcdef"));
      CallToolResult r = await(c.callTool("inv_GetItem", new JsonObject().put("sku", "G")));
      assertThat(r.getIsError()).isFalse();
      JsonObject structured = StructCodec.fromStruct(r.getStructuredContent());
      assertThat(structured.getString("quantity")).isEqualTo("9007199254740993");
      Map<String, String> seen = poll(upstream.calls().metadata);
      assertThat(seen)
          .containsEntry("x-request-id", "req-42")
          .containsEntry("x-caller-sub", "grpc-caller")
          .doesNotContainKeys("authorization", "x-other");
    }

    @Test
    void theUpstreamSeesNoMoreThanTheGrpcTimeout() throws Exception {
      McpGrpcClient c = start("    timeout: 20s\n");
      await(
          c.callTool(
              "inv_GetItem",
              new JsonObject().put("sku", "G"),
              new CallOptions().setTimeout(Duration.ofMillis(700))));
      assertThat(poll(upstream.calls().deadlineMs)).isPositive().isLessThanOrEqualTo(700L);
    }

    @Test
    void aSlowUpstreamGivenA300MsBudgetEndsByThenAndIsCancelled() throws Exception {
      McpGrpcClient c = start("    timeout: 20s\n");
      await(c.callTool("inv_GetItem", new JsonObject().put("sku", "W")));
      upstream.calls().clear();
      long start = System.nanoTime();
      Future<CallToolResult> call =
          c.callTool(
              "inv_Slow",
              new JsonObject().put("millis", 10_000),
              new CallOptions().setTimeout(Duration.ofMillis(300)));
      assertThatThrownBy(() -> await(call)).hasMessageContaining("mcpCode=-32001");
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(800);
      assertThat(poll(upstream.calls().deadlineMs)).isLessThanOrEqualTo(300L);
    }

    @Test
    void cancellingTheCallResetsTheUpstreamCallWithin100Ms() throws Exception {
      McpGrpcClient c = start("");
      Promise<Void> cancel = Promise.promise();
      Future<CallToolResult> call =
          c.callTool(
              "inv_Slow",
              new JsonObject().put("millis", 20_000),
              new CallOptions().setCancellation(cancel.future()));
      poll(upstream.calls().slowStarted);
      long cancelled = System.nanoTime();
      cancel.complete();
      long reached = poll(upstream.calls().slowCancelled);
      assertThat((reached - cancelled) / 1_000_000).isLessThan(100);
      assertThatThrownBy(() -> await(call)).isNotNull();
    }
  }

  @Nested
  class Connect {
    private ConnectSession session(McpGrpcClient c, CallOptions options) {
      ConnectSession s = await(c.connect(options));
      await(
          s.initialize(
              "2025-11-25",
              new JsonObject().put("name", "connect-test").put("version", "1"),
              null));
      return s;
    }

    @Test
    void theUpstreamSeesNoMoreThanTheStreamsDeadline() throws Exception {
      McpGrpcClient c = start("    timeout: 20s\n");
      ConnectSession s = session(c, new CallOptions().setTimeout(Duration.ofMillis(2000)));
      JsonObject r =
          await(
              s.request(
                  "tools/call",
                  new JsonObject()
                      .put("name", "inv_GetItem")
                      .put("arguments", new JsonObject().put("sku", "C"))));
      assertThat(r.getJsonObject("structuredContent").getString("sku")).isEqualTo("C");
      assertThat(poll(upstream.calls().deadlineMs)).isPositive().isLessThanOrEqualTo(2000L);
    }

    @Test
    void notificationsCancelledResetsTheUpstreamCallWithin100Ms() throws Exception {
      McpGrpcClient c = start("");
      ConnectSession s = session(c, new CallOptions());
      Promise<Void> cancel = Promise.promise();
      Future<JsonObject> call =
          s.request(
              "tools/call",
              new JsonObject()
                  .put("name", "inv_Slow")
                  .put("arguments", new JsonObject().put("millis", 20_000)),
              cancel.future());
      poll(upstream.calls().slowStarted);
      long cancelled = System.nanoTime();
      cancel.complete();
      long reached = poll(upstream.calls().slowCancelled);
      assertThat((reached - cancelled) / 1_000_000).isLessThan(100);
      assertThatThrownBy(() -> await(call)).isNotNull();
    }

    @Test
    void closingTheStreamResetsTheUpstreamCallWithin100Ms() throws Exception {
      McpGrpcClient c = start("");
      ConnectSession s = session(c, new CallOptions());
      s.request(
          "tools/call",
          new JsonObject()
              .put("name", "inv_Slow")
              .put("arguments", new JsonObject().put("millis", 20_000)));
      poll(upstream.calls().slowStarted);
      long cancelled = System.nanoTime();
      s.cancel();
      long reached = poll(upstream.calls().slowCancelled);
      assertThat((reached - cancelled) / 1_000_000).isLessThan(100);
    }
  }
}
