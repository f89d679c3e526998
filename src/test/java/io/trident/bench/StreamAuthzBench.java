package io.trident.bench;

import io.trident.auth.Authenticator;
import io.trident.auth.RequestGuard;
import io.trident.auth.RevocationSettings;
import io.trident.auth.StreamGuardFixture;
import io.trident.auth.StreamGuards;
import io.trident.auth.TestKeys;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.store.RedisConnector;
import io.trident.store.RedisRevocationStore;
import io.trident.store.RedisServer;
import io.trident.store.RedisSettings;
import io.trident.store.Revocation;
import io.trident.store.RevocationStore;
import io.trident.transport.grpc.GrpcTransport;
import io.trident.transport.grpc.GrpcTransportOptions;
import io.trident.transport.grpc.GrpcVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue #10: what the stream guard costs, and how fast a revocation ends a stream. Not a JUnit
 * test: run it with {@code scripts/bench stream-authz}. Servers and clients share this JVM (a real
 * redis-server runs beside it, installed by {@link RedisServer} when missing).
 *
 * <ol>
 *   <li>Throughput: {@code tools/call} of echo over {@code Connect} (8 streams x 8 in flight),
 *       guard off ({@link StreamGuards#none()}) vs on (Redis store); goal: on costs at most 5%.
 *   <li>Latency: 1,000 open {@code Connect} streams on two instances sharing the Redis; each token
 *       is revoked in turn and the time from the publish to the end of its stream is measured;
 *       goal: p99 at most 100 ms.
 * </ol>
 */
public final class StreamAuthzBench {

  private StreamAuthzBench() {}

  public static void main(String[] args) throws Exception {
    int duration = intArg(args, "--duration", 10);
    int warmup = intArg(args, "--warmup", 5);
    int streams = intArg(args, "--streams", 1000);
    Path dir = Files.createTempDirectory("trident-bench-authz");
    String secret = TestKeys.secret();
    boolean ok = true;
    try (RedisServer redis = RedisServer.start()) {
      // Two rounds, alternating, and the second counts: the first warms the JIT for both.
      double off = 0;
      double on = 0;
      for (int round = 1; round <= 2; round++) {
        off = throughput(dir, secret, null, warmup, duration);
        on = throughput(dir, secret, redis, warmup, duration);
        System.out.printf(
            Locale.ROOT, "throughput  round %d: off %.0f req/s, on %.0f req/s%n", round, off, on);
      }
      double cost = 1 - on / off;
      System.out.printf(
          Locale.ROOT,
          "throughput  Connect tools/call, 8x8 in flight: guard off %.0f req/s, on (Redis) %.0f"
              + " req/s; cost %.1f%% (goal <= 5%%): %s%n",
          off,
          on,
          cost * 100,
          cost <= 0.05 ? "MET" : "NOT MET");
      long[] lat = latency(dir, secret, redis, streams);
      long p50 = lat[lat.length / 2];
      long p99 = lat[(int) Math.ceil(lat.length * 0.99) - 1];
      System.out.printf(
          Locale.ROOT,
          "revocation  %d streams on two instances: publish -> stream end p50 %.1f ms, p99 %.1f"
              + " ms, max %.1f ms (goal p99 <= 100 ms): %s%n",
          lat.length,
          p50 / 1e6,
          p99 / 1e6,
          lat[lat.length - 1] / 1e6,
          p99 <= 100_000_000L ? "MET" : "NOT MET");
    } catch (Exception e) {
      e.printStackTrace();
      ok = false;
    }
    System.exit(ok ? 0 : 1);
  }

  /** One instance: its Vert.x, fixture and address. */
  private record Instance(Vertx vertx, StreamGuardFixture fixture, SocketAddress address) {
    void close() throws Exception {
      fixture.close();
      await(vertx.close());
    }
  }

  private static Instance instance(Path dir, String secret, RedisServer redis, boolean guarded)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    RevocationStore store =
        redis == null
            ? null
            : RevocationStore.redis(
                RedisConnector.create(
                    vertx, new RedisSettings(redis.url(), null, null, "1s", "30s", null)),
                Duration.ofHours(1));
    StreamGuardFixture f =
        StreamGuardFixture.create(vertx, dir, secret, store, RevocationSettings.defaults(), false);
    McpServer server = f.server;
    Authenticator authenticator = f.authenticator;
    if (!guarded) {
      server =
          new McpServer(
              vertx,
              f.backend,
              ServerOptions.defaults(Implementation.of("bench", "1"))
                  .withRequestTimeout(Duration.ofSeconds(60)),
              RequestGuard.of(f.chain.scopes(), f.backend),
              StreamGuards.none());
      authenticator = f.chain;
    }
    GrpcTransportOptions options = GrpcTransportOptions.defaults().withPort(0);
    int[] port = {0};
    GrpcTransport transport =
        new GrpcTransport(
            vertx,
            server,
            options,
            authenticator,
            GrpcTransport.resourceMetadata(options, () -> port[0], authenticator));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    port[0] = verticle.actualPort();
    if (store instanceof RedisRevocationStore r) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!r.subscribed() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }
    return new Instance(vertx, f, SocketAddress.inetSocketAddress(port[0], "127.0.0.1"));
  }

  private static double throughput(
      Path dir, String secret, RedisServer redis, int warmup, int duration) throws Exception {
    Instance server = instance(dir, secret, redis, redis != null);
    Vertx clients = Vertx.vertx();
    try {
      String token = server.fixture().token("bench", "*", "bench-token");
      McpGrpcClient client =
          McpGrpcClient.create(
              clients, server.address(), new McpGrpcClientOptions().setBearerToken(token));
      List<ConnectSession> sessions = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ConnectSession s = await(client.connect());
        await(s.initialize("2025-11-25", new JsonObject().put("name", "bench"), null));
        sessions.add(s);
      }
      AtomicLong done = new AtomicLong();
      AtomicBoolean running = new AtomicBoolean(true);
      JsonObject call =
          new JsonObject()
              .put("name", "echo")
              .put("arguments", new JsonObject().put("text", "hello world 1234"));
      for (ConnectSession s : sessions) {
        for (int k = 0; k < 8; k++) {
          clients.runOnContext(v -> loop(s, call, done, running));
        }
      }
      Thread.sleep(warmup * 1000L);
      long start = done.get();
      long t0 = System.nanoTime();
      Thread.sleep(duration * 1000L);
      double rate = (done.get() - start) / ((System.nanoTime() - t0) / 1e9);
      running.set(false);
      Thread.sleep(200);
      await(client.close());
      return rate;
    } finally {
      await(clients.close());
      server.close();
    }
  }

  private static void loop(
      ConnectSession s, JsonObject call, AtomicLong done, AtomicBoolean running) {
    if (!running.get()) {
      return;
    }
    s.request("tools/call", call)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                System.err.println("bench: a call failed: " + ar.cause());
                return;
              }
              done.incrementAndGet();
              loop(s, call, done, running);
            });
  }

  private static long[] latency(Path dir, String secret, RedisServer redis, int streams)
      throws Exception {
    Instance a = instance(dir, secret, redis, true);
    Instance b = instance(dir, secret, redis, true);
    Vertx clients = Vertx.vertx();
    RedisConnector publisher =
        RedisConnector.create(
            clients, new RedisSettings(redis.url(), null, null, "5s", "30s", null));
    try {
      List<McpGrpcClient> grpcClients = new ArrayList<>();
      List<ConnectSession> open = new ArrayList<>();
      List<Promise<Long>> ends = new ArrayList<>();
      List<Future<ConnectSession>> opening = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        Instance at = i % 2 == 0 ? a : b;
        String token = at.fixture().token("user-" + i, "*", "jti-" + i);
        // One client (one connection) per stream: each token is a client option.
        McpGrpcClient c =
            McpGrpcClient.create(
                clients, at.address(), new McpGrpcClientOptions().setBearerToken(token));
        grpcClients.add(c);
        opening.add(
            c.connect()
                .compose(
                    s ->
                        s.initialize("2025-11-25", new JsonObject().put("name", "bench"), null)
                            .map(s)));
      }
      for (Future<ConnectSession> f : opening) {
        ConnectSession s = await(f);
        Promise<Long> end = Promise.promise();
        s.ended().onComplete(ar -> end.tryComplete(System.nanoTime()));
        open.add(s);
        ends.add(end);
      }
      System.out.printf(
          Locale.ROOT, "revocation  %d streams open (%d per instance)%n", open.size(), streams / 2);
      long[] latencies = new long[streams];
      for (int i = 0; i < streams; i++) {
        long t0 = System.nanoTime();
        await(
            RedisRevocationStore.publish(
                publisher, Revocation.token("jti-" + i), Duration.ofMinutes(5)));
        long end = await(ends.get(i).future());
        latencies[i] = Math.max(0, end - t0);
      }
      Arrays.sort(latencies);
      for (McpGrpcClient c : grpcClients) {
        c.close();
      }
      return latencies;
    } finally {
      await(publisher.close());
      await(clients.close());
      a.close();
      b.close();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
