package io.trident.transport.grpc;

import static io.trident.auth.StreamGuardFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.RevocationSettings;
import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.JsonRpcException;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.trident.store.Revocation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream guard on gRPC (SPEC.md §7.7): {@code Connect} streams and typed {@code CallTool} calls
 * end at their token's {@code exp}, idle or busy, and on revocation, with UNAUTHENTICATED and the
 * reason in the trailers; a list-only token cannot escalate on its stream.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcStreamGuardTest {

  @TempDir Path dir;
  private Vertx vertx;
  private StreamGuardFixture fixture;
  private SocketAddress address;
  private final List<McpGrpcClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    fixture =
        StreamGuardFixture.create(
            vertx, dir, TestKeys.secret(), null, RevocationSettings.defaults(), false);
    address = deploy(fixture);
  }

  static SocketAddress deploy(StreamGuardFixture f) throws Exception {
    GrpcTransportOptions options = GrpcTransportOptions.defaults().withPort(0);
    int[] port = {0};
    GrpcTransport transport =
        new GrpcTransport(
            f.vertx,
            f.server,
            options,
            f.authenticator,
            GrpcTransport.resourceMetadata(options, () -> port[0], f.authenticator));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    await(f.vertx.deployVerticle(verticle));
    port[0] = verticle.actualPort();
    return SocketAddress.inetSocketAddress(port[0], "127.0.0.1");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (McpGrpcClient c : clients) {
      c.close();
    }
    fixture.close();
    await(vertx.close());
  }

  McpGrpcClient client(String token) {
    McpGrpcClient c =
        McpGrpcClient.create(vertx, address, new McpGrpcClientOptions().setBearerToken(token));
    clients.add(c);
    return c;
  }

  static ConnectSession open(McpGrpcClient client) throws Exception {
    ConnectSession s = await(client.connect());
    await(s.initialize("2025-11-25", new JsonObject().put("name", "t"), null));
    return s;
  }

  /** When {@code stream} ended (epoch ms), recorded by its own callback. */
  static AtomicLong endedAt(ConnectSession stream) {
    AtomicLong at = new AtomicLong();
    stream.ended().onComplete(ar -> at.set(System.currentTimeMillis()));
    return at;
  }

  static McpGrpcException endFailure(ConnectSession stream) throws Exception {
    try {
      stream.ended().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(McpGrpcException.class);
      return (McpGrpcException) e.getCause();
    }
    throw new AssertionError("the stream ended with OK");
  }

  static Throwable failure(Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("succeeded");
  }

  static void assertEndedByExpiry(McpGrpcException e) {
    assertThat(e.status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
    assertThat(e.mcpCode()).isEqualTo(-32004);
    assertThat(String.valueOf(e.data())).contains("token_expiry");
  }

  @Test
  void idleConnectStreamEndsAtItsTokensExpiry() throws Exception {
    long exp = StreamGuardFixture.soon();
    ConnectSession stream = open(client(fixture.token("alice", "*", exp, "j-idle")));
    AtomicLong ended = endedAt(stream);
    assertEndedByExpiry(endFailure(stream));
    assertThat(ended.get() - exp * 1000).as("ms after exp").isBetween(0L, 1100L);
  }

  @Test
  void busyConnectStreamEndsAtExpiryAndItsRequestGetsTheReason() throws Exception {
    long exp = StreamGuardFixture.soon();
    ConnectSession stream = open(client(fixture.token("alice", "*", exp, "j-busy")));
    AtomicLong ended = endedAt(stream);
    List<JsonObject> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    stream.messageHandler(progress::add);
    Future<JsonObject> call =
        stream.request(
            "tools/call",
            new JsonObject()
                .put("name", "simulate_work")
                .put("arguments", new JsonObject().put("seconds", 20).put("steps", 200))
                .put("_meta", new JsonObject().put("progressToken", "p")));
    Throwable refused = failure(call);
    assertThat(refused).isInstanceOf(JsonRpcException.class);
    JsonRpcException rpc = (JsonRpcException) refused;
    assertThat(rpc.code()).isEqualTo(-32004);
    assertThat(String.valueOf(rpc.data())).contains("token_expiry");
    assertEndedByExpiry(endFailure(stream));
    assertThat(ended.get() - exp * 1000).as("ms after exp").isBetween(0L, 1100L);
    assertThat(progress).isNotEmpty();
  }

  @Test
  void longTypedCallToolEndsAtItsTokensExpiry() throws Exception {
    long exp = StreamGuardFixture.soon();
    McpGrpcClient c = client(fixture.token("alice", "*", exp, "j-typed"));
    Future<?> call =
        c.callTool("simulate_work", new JsonObject().put("seconds", 20).put("steps", 20));
    AtomicLong ended = new AtomicLong();
    call.onComplete(ar -> ended.set(System.currentTimeMillis()));
    Throwable refused = failure(call);
    assertThat(refused).isInstanceOf(McpGrpcException.class);
    assertEndedByExpiry((McpGrpcException) refused);
    assertThat(ended.get() - exp * 1000).as("ms after exp").isBetween(0L, 1100L);
  }

  @Test
  void listOnlyTokenCannotCallToolsOnItsStreamWhichStaysOpen() throws Exception {
    ConnectSession stream = open(client(fixture.token("lister", "tools:list", "j-list")));
    // Listing is allowed (and shows no tool this token could not call).
    assertThat(await(stream.request("tools/list", new JsonObject())).getJsonArray("tools"))
        .isEmpty();
    Throwable refused =
        failure(
            stream.request(
                "tools/call",
                new JsonObject()
                    .put("name", "echo")
                    .put("arguments", new JsonObject().put("text", "x"))));
    assertThat(refused).isInstanceOf(JsonRpcException.class);
    assertThat(((JsonRpcException) refused).code()).isEqualTo(-32003);
    assertThat(String.valueOf(((JsonRpcException) refused).data()))
        .contains("insufficient_authorization");
    // Still open and still serving what the token allows.
    assertThat(await(stream.request("tools/list", new JsonObject())).containsKey("tools")).isTrue();
    assertThat(stream.ended().isComplete()).isFalse();
  }

  @Test
  void revokedTokenEndsItsStreamsOnlyAndIsRefusedAfterwards() throws Exception {
    String revoked = fixture.token("alice", "*", "j-revoked");
    ConnectSession a = open(client(revoked));
    ConnectSession other = open(client(fixture.token("alice", "*", "j-other")));
    ConnectSession bob = open(client(fixture.token("bob", "*", "j-bob")));
    await(fixture.guards.store().revoke(Revocation.token("j-revoked")));
    McpGrpcException e = endFailure(a);
    assertThat(e.status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
    assertThat(String.valueOf(e.data())).contains("revoked");
    await(other.request("ping", new JsonObject()));
    await(bob.request("ping", new JsonObject()));
    Throwable again = failure(client(revoked).connect().compose(s -> s.request("ping", null)));
    assertThat(again).isInstanceOf(McpGrpcException.class);
    assertThat(((McpGrpcException) again).status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
    Throwable typed = failure(client(revoked).ping());
    assertThat(((McpGrpcException) typed).status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
  }

  @Test
  void revokedSubjectEndsAllItsStreams() throws Exception {
    ConnectSession a1 = open(client(fixture.token("carol", "*", "j-c1")));
    ConnectSession a2 = open(client(fixture.token("carol", "*", "j-c2")));
    ConnectSession dave = open(client(fixture.token("dave", "*", "j-d")));
    Thread.sleep(5);
    await(
        fixture
            .guards
            .store()
            .revoke(Revocation.subject("carol", System.currentTimeMillis() + 1000)));
    assertThat(String.valueOf(endFailure(a1).data())).contains("revoked");
    assertThat(String.valueOf(endFailure(a2).data())).contains("revoked");
    await(dave.request("ping", new JsonObject()));
    assertThat(fixture.guards.openStreams()).isEqualTo(1);
  }
}
