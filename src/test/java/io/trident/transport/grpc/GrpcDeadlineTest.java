package io.trident.transport.grpc;

import static io.trident.transport.grpc.GrpcTransportTest.await;
import static io.trident.transport.grpc.GrpcTransportTest.grpcFailure;
import static io.trident.transport.grpc.GrpcTransportTest.rpcFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.Authenticator;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.backend.Tool;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.trident.context.Cancellation;
import io.trident.context.DeadlineBudget;
import io.trident.context.Principal;
import io.trident.model.CallToolResult;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The deadline budget on gRPC: {@code grpc-timeout} on typed {@code CallTool}, the tool caps there,
 * and {@code _meta} deadlines on {@code Connect}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcDeadlineTest {

  private Vertx vertx;
  private SocketAddress address;
  private final List<McpGrpcClient> clients = new ArrayList<>();
  private final BlockingQueue<Cancellation.Reason> cancelled = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    Backend backend = BackendProviders.discover().build(List.of("default"), vertx);
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
                  return ctx.sleep(Duration.ofSeconds(30)).map(v -> CallToolResult.text("late"));
                })
            .build());
    backend.addTool(
        Tool.builder("capped")
            .description("sleeps 30 s under its own 300 ms cap")
            .timeout(Duration.ofMillis(300))
            .handler(
                (args, ctx) ->
                    ctx.sleep(Duration.ofSeconds(30)).map(v -> CallToolResult.text("late")))
            .build());
    backend.tools().forEach(Tool::compileSchemas);
    GrpcTransportOptions options = GrpcTransportOptions.defaults().withPort(0);
    ServerOptions server =
        ServerOptions.defaults(Implementation.of("trident-grpc-deadline-test", "1"))
            .withRequestTimeout(Duration.ofSeconds(30))
            .withToolTimeouts(Map.of("echo_later", Duration.ofMillis(300)));
    backend.addTool(
        Tool.builder("echo_later")
            .description("answers after 30 s; capped to 300 ms by configuration")
            .handler(
                (args, ctx) -> ctx.sleep(Duration.ofSeconds(30)).map(v -> CallToolResult.text("x")))
            .build());
    Authenticator open =
        Authenticator.open(new Principal("grpc-tester", Set.of("*"), "none", Map.of()));
    GrpcTransport transport =
        new GrpcTransport(
            vertx,
            new McpServer(vertx, backend, server),
            options,
            open,
            GrpcTransport.resourceMetadata(options, () -> 0, open));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    address = SocketAddress.inetSocketAddress(verticle.actualPort(), "127.0.0.1");
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpGrpcClient::close);
  }

  private McpGrpcClient client() {
    McpGrpcClient c = McpGrpcClient.create(vertx, address, new McpGrpcClientOptions());
    clients.add(c);
    return c;
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void grpcTimeoutEndsASlowCallToolWithDeadlineExceededWithin800MsAndNoEventAfter()
      throws Exception {
    AtomicInteger progress = new AtomicInteger();
    long start = System.nanoTime();
    Future<io.trident.grpc.v1.CallToolResult> call =
        client()
            .callTool(
                "simulate_work",
                new JsonObject().put("seconds", 5).put("steps", 50),
                new CallOptions()
                    .setTimeout(Duration.ofMillis(300))
                    .setProgressHandler(p -> progress.incrementAndGet()));
    McpGrpcException e = grpcFailure(call);
    assertThat(millisSince(start)).isBetween(250L, 800L);
    assertThat(e.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
    assertThat(e.mcpCode()).isEqualTo(-32001);
    assertThat(progress.get()).as("progress before the deadline").isPositive();
    int atDeadline = progress.get();
    Thread.sleep(400);
    assertThat(progress.get()).as("no event after the deadline").isEqualTo(atDeadline);
  }

  @Test
  void theToolsOwnTimeoutCapsATypedCall() {
    long start = System.nanoTime();
    McpGrpcException e = grpcFailure(client().callTool("capped", new JsonObject()));
    assertThat(e.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
    assertThat(millisSince(start)).isBetween(250L, 800L);
  }

  @Test
  void theConfiguredToolTimeoutCapsATypedCall() {
    long start = System.nanoTime();
    McpGrpcException e =
        grpcFailure(
            client()
                .callTool(
                    "echo_later",
                    new JsonObject(),
                    new CallOptions().setTimeout(Duration.ofSeconds(20))));
    assertThat(e.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
    assertThat(millisSince(start)).isBetween(250L, 800L);
  }

  @Test
  void metaDeadlineEndsARequestOnConnectAndTheStreamGoesOn() throws Exception {
    ConnectSession session = await(client().connect());
    await(
        session.initialize(
            "2025-11-25", new JsonObject().put("name", "t").put("version", "1"), null));
    List<JsonObject> notifications = new java.util.concurrent.CopyOnWriteArrayList<>();
    session.messageHandler(notifications::add);
    long start = System.nanoTime();
    Future<JsonObject> call =
        session.request(
            "tools/call",
            new JsonObject()
                .put("name", "simulate_work")
                .put("arguments", new JsonObject().put("seconds", 5).put("steps", 50))
                .put(
                    "_meta",
                    new JsonObject()
                        .put("progressToken", "p")
                        .put(DeadlineBudget.TIMEOUT_META_KEY, 300)));
    assertThat(rpcFailure(call).code()).isEqualTo(-32001);
    assertThat(millisSince(start)).isBetween(250L, 800L);
    int atDeadline = notifications.size();
    assertThat(atDeadline).as("progress before the deadline").isPositive();
    Thread.sleep(400);
    assertThat(notifications).as("nothing after the deadline").hasSize(atDeadline);
    await(session.request("ping", null));
  }

  @Test
  void aMalformedMetaDeadlineOnConnectIsInvalidParams() throws Exception {
    ConnectSession session = await(client().connect());
    await(
        session.initialize(
            "2025-11-25", new JsonObject().put("name", "t").put("version", "1"), null));
    Future<JsonObject> call =
        session.request(
            "tools/call",
            new JsonObject()
                .put("name", "slow")
                .put("_meta", new JsonObject().put(DeadlineBudget.TIMEOUT_META_KEY, 0)));
    var e = rpcFailure(call);
    assertThat(e.code()).isEqualTo(-32602);
    assertThat(e.getMessage()).contains("io.trident/timeoutMs");
    assertThat(cancelled.poll(100, TimeUnit.MILLISECONDS)).as("the tool never ran").isNull();
  }
}
