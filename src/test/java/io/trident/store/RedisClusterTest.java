package io.trident.store;

import static io.trident.store.RevocationStoreTest.await;
import static io.trident.store.RevocationStoreTest.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.store.SessionStore.Admission;
import io.trident.store.SessionStore.Limits;
import io.trident.store.SessionStore.SessionRecord;
import io.trident.store.SessionStore.Used;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stores on a real 3-master Redis Cluster and on a real Sentinel set-up (SPEC.md §5.7): keys
 * spread over the nodes, no command or batch crossing slots, pub/sub heard across nodes, a
 * subscription back after a node restarts; and the {@code redis:} settings for both.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisClusterTest {

  private static final Limits LIMITS = new Limits(Duration.ofMinutes(5), 1000, 1000);

  private static RedisServer.Cluster cluster;
  private static RedisServer.Sentinel sentinel;

  private Vertx vertx;
  private final List<Supplier<Future<?>>> closing = new ArrayList<>();

  @AfterAll
  static void stopRedis() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (sentinel != null) {
      sentinel.close();
    }
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      try {
        await(closing.get(i).get());
      } catch (Exception ignored) {
        // Closing what already failed.
      }
    }
    await(vertx.close());
  }

  private RedisConnector connector(RedisSettings settings) {
    RedisConnector c = RedisConnector.create(vertx, settings);
    closing.add(c::close);
    return c;
  }

  @Nested
  class OnACluster {
    @BeforeEach
    void flush() throws Exception {
      if (cluster == null) {
        cluster = RedisServer.cluster(3);
      }
      for (RedisServer n : cluster.nodes()) {
        RedisServer.run(
            List.of("/usr/bin/redis-cli", "-p", Integer.toString(n.port()), "flushall"));
      }
    }

    private RedisConnector connector() {
      return RedisClusterTest.this.connector(RedisSettings.cluster(cluster.urls(), "3s"));
    }

    @Test
    void sessionsSpreadOverEveryMasterAndWorkFromAnotherConnection() throws Exception {
      SessionStore a = SessionStore.redis(connector());
      SessionStore b = SessionStore.redis(connector());
      List<Used> used = new ArrayList<>();
      Set<Integer> nodes = new HashSet<>();
      for (int i = 0; i < 12; i++) {
        String id = "session-" + i;
        assertThat(
                await(a.create(id, new SessionRecord("alice", "st" + i, Set.of("u:" + i)), LIMITS)))
            .isEqualTo(Admission.ADMITTED);
        used.add(new Used(id, "alice"));
        if (nodes.size() < 3) {
          nodes.add(cluster.nodeOf(RedisSessionStore.sessionKey(id)).port());
        }
      }
      assertThat(nodes).as("session hashes on every master").hasSize(3);
      for (RedisServer n : cluster.nodes()) {
        assertThat(cluster.keysOn(n)).as("keys on %s", n.url()).isPositive();
      }
      SessionRecord seen = await(b.touch("session-7", LIMITS));
      assertThat(seen.state()).isEqualTo("st7");
      assertThat(seen.subscriptions()).containsExactly("u:7");
      await(b.setState("session-7", "changed"));
      await(b.subscribe("session-7", "u:other", true));
      assertThat(await(a.touch("session-7", LIMITS)).subscriptions())
          .containsExactlyInAnyOrder("u:7", "u:other");
      // The periodic renewal touches hashes in many slots: no CROSSSLOT.
      await(a.renew(used, LIMITS));
      await(a.recordRequest("session-3", "r1", 42, Duration.ofSeconds(30)));
      assertThat(await(b.requestOwner("session-3", "r1"))).isEqualTo(42);
      await(b.remove("session-3", "alice"));
      assertThat(await(a.touch("session-3", LIMITS))).isNull();
      Limits tight = new Limits(Duration.ofMinutes(5), 1000, 11);
      assertThat(await(b.create("one-more", new SessionRecord("alice", "s", Set.of()), tight)))
          .isEqualTo(Admission.OWNER_CAP);
    }

    @Test
    void eventsOfAStreamAreStoredAndReadBack() throws Exception {
      EventStore events = EventStore.redis(connector());
      EventStore.StreamWriter w = events.writer("s-ev", 3, "req-1", 10, Duration.ofMinutes(1));
      for (long seq = 1; seq <= 4; seq++) {
        w.append(seq, "id: 3-" + seq + "\ndata: {}\n\n");
      }
      w.finish();
      waitUntil(
          () -> {
            try {
              EventStore.StoredStream s = await(events.read("s-ev", 3, 1));
              return s != null && s.finished() && s.events().size() == 3;
            } catch (Exception e) {
              return false;
            }
          },
          5000);
    }

    @Test
    void revocationsAreCheckedAndHeardOnEveryInstance() throws Exception {
      RevocationStore a = RevocationStore.redis(connector(), Duration.ofHours(1));
      RevocationStore b = RevocationStore.redis(connector(), Duration.ofHours(1));
      closing.add(a::close);
      closing.add(b::close);
      List<Revocation> heard = new CopyOnWriteArrayList<>();
      b.listen(heard::add);
      waitUntil(((RedisRevocationStore) b)::subscribed, 5000);
      waitUntil(((RedisRevocationStore) a)::subscribed, 5000);
      long t = System.currentTimeMillis();
      for (int i = 0; i < 6; i++) {
        await(a.revoke(Revocation.token("jti-" + i)));
      }
      await(a.revoke(Revocation.subject("bob", t)));
      // jti and subject keys in one slot: one MGET, whatever the names.
      assertThat(await(b.isRevoked("jti-4", "carol", t))).isTrue();
      assertThat(await(b.isRevoked("jti-9", "bob", t - 1000))).isTrue();
      assertThat(await(b.isRevoked("jti-9", "bob", t + 1000))).isFalse();
      assertThat(await(b.isRevoked(null, "dave", t))).isFalse();
      // Published on the node of the key's slot, heard by a subscriber on whichever master.
      waitUntil(() -> heard.size() == 7, 5000);
      assertThat(cluster.nodeOf(RedisRevocationStore.JTI_PREFIX + "x").port())
          .isEqualTo(cluster.nodeOf(RedisRevocationStore.SUBJECT_PREFIX + "y").port());
    }

    @Test
    void aSubscriptionComesBackAfterANodeRestarts() throws Exception {
      RedisRevocationStore a =
          (RedisRevocationStore) RevocationStore.redis(connector(), Duration.ofHours(1));
      closing.add(a::close);
      List<Revocation> heard = new CopyOnWriteArrayList<>();
      List<Boolean> resyncs = new CopyOnWriteArrayList<>();
      a.listen(
          new RevocationStore.Listener() {
            @Override
            public void revoked(Revocation r) {
              heard.add(r);
            }

            @Override
            public void resync() {
              resyncs.add(true);
            }
          });
      waitUntil(a::subscribed, 5000);
      for (RedisServer n : cluster.nodes()) {
        n.stop();
        waitUntil(() -> !a.subscribed(), 5000);
        n.restart();
        cluster.awaitOk();
        waitUntil(a::subscribed, 15000);
      }
      assertThat(resyncs).isNotEmpty();
      RevocationStore other = RevocationStore.redis(connector(), Duration.ofHours(1));
      closing.add(other::close);
      waitUntil(
          () -> {
            try {
              await(other.revoke(Revocation.token("after-restart")));
            } catch (Exception e) {
              return false;
            }
            return heard.contains(Revocation.token("after-restart"));
          },
          10000);
    }

    @Test
    void rateBucketsAreSharedAndSpreadOverTheMasters() throws Exception {
      RateBuckets a = RateBuckets.redis(connector());
      RateBuckets b = RateBuckets.redis(connector());
      closing.add(a::close);
      closing.add(b::close);
      Rate rate = new Rate(0.001, 10);
      int admitted = 0;
      for (int i = 0; i < 10; i++) {
        if (await(a.take("shared", rate)) == 0) {
          admitted++;
        }
        if (await(b.take("shared", rate)) == 0) {
          admitted++;
        }
      }
      // Every token admitted came from the one bucket; a lease may still hold one unspent.
      assertThat(admitted).as("one bucket of 10 for both instances").isBetween(8, 10);
      assertThat(((RedisRateBuckets) a).shared()).isTrue();
      Rate roomy = new Rate(100, 100);
      for (int i = 0; i < 12; i++) {
        assertThat(await(a.take("k" + i, roomy))).isZero();
      }
      for (RedisServer n : cluster.nodes()) {
        assertThat(cluster.keysOn(n)).as("buckets on %s", n.url()).isPositive();
      }
    }

    @Test
    void theInstanceBusCarriesMessagesAcrossNodes() throws Exception {
      InstanceBus a = await(InstanceBus.redis(connector()));
      InstanceBus b = await(InstanceBus.redis(connector()));
      closing.add(a::close);
      closing.add(b::close);
      List<JsonObject> onB = new CopyOnWriteArrayList<>();
      b.listen(onB::add);
      assertThat(await(a.alive(b.tag()))).isTrue();
      waitUntil(
          () -> {
            a.send(b.tag(), new JsonObject().put("n", 1));
            a.broadcast(new JsonObject().put("all", 1));
            return onB.stream().anyMatch(m -> m.containsKey("n"))
                && onB.stream().anyMatch(m -> m.containsKey("all"));
          },
          5000);
    }
  }

  @Nested
  class BehindASentinel {
    @BeforeEach
    void start() throws Exception {
      if (sentinel == null) {
        sentinel = RedisServer.sentinel();
      }
    }

    private RedisConnector connector() {
      return RedisClusterTest.this.connector(
          RedisSettings.sentinel(
              List.of(sentinel.sentinelUrl()), RedisServer.Sentinel.MASTER_NAME, "3s"));
    }

    @Test
    void theStoresWorkThroughTheMasterTheSentinelNames() throws Exception {
      SessionStore a = SessionStore.redis(connector());
      SessionStore b = SessionStore.redis(connector());
      assertThat(await(a.create("s1", new SessionRecord("alice", "st", Set.of()), LIMITS)))
          .isEqualTo(Admission.ADMITTED);
      assertThat(await(b.touch("s1", LIMITS)).state()).isEqualTo("st");
      String onMaster =
          RedisServer.run(
              List.of(
                  "/usr/bin/redis-cli",
                  "-p",
                  Integer.toString(sentinel.master().port()),
                  "exists",
                  RedisSessionStore.sessionKey("s1")));
      assertThat(onMaster.strip()).isEqualTo("1");

      RedisRevocationStore revA =
          (RedisRevocationStore) RevocationStore.redis(connector(), Duration.ofHours(1));
      RevocationStore revB = RevocationStore.redis(connector(), Duration.ofHours(1));
      closing.add(revA::close);
      closing.add(revB::close);
      List<Revocation> heard = new CopyOnWriteArrayList<>();
      revA.listen(heard::add);
      waitUntil(revA::subscribed, 5000);
      await(revB.revoke(Revocation.token("j")));
      assertThat(await(revA.isRevoked("j", "x", 0))).isTrue();
      waitUntil(() -> heard.contains(Revocation.token("j")), 5000);

      InstanceBus busA = await(InstanceBus.redis(connector()));
      InstanceBus busB = await(InstanceBus.redis(connector()));
      closing.add(busA::close);
      closing.add(busB::close);
      List<JsonObject> onB = new CopyOnWriteArrayList<>();
      busB.listen(onB::add);
      waitUntil(
          () -> {
            busA.send(busB.tag(), new JsonObject().put("n", 1));
            return !onB.isEmpty();
          },
          5000);
    }
  }

  /** A set-up of its own: the failover leaves the replica as the master. */
  @Nested
  class AfterASentinelFailover {
    @Test
    void subscriptionsAndCommandsFollowTheNewMaster() throws Exception {
      try (RedisServer.Sentinel failing = RedisServer.sentinel()) {
        failover(failing);
      }
    }

    private void failover(RedisServer.Sentinel sentinel) throws Exception {
      RedisSettings settings =
          RedisSettings.sentinel(
              List.of(sentinel.sentinelUrl()), RedisServer.Sentinel.MASTER_NAME, "2s");
      RedisRevocationStore revA =
          (RedisRevocationStore) RevocationStore.redis(connector(settings), Duration.ofHours(1));
      closing.add(revA::close);
      List<Revocation> heard = new CopyOnWriteArrayList<>();
      revA.listen(heard::add);
      waitUntil(revA::subscribed, 5000);
      SessionStore sessions = SessionStore.redis(connector(settings));
      assertThat(await(sessions.create("f1", new SessionRecord("o", "st", Set.of()), LIMITS)))
          .isEqualTo(Admission.ADMITTED);
      sentinel.master().stop();
      waitUntil(() -> !revA.subscribed(), 5000);
      sentinel.awaitMaster(sentinel.replica(), Duration.ofSeconds(20));
      waitUntil(revA::subscribed, 15000);
      RevocationStore revB = RevocationStore.redis(connector(settings), Duration.ofHours(1));
      closing.add(revB::close);
      waitUntil(
          () -> {
            try {
              await(revB.revoke(Revocation.token("after-failover")));
              return await(sessions.create("f2", new SessionRecord("o", "st", Set.of()), LIMITS))
                      == Admission.ADMITTED
                  && heard.contains(Revocation.token("after-failover"));
            } catch (Exception e) {
              return false;
            }
          },
          15000);
      assertThat(await(revA.isRevoked("after-failover", "x", 0))).isTrue();
    }
  }

  @Test
  void settingsNameTheKeyThatIsWrong() {
    assertThatThrownBy(
            () ->
                new RedisSettings(
                    null,
                    "sentinel",
                    List.of("redis://h:26379"),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null))
        .hasMessage("redis.masterName is required when redis.mode is sentinel");
    assertThatThrownBy(
            () -> new RedisSettings(null, "ring", null, null, null, null, null, null, null))
        .hasMessageContaining("redis.mode must be standalone, cluster or sentinel");
    assertThatThrownBy(
            () ->
                new RedisSettings(
                    "redis://h:1", "cluster", null, null, null, null, null, null, null))
        .hasMessageContaining("redis.url is only for redis.mode standalone");
    assertThatThrownBy(
            () ->
                new RedisSettings(
                    null,
                    "cluster",
                    List.of("redis://a:1", "rediss://b:2"),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null))
        .hasMessageContaining("redis.nodes: all nodes must use the same scheme");
    assertThatThrownBy(
            () ->
                new RedisSettings(
                    null, "cluster", List.of("http://a:1"), null, null, null, null, null, null))
        .hasMessageContaining("redis.nodes[0] must start with redis://");
    assertThatThrownBy(() -> RedisSettings.none().withUrl("redis://a:1,redis://b:2"))
        .hasMessageContaining("redis.url names one node");
    assertThatThrownBy(
            () ->
                new RedisSettings(null, "cluster", null, null, null, null, null, null, null)
                    .complete())
        .hasMessageContaining("redis.nodes is required when redis.mode is cluster");
    RedisSettings cluster =
        new RedisSettings(null, "cluster", null, null, null, null, null, null, null)
            .withUrl("redis://u:pw@a:7000, rediss://b:7001".replace("rediss", "redis"));
    assertThat(cluster.nodes()).containsExactly("redis://u:pw@a:7000", "redis://b:7001");
    assertThat(cluster.safeUrl()).isEqualTo("cluster redis://a:7000,redis://b:7001");
    assertThat(RedisSettings.sentinel(List.of("rediss://:pw@s:26379"), "main", null).safeUrl())
        .isEqualTo("sentinel master main via rediss://s:26379");
    assertThat(RedisSettings.none().withUrl("redis://u:p@h:1").safeUrl()).isEqualTo("redis://h:1");
  }
}
