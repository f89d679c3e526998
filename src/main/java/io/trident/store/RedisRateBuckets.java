package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token buckets in Redis, shared by every instance (SPEC.md §7.8). The bucket itself lives in Redis
 * under {@code trident:limit:<key>} (a hash of {@code tokens} and {@code at}, the Redis clock in
 * ms, expiring once it would be full again) and is changed only by one Lua script, run by {@code
 * EVALSHA}: refill by elapsed time, then take up to the tokens asked for.
 *
 * <p>An instance does not ask Redis per request: it takes a <em>lease</em> of tokens (about 50 ms
 * worth of the rate, at most the burst) and spends them locally, asking for the next lease in the
 * background when half is spent. Requests only wait for Redis when a lease ran dry, and a bucket
 * Redis found empty is refused locally until its next token is due. Since every token spent was
 * first taken from the shared bucket, instances together never admit more than the bucket allows,
 * plus what leases held at the start of a window: at most 1.5 leases per instance.
 *
 * <p>When Redis fails, each instance counts in memory on its own (fail open for rate, never for
 * auth), probes Redis again about every second, and logs each change of state once.
 */
final class RedisRateBuckets implements RateBuckets {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRateBuckets.class);

  /** Prefix of every bucket key in Redis. */
  static final String PREFIX = "trident:limit:";

  /** KEYS[1] bucket; ARGV: tokens per ms, burst, tokens wanted. Returns {granted, ms until one}. */
  static final String SCRIPT =
      """
      local rate = tonumber(ARGV[1])
      local burst = tonumber(ARGV[2])
      local want = tonumber(ARGV[3])
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local v = redis.call('HMGET', KEYS[1], 'tokens', 'at')
      local tokens = tonumber(v[1])
      local at = tonumber(v[2])
      if tokens == nil or at == nil then
        tokens = burst
        at = now
      end
      if now > at then
        tokens = math.min(burst, tokens + (now - at) * rate)
        at = now
      end
      local granted = math.min(want, math.floor(tokens))
      if granted < 0 then granted = 0 end
      tokens = tokens - granted
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', at)
      redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
      local wait = 0
      if granted == 0 then wait = math.ceil((1 - tokens) / rate) end
      return {granted, wait}
      """;

  private static final long LEASE_MILLIS = 50;
  private static final long PROBE_MILLIS = 1_000;
  private static final long SWEEP_MILLIS = 60_000;

  private final RedisConnector redis;
  private final MemoryRateBuckets fallback;
  private final String sha;
  private final long waitMillis;
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();
  private final long sweepTimer;
  private volatile boolean up = true;
  private volatile long probeAtMillis;

  RedisRateBuckets(RedisConnector redis, MemoryRateBuckets fallback) {
    this.redis = redis;
    this.fallback = fallback;
    this.sha = sha1(SCRIPT);
    this.waitMillis = Math.min(250, redis.settings().timeoutDuration().toMillis());
    this.sweepTimer = redis.vertx().setPeriodic(SWEEP_MILLIS, t -> sweep());
  }

  @Override
  public Future<Long> take(String key, Rate rate) {
    if (!up && System.currentTimeMillis() < probeAtMillis) {
      return fallback.take(key, rate);
    }
    Lease lease = leases.get(key);
    if (lease == null) {
      lease = leases.computeIfAbsent(key, k -> new Lease(k, rate));
    }
    return lease.take();
  }

  /** Whether Redis answered the last time it was asked. */
  boolean shared() {
    return up;
  }

  @Override
  public String kind() {
    return "redis";
  }

  @Override
  public Future<Void> close() {
    redis.vertx().cancelTimer(sweepTimer);
    return fallback.close();
  }

  /** Tokens {@code want} taken from the shared bucket, or a failure when Redis did not answer. */
  private Future<long[]> takeShared(String key, Rate rate, int want) {
    String perMs = Double.toString(rate.perSecond() / 1000);
    Request evalsha =
        Request.cmd(Command.EVALSHA)
            .arg(sha)
            .arg(1)
            .arg(PREFIX + key)
            .arg(perMs)
            .arg(rate.burst())
            .arg(want);
    return redis
        .send(evalsha)
        .recover(
            e -> {
              // After a Redis restart or SCRIPT FLUSH: EVAL loads the script again.
              if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
                return redis.send(
                    Request.cmd(Command.EVAL)
                        .arg(SCRIPT)
                        .arg(1)
                        .arg(PREFIX + key)
                        .arg(perMs)
                        .arg(rate.burst())
                        .arg(want));
              }
              return Future.failedFuture(e);
            })
        .compose(
            reply -> {
              if (reply == null || reply.type() != ResponseType.MULTI || reply.size() != 2) {
                return Future.failedFuture(
                    new IllegalStateException("unexpected reply to the rate-limit script"));
              }
              return Future.succeededFuture(new long[] {reply.get(0).toLong(), toLong(reply, 1)});
            })
        .andThen(
            ar -> {
              if (ar.succeeded()) {
                stateChanged(true, null);
              } else {
                probeAtMillis = System.currentTimeMillis() + PROBE_MILLIS;
                stateChanged(false, ar.cause());
              }
            });
  }

  private static long toLong(Response reply, int i) {
    Response r = reply.get(i);
    return r == null ? 0 : r.toLong();
  }

  private synchronized void stateChanged(boolean nowUp, Throwable cause) {
    if (nowUp == up) {
      return;
    }
    up = nowUp;
    if (nowUp) {
      LOG.info("rate limits shared through Redis {} again", redis.settings().safeUrl());
    } else {
      LOG.warn(
          "rate limits: Redis {} is not answering ({}); counting per instance until it does",
          redis.settings().safeUrl(),
          cause == null ? "no reply" : cause.toString());
    }
  }

  private void sweep() {
    long idleSince = System.currentTimeMillis() - SWEEP_MILLIS;
    leases.values().removeIf(l -> l.lastUsedMillis < idleSince && l.refilling == null);
  }

  private static int leaseSize(Rate rate) {
    long worth = (long) Math.ceil(rate.perSecond() * LEASE_MILLIS / 1000.0);
    return (int) Math.max(1, Math.min(rate.burst(), worth));
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The tokens this instance holds of one shared bucket. */
  private final class Lease {
    private final String key;
    private final Rate rate;
    private final int size;
    private int tokens;
    private long emptyUntilMillis;
    volatile Promise<Void> refilling;
    volatile long lastUsedMillis;

    Lease(String key, Rate rate) {
      this.key = key;
      this.rate = rate;
      this.size = leaseSize(rate);
    }

    Future<Long> take() {
      long now = System.currentTimeMillis();
      lastUsedMillis = now;
      Future<Void> pending;
      synchronized (this) {
        if (tokens > 0) {
          tokens--;
          if (tokens <= size / 2 && refilling == null) {
            refill();
          }
          return TAKEN;
        }
        if (emptyUntilMillis > now) {
          return Future.succeededFuture(emptyUntilMillis - now);
        }
        Promise<Void> current = refilling;
        pending = (current == null ? refill() : current).future();
      }
      return pending
          .timeout(waitMillis, TimeUnit.MILLISECONDS)
          .transform(
              ar -> ar.succeeded() && up ? Future.succeededFuture(afterRefill()) : fallback());
    }

    private Future<Long> fallback() {
      return fallbackTake(key, rate);
    }

    private synchronized long afterRefill() {
      if (tokens > 0) {
        tokens--;
        return 0;
      }
      long now = System.currentTimeMillis();
      return emptyUntilMillis > now
          ? emptyUntilMillis - now
          : Math.max(1, (long) Math.ceil(1000 / rate.perSecond()));
    }

    /** Holding the lock: asks Redis for the next lease in the background. */
    private Promise<Void> refill() {
      Promise<Void> done = Promise.promise();
      refilling = done;
      takeShared(key, rate, size)
          .onComplete(
              ar -> {
                synchronized (this) {
                  if (refilling == done) {
                    refilling = null;
                  }
                  if (ar.succeeded()) {
                    long granted = ar.result()[0];
                    tokens += (int) granted;
                    if (granted == 0) {
                      emptyUntilMillis = System.currentTimeMillis() + ar.result()[1];
                    }
                  }
                }
                done.tryComplete();
              });
      return done;
    }
  }

  private Future<Long> fallbackTake(String key, Rate rate) {
    return fallback.take(key, rate);
  }
}
