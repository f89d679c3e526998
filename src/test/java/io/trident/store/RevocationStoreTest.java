package io.trident.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Both revocation stores against the same expectations, the Redis one against a real {@code
 * redis-server}; plus what Redis faults do: down (fail closed after {@code failClosedAfter}, back
 * when it returns), slow (never blocks an event loop) and garbage (an answer that is not Redis).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RevocationStoreTest {

  private static RedisServer redis;
  private Vertx vertx;
  private final List<AutoCloseableFuture> closing = new CopyOnWriteArrayList<>();

  interface AutoCloseableFuture {
    Future<Void> close();
  }

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseableFuture c : closing) {
      c.close().otherwiseEmpty().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    redis.restart();
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  RedisSettings settings(String url, String failClosedAfter) {
    return new RedisSettings(url, null, null, "1s", failClosedAfter, null);
  }

  RedisConnector connector(RedisSettings s) {
    RedisConnector c = RedisConnector.create(vertx, s);
    closing.add(c::close);
    return c;
  }

  RevocationStore redisStore(String failClosedAfter) {
    RevocationStore store =
        RevocationStore.redis(
            connector(settings(redis.url(), failClosedAfter)), Duration.ofHours(1));
    closing.add(store::close);
    return store;
  }

  abstract class Contract {
    abstract RevocationStore store();

    @Test
    void revokedTokenIdIsRevokedAndOthersAreNot() throws Exception {
      RevocationStore store = store();
      await(store.revoke(Revocation.token("jti-1")));
      assertThat(await(store.isRevoked("jti-1", "alice", 0))).isTrue();
      assertThat(await(store.isRevoked("jti-2", "alice", 0))).isFalse();
    }

    @Test
    void subjectRevocationCoversTokensIssuedBeforeItsTimeOnly() throws Exception {
      RevocationStore store = store();
      long t = System.currentTimeMillis();
      await(store.revoke(Revocation.subject("bob", t)));
      assertThat(await(store.isRevoked("any", "bob", t - 1000))).isTrue();
      assertThat(await(store.isRevoked(null, "bob", Long.MIN_VALUE))).isTrue();
      assertThat(await(store.isRevoked("any", "bob", t + 1000))).isFalse();
      assertThat(await(store.isRevoked("any", "carol", t - 1000))).isFalse();
    }

    @Test
    void listenersHearRevocations() throws Exception {
      RevocationStore store = store();
      List<Revocation> heard = new CopyOnWriteArrayList<>();
      store.listen(heard::add);
      awaitSubscribed(store);
      await(store.revoke(Revocation.token("jti-3")));
      waitUntil(() -> heard.contains(Revocation.token("jti-3")), 2000);
    }
  }

  @Nested
  class Memory extends Contract {
    @Override
    RevocationStore store() {
      return RevocationStore.memory(vertx, Duration.ofHours(1));
    }
  }

  @Nested
  class OnRedis extends Contract {
    @Override
    RevocationStore store() {
      return redisStore("30s");
    }

    @Test
    void revocationsReachEveryInstanceAndExpireWithTheLongestTokenLifetime() throws Exception {
      RevocationStore a = redisStore("30s");
      RevocationStore b = redisStore("30s");
      List<Revocation> heardByB = new CopyOnWriteArrayList<>();
      b.listen(heardByB::add);
      awaitSubscribed(a);
      awaitSubscribed(b);
      await(a.revoke(Revocation.subject("dave", 1234)));
      waitUntil(() -> heardByB.contains(Revocation.subject("dave", 1234)), 2000);
      assertThat(await(b.isRevoked(null, "dave", 1000))).isTrue();
      long ttl =
          await(
                  connector(settings(redis.url(), "30s"))
                      .send(
                          Request.cmd(Command.PTTL)
                              .arg(RedisRevocationStore.SUBJECT_PREFIX + "dave")))
              .toLong();
      assertThat(ttl).isBetween(Duration.ofMinutes(59).toMillis(), Duration.ofHours(1).toMillis());
    }

    @Test
    void redisDownFailsClosedAfterTheGraceAndRecovers() throws Exception {
      RevocationStore store = redisStore("600ms");
      List<Boolean> changes = new CopyOnWriteArrayList<>();
      AtomicLong resyncs = new AtomicLong();
      store.listen(
          new RevocationStore.Listener() {
            @Override
            public void revoked(Revocation r) {}

            @Override
            public void statusChanged(boolean confirmed) {
              changes.add(confirmed);
            }

            @Override
            public void resync() {
              resyncs.incrementAndGet();
            }
          });
      awaitSubscribed(store);
      // A first connection can take longer than this short grace on a loaded machine.
      waitUntil(store::confirmed, 5000);
      changes.clear();
      redis.stop();
      long stopped = System.nanoTime();
      // Within the grace the store still answers "confirmed": a blip is not an outage.
      Thread.sleep(200);
      assertThat(store.confirmed()).isTrue();
      assertThatThrownBy(() -> await(store.isRevoked("x", "y", 0))).isNotNull();
      waitUntil(() -> !store.confirmed(), 3000);
      assertThat((System.nanoTime() - stopped) / 1_000_000).isGreaterThanOrEqualTo(600);
      assertThat(changes).containsExactly(false);
      redis.restart();
      waitUntil(store::confirmed, 8000);
      assertThat(changes).containsExactly(false, true);
      assertThat(resyncs.get()).isPositive();
      assertThat(await(store.isRevoked("x", "y", 0))).isFalse();
    }

    @Test
    void slowRedisDoesNotStallTheEventLoop() throws Exception {
      RevocationStore store =
          RevocationStore.redis(
              connector(new RedisSettings(redis.url(), null, null, "300ms", "30s", null)),
              Duration.ofHours(1));
      closing.add(store::close);
      awaitSubscribed(store);
      await(store.isRevoked("warm", "up", 0));
      // The event loop that issues the checks measures its own lag while Redis sleeps 1.5 s.
      AtomicLong maxLagMs = new AtomicLong();
      long[] last = {System.nanoTime()};
      io.vertx.core.Context ctx = vertx.getOrCreateContext();
      ctx.runOnContext(
          v ->
              vertx.setPeriodic(
                  10,
                  t -> {
                    long now = System.nanoTime();
                    maxLagMs.accumulateAndGet((now - last[0]) / 1_000_000 - 10, Math::max);
                    last[0] = now;
                  }));
      RedisConnector admin = connector(settings(redis.url(), "30s"));
      Future<?> sleeping = admin.send(Request.cmd(Command.DEBUG).arg("SLEEP").arg("1.5"));
      Thread.sleep(100);
      List<Future<Boolean>> checks = new CopyOnWriteArrayList<>();
      ctx.runOnContext(
          v -> {
            for (int i = 0; i < 200; i++) {
              checks.add(store.isRevoked("jti-" + i, "sub", 0));
            }
          });
      waitUntil(() -> checks.size() == 200, 2000);
      long started = System.nanoTime();
      await(Future.join(List.copyOf(checks)).otherwiseEmpty());
      long waitedMs = (System.nanoTime() - started) / 1_000_000;
      // Each check gave up at redis.timeout (300 ms) instead of waiting for Redis.
      assertThat(checks).allMatch(Future::failed);
      assertThat(waitedMs).isLessThan(1000);
      assertThat(maxLagMs.get()).as("event loop lag, ms").isLessThan(100);
      sleeping.otherwiseEmpty();
      System.out.println("slow Redis: max event-loop lag " + maxLagMs.get() + " ms");
    }

    @Test
    void garbageAnswersFailChecksWithoutCrashing() throws Exception {
      // Something listening where Redis should be, answering nonsense to everything.
      NetServer liar =
          vertx.createNetServer().connectHandler(s -> s.handler(b -> s.write("?!garbage\r\n")));
      await(liar.listen(0, "127.0.0.1"));
      RevocationStore store =
          RevocationStore.redis(
              connector(settings("redis://127.0.0.1:" + liar.actualPort(), "500ms")),
              Duration.ofHours(1));
      closing.add(store::close);
      assertThatThrownBy(() -> await(store.isRevoked("x", "y", 0))).isNotNull();
      waitUntil(() -> !store.confirmed(), 3000);
      await(liar.close());
    }

    @Test
    void garbageInRedisIsNotAVerdict() throws Exception {
      RevocationStore store = redisStore("30s");
      await(
          connector(settings(redis.url(), "30s"))
              .send(
                  Request.cmd(Command.SET)
                      .arg(RedisRevocationStore.SUBJECT_PREFIX + "eve")
                      .arg("not-a-time")));
      assertThatThrownBy(() -> await(store.isRevoked("x", "eve", 0))).isNotNull();
    }
  }

  @Test
  void settingsRefuseWhatCannotWork() {
    assertThatThrownBy(() -> settings("http://x", "30s"))
        .hasMessageContaining("redis:// or rediss://");
    assertThatThrownBy(() -> new RedisSettings("redis://h:1", "/f", "ENV", null, null, null))
        .hasMessageContaining("not both");
    assertThatThrownBy(
            () ->
                RedisConnector.create(
                    vertx,
                    new RedisSettings("redis://h:1", null, "NOPE", null, null, null),
                    n -> null))
        .hasMessageContaining("NOPE");
    assertThat(
            new RedisSettings("rediss://u:secret@h:6380", null, null, null, null, null).safeUrl())
        .isEqualTo("rediss://h:6380");
  }

  static void awaitSubscribed(RevocationStore store) throws Exception {
    if (store instanceof RedisRevocationStore r) {
      waitUntil(r::subscribed, 5000);
    }
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
