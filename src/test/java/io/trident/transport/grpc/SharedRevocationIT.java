package io.trident.transport.grpc;

import static io.trident.auth.StreamGuardFixture.await;
import static io.trident.transport.grpc.GrpcStreamGuardTest.endFailure;
import static io.trident.transport.grpc.GrpcStreamGuardTest.endedAt;
import static io.trident.transport.grpc.GrpcStreamGuardTest.failure;
import static io.trident.transport.grpc.GrpcStreamGuardTest.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.RevocationSettings;
import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.trident.store.RedisConnector;
import io.trident.store.RedisRevocationStore;
import io.trident.store.RedisServer;
import io.trident.store.RedisSettings;
import io.trident.store.RevocationStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server instances sharing one real Redis: {@code java -jar trident.jar revoke}, run as a
 * separate process, ends the revoked token's (or subject's) streams on both at once, leaves the
 * others alone; and when Redis goes away the guard fails closed after {@code failClosedAfter}, and
 * recovers when it returns.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedRevocationIT {

  private static final Path JAR = Path.of("target", "trident.jar");
  private static RedisServer redis;

  @TempDir Path dir;
  private final String secret = TestKeys.secret();
  private final List<Vertx> instances = new ArrayList<>();
  private final List<StreamGuardFixture> fixtures = new ArrayList<>();
  private final List<SocketAddress> addresses = new ArrayList<>();
  private final List<McpGrpcClient> clients = new ArrayList<>();

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    for (int i = 0; i < 2; i++) {
      // Each instance has its own Vert.x, Redis connections and subscription, as two processes do.
      Vertx vertx = Vertx.vertx();
      instances.add(vertx);
      RevocationStore store =
          RevocationStore.redis(
              RedisConnector.create(
                  vertx, new RedisSettings(redis.url(), null, null, "1s", "2s", null)),
              Duration.ofHours(1));
      StreamGuardFixture f =
          StreamGuardFixture.create(
              vertx, dir, secret, store, RevocationSettings.defaults(), false);
      fixtures.add(f);
      addresses.add(GrpcStreamGuardTest.deploy(f));
    }
    for (StreamGuardFixture f : fixtures) {
      waitUntil(
          () ->
              ((RedisRevocationStore) f.guards.store()).subscribed()
                  && f.guards.store().confirmed(),
          10_000);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (McpGrpcClient c : clients) {
      c.close();
    }
    for (StreamGuardFixture f : fixtures) {
      f.close();
    }
    for (Vertx v : instances) {
      await(v.close());
    }
    redis.restart();
  }

  ConnectSession stream(int instance, String token) throws Exception {
    McpGrpcClient c =
        McpGrpcClient.create(
            instances.get(instance),
            addresses.get(instance),
            new McpGrpcClientOptions().setBearerToken(token));
    clients.add(c);
    return open(c);
  }

  /** Runs {@code java -jar trident.jar revoke ARGS}; returns its exit status and stdout line. */
  static Object[] revoke(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(JAR.toString());
    cmd.add("revoke");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      line = out.readLine();
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Object[] {p.exitValue(), line};
  }

  @Test
  void revokeCommandEndsTheTokensStreamsOnBothInstancesAtOnce() throws Exception {
    String alice = fixtures.get(0).token("alice", "*", "r-alice");
    String bob = fixtures.get(0).token("bob", "*", "r-bob");
    ConnectSession a0 = stream(0, alice);
    ConnectSession a1 = stream(1, alice);
    ConnectSession b0 = stream(0, bob);
    ConnectSession b1 = stream(1, bob);
    AtomicLong end0 = endedAt(a0);
    AtomicLong end1 = endedAt(a1);
    AtomicLong heardAt = new AtomicLong();
    for (StreamGuardFixture f : fixtures) {
      f.guards.store().listen(r -> heardAt.accumulateAndGet(System.currentTimeMillis(), Math::max));
    }
    // A third subscriber, the test's own, sees when Redis delivered the publish.
    AtomicLong onChannel = new AtomicLong();
    RedisConnector watcher =
        RedisConnector.create(
            instances.get(0), new RedisSettings(redis.url(), null, null, "1s", "2s", null));
    RedisConnector.Subscription watching =
        watcher.subscribe(
            RedisRevocationStore.CHANNEL,
            m -> onChannel.compareAndSet(0, System.currentTimeMillis()),
            up -> {});
    waitUntil(watching::isUp, 5000);
    Object[] result = revoke("--redis", redis.url(), "--jti", "r-alice");
    assertThat(result[0]).isEqualTo(0);
    JsonObject printed = new JsonObject((String) result[1]);
    assertThat(printed.getLong("instances")).isEqualTo(3L);
    long sentAt = printed.getLong("sentAtMillis");
    for (ConnectSession s : List.of(a0, a1)) {
      McpGrpcException e = endFailure(s);
      assertThat(e.status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
      assertThat(String.valueOf(e.data())).contains("revoked");
    }
    long lastEnd = Math.max(end0.get(), end1.get());
    long latency = lastEnd - onChannel.get();
    System.out.println(
        "revocation on the channel -> both streams ended: "
            + latency
            + " ms (heard by both instances after "
            + (heardAt.get() - onChannel.get())
            + " ms; the command's cold JVM took "
            + (onChannel.get() - sentAt)
            + " ms from its write to the channel)");
    assertThat(latency).as("ms from the publish to the last stream's end").isLessThan(150);
    watching.close();
    watcher.close();
    await(b0.request("ping", new JsonObject()));
    await(b1.request("ping", new JsonObject()));
    // The token is refused on both instances from now on.
    for (int i = 0; i < 2; i++) {
      McpGrpcClient again =
          McpGrpcClient.create(
              instances.get(i), addresses.get(i), new McpGrpcClientOptions().setBearerToken(alice));
      clients.add(again);
      assertThat(((McpGrpcException) failure(again.ping())).status())
          .isEqualTo(GrpcStatus.UNAUTHENTICATED);
    }
  }

  @Test
  void revokingASubjectEndsAllItsStreamsOnBothInstances() throws Exception {
    ConnectSession c0 = stream(0, fixtures.get(0).token("carol", "*", "r-c0"));
    ConnectSession c1 = stream(1, fixtures.get(1).token("carol", "*", "r-c1"));
    ConnectSession d1 = stream(1, fixtures.get(1).token("dave", "*", "r-d1"));
    String before = java.time.OffsetDateTime.now().plusSeconds(5).toString();
    Object[] result = revoke("--redis", redis.url(), "--sub", "carol", "--before", before);
    assertThat(result[0]).isEqualTo(0);
    assertThat(String.valueOf(endFailure(c0).data())).contains("revoked");
    assertThat(String.valueOf(endFailure(c1).data())).contains("revoked");
    await(d1.request("ping", new JsonObject()));
  }

  @Test
  void revokeRefusesBadInputWithStatus2() throws Exception {
    assertThat(revoke("--redis", redis.url())[0]).isEqualTo(2);
    assertThat(revoke("--redis", redis.url(), "--jti", "a", "--sub", "b")[0]).isEqualTo(2);
    assertThat(revoke("--redis", redis.url(), "--sub", "b", "--before", "yesterday")[0])
        .isEqualTo(2);
    assertThat(revoke("--redis", "http://x", "--jti", "a")[0]).isEqualTo(2);
    assertThat(revoke("--jti", "a")[0]).isEqualTo(2);
  }

  @Test
  void redisDownFailsClosedAndTheGuardRecoversWhenItReturns() throws Exception {
    ConnectSession s = stream(0, fixtures.get(0).token("erin", "*", "r-e"));
    redis.stop();
    McpGrpcException e = endFailure(s);
    assertThat(e.status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
    assertThat(String.valueOf(e.data())).contains("revocation_unconfirmed");
    McpGrpcClient refused =
        McpGrpcClient.create(
            instances.get(0),
            addresses.get(0),
            new McpGrpcClientOptions().setBearerToken(fixtures.get(0).token("erin", "*", "r-e2")));
    clients.add(refused);
    assertThat(((McpGrpcException) failure(refused.ping())).status())
        .isEqualTo(GrpcStatus.UNAUTHENTICATED);
    redis.restart();
    waitUntil(() -> fixtures.get(0).guards.store().confirmed(), 15_000);
    await(stream(0, fixtures.get(0).token("erin", "*", "r-e3")).request("ping", null));
  }

  static void waitUntil(java.util.function.BooleanSupplier condition, long ms) throws Exception {
    long deadline = System.nanoTime() + ms * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + ms + " ms");
      }
      Thread.sleep(10);
    }
  }
}
