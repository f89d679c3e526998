package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.trident.config.ConfigLoader;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.store.RateBuckets;
import io.trident.store.RedisConnector;
import io.trident.store.RedisServer;
import io.trident.store.RedisSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The limiter itself (SPEC.md §7.8): who shares a bucket, who is exempt, the audit line per
 * principal, the config errors, and Redis going away and coming back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RateLimiterTest {

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    StreamGuardFixture.await(vertx.close());
  }

  static Principal jwt(String sub) {
    return new Principal(sub, Set.of("*"), "jwt", Map.of());
  }

  static Principal anonymous(String sub) {
    return new Principal(sub, Set.of(), "anonymous", Map.of());
  }

  static LimitSettings settings(
      String rate, int burst, LimitSettings.Limit anonymous, boolean local) {
    return new LimitSettings(
        true, new LimitSettings.Limit(rate, burst), null, null, null, 0, anonymous, local);
  }

  /** 0 when admitted, else the retry hint of the refusal. */
  static long ask(RateLimiter limiter, Principal p, String transport) throws Exception {
    Future<RateLimiter.Permit> f = limiter.admitRequest(p, transport, "ping", null);
    try {
      f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).release();
      return 0;
    } catch (ExecutionException e) {
      McpException refusal = (McpException) e.getCause();
      assertThat(refusal.code()).isEqualTo(McpException.RATE_LIMITED);
      return RateLimiter.retryAfterMillis(refusal);
    }
  }

  static int admitted(RateLimiter limiter, Principal p, String transport, int tries)
      throws Exception {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      if (ask(limiter, p, transport) == 0) {
        n++;
      }
    }
    return n;
  }

  @Test
  void anonymousCallersShareOneBucketWhateverTheirSubject() throws Exception {
    RateLimiter limiter =
        RateLimiter.create(
            vertx,
            settings("100/s", 50, new LimitSettings.Limit("1/m", 3), false),
            RateBuckets.memory(vertx));
    assertThat(ask(limiter, anonymous("a"), "http")).isZero();
    assertThat(ask(limiter, anonymous("b"), "grpc")).isZero();
    assertThat(ask(limiter, anonymous("c"), "http")).isZero();
    long hint = ask(limiter, anonymous("d"), "http");
    assertThat(hint).as("retry hint: a token is due in about a minute").isBetween(1L, 60_000L);
    assertThat(admitted(limiter, jwt("alice"), "http", 10))
        .as("named callers are apart")
        .isEqualTo(10);
  }

  @Test
  void stdioAndNoAuthCallersAreExemptUnlessConfigured() throws Exception {
    Principal local = Principal.local("me", Set.of("*"));
    Principal noAuth = new Principal("anonymous", Set.of("*"), "none", Map.of());
    RateLimiter exempt =
        RateLimiter.create(vertx, settings("1/m", 1, null, false), RateBuckets.memory(vertx));
    assertThat(admitted(exempt, local, "stdio", 5)).isEqualTo(5);
    assertThat(admitted(exempt, jwt("x"), "stdio", 5)).as("stdio is one local user").isEqualTo(5);
    assertThat(admitted(exempt, noAuth, "http", 5)).isEqualTo(5);
    RateLimiter limited =
        RateLimiter.create(vertx, settings("1/m", 1, null, true), RateBuckets.memory(vertx));
    assertThat(admitted(limited, local, "stdio", 5)).isEqualTo(1);
    assertThat(admitted(limited, noAuth, "http", 5)).isEqualTo(1);
  }

  @Test
  void notificationsCountAgainstTheirOwnBucket() throws Exception {
    LimitSettings s =
        new LimitSettings(
            true,
            new LimitSettings.Limit("1/m", 1),
            new LimitSettings.Limit("1/m", 3),
            null,
            null,
            0,
            null,
            null);
    RateLimiter limiter = RateLimiter.create(vertx, s, RateBuckets.memory(vertx));
    Principal p = jwt("n");
    assertThat(ask(limiter, p, "grpc")).isZero();
    assertThat(ask(limiter, p, "grpc")).isPositive();
    assertThat(limiter.admitMessage(p, "grpc")).isZero();
    assertThat(limiter.admitMessage(p, "grpc")).isZero();
    assertThat(limiter.admitMessage(p, "grpc")).isZero();
    assertThat(limiter.admitMessage(p, "grpc")).isPositive();
  }

  @Test
  void limitingIsAuditedAsOneLinePerPrincipalWithACount() throws Exception {
    try (LogCapture logs = LogCapture.debugEverything()) {
      RateLimiter limiter =
          RateLimiter.create(vertx, settings("1/m", 2, null, false), RateBuckets.memory(vertx));
      admitted(limiter, jwt("mallory"), "http", 52);
      admitted(limiter, jwt("mallory"), "grpc", 10);
      admitted(limiter, jwt("trent"), "grpc", 5);
      assertThat(logs.auditLines()).as("nothing per refused message").isEmpty();
      limiter.flushAudit();
      List<io.vertx.core.json.JsonObject> lines = logs.auditLines();
      assertThat(lines).hasSize(2);
      io.vertx.core.json.JsonObject mallory =
          lines.stream().filter(l -> "mallory".equals(l.getString("subject"))).findFirst().get();
      assertThat(mallory.getString("outcome")).isEqualTo("rate_limited");
      assertThat(mallory.getInteger("refused")).isEqualTo(60);
      assertThat(mallory.getJsonArray("transports").getList()).containsExactly("grpc", "http");
      assertThat(mallory.getJsonArray("limits").getList()).containsExactly("perPrincipal");
      limiter.flushAudit();
      assertThat(logs.auditLines()).as("a quiet minute writes nothing").hasSize(2);
    }
  }

  @Nested
  class Config {
    @Test
    void aRateThatIsNotARateIsAStartUpErrorNamingTheKey() {
      assertThatThrownBy(
              () -> ConfigLoader.parse("limits:\n  perPrincipal: { rate: fast }\n", "test.yaml"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("limits.perPrincipal.rate")
          .hasMessageContaining("fast");
    }

    @Test
    void aNegativeBurstIsAStartUpErrorNamingTheKey() {
      assertThatThrownBy(
              () ->
                  ConfigLoader.parse(
                      "limits:\n  tools:\n    echo: { rate: 1/s, burst: -1 }\n", "test.yaml"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("limits.tools.echo.burst");
      assertThatThrownBy(
              () ->
                  ConfigLoader.parse(
                      "limits:\n  upstreams:\n    inventory: { rate: 0/s }\n", "test.yaml"))
          .hasMessageContaining("limits.upstreams.inventory.rate");
      assertThatThrownBy(
              () -> ConfigLoader.parse("limits:\n  maxInFlightPerPrincipal: -2\n", "test.yaml"))
          .hasMessageContaining("limits.maxInFlightPerPrincipal");
      assertThatThrownBy(() -> ConfigLoader.parse("limits:\n  perPrinciple: {}\n", "test.yaml"))
          .hasMessageContaining("perPrinciple");
    }

    @Test
    void theDefaultsAreGenerousAndEveryKeyIsOptional() {
      LimitSettings d = ConfigLoader.parse("limits: {}\n", "test.yaml").limits();
      assertThat(d.enabled()).isTrue();
      assertThat(d.perPrincipal().toRate("x").perSecond()).isEqualTo(100);
      assertThat(d.perPrincipal().toRate("x").burst()).isEqualTo(200);
      assertThat(d.maxInFlightPerPrincipal()).isEqualTo(64);
      assertThat(new LimitSettings.Limit("600/m", null).toRate("x").perSecond()).isEqualTo(10);
    }
  }

  @Test
  void redisStoppedMidTestFallsBackToPerInstanceCountingAndComesBack() throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger logger =
        ((LoggerContext) LoggerFactory.getILoggerFactory())
            .getLogger("io.trident.store.RedisRateBuckets");
    logs.start();
    logger.addAppender(logs);
    try (RedisServer redis = RedisServer.start()) {
      RedisConnector connector =
          RedisConnector.create(
              vertx, new RedisSettings(redis.url(), null, null, "300ms", null, null));
      RateLimiter limiter =
          RateLimiter.create(vertx, settings("1/m", 5, null, false), RateBuckets.redis(connector));
      Principal p = jwt("grace");
      assertThat(admitted(limiter, p, "http", 8)).as("shared bucket").isEqualTo(5);
      redis.stop();
      // A bucket Redis found empty stays refused locally until its token is due: nothing to ask.
      assertThat(ask(limiter, p, "http")).isPositive();
      // Heidi's first request finds Redis gone: fail open for rate, counted per instance in a
      // fresh local bucket, and nobody waits long.
      Principal q = jwt("heidi");
      long t0 = System.nanoTime();
      int whileDown = admitted(limiter, q, "http", 8);
      long tookMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(whileDown).as("per-instance bucket of burst 5").isEqualTo(5);
      assertThat(tookMs).as("8 answers while Redis is down").isLessThan(2_000);
      assertThat(warnings(logs, "not answering")).as("logged once").isEqualTo(1);
      admitted(limiter, jwt("ivan"), "http", 20);
      assertThat(warnings(logs, "not answering")).isEqualTo(1);
      redis.restart();
      // A probe (about a second after the last failure) finds Redis again.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int n = 0;
      while (warnings(logs, "again") == 0 && System.nanoTime() < until) {
        ask(limiter, jwt("judy" + n++), "http");
        Thread.sleep(100);
      }
      assertThat(warnings(logs, "again")).as("back: logged once").isEqualTo(1);
      assertThat(admitted(limiter, jwt("ken"), "http", 8)).as("shared again").isEqualTo(5);
      assertThat(warnings(logs, "not answering")).isEqualTo(1);
      StreamGuardFixture.await(limiter.close());
      StreamGuardFixture.await(connector.close());
    } finally {
      logger.detachAppender(logs);
    }
  }

  static long warnings(ListAppender<ILoggingEvent> logs, String text) {
    synchronized (logs) {
      return List.copyOf(logs.list).stream()
          .filter(e -> e.getFormattedMessage().contains(text))
          .count();
    }
  }
}
