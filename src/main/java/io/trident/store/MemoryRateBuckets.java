package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Buckets of this instance only. A bucket left alone until it is full again is forgotten (a sweep
 * every minute), so one bucket per caller ever seen does not accumulate.
 */
final class MemoryRateBuckets implements RateBuckets {

  private static final long SWEEP_MILLIS = 60_000;

  private final Vertx vertx;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final long sweepTimer;

  MemoryRateBuckets(Vertx vertx) {
    this.vertx = vertx;
    this.sweepTimer = vertx == null ? -1 : vertx.setPeriodic(SWEEP_MILLIS, t -> sweep());
  }

  @Override
  public Future<Long> take(String key, Rate rate) {
    long wait = takeNow(key, rate);
    return wait == 0 ? TAKEN : Future.succeededFuture(wait);
  }

  /** As {@link #take}, synchronously: 0 when taken, else milliseconds until a token is due. */
  long takeNow(String key, Rate rate) {
    long now = System.nanoTime();
    TokenBucket bucket = buckets.get(key);
    if (bucket == null) {
      bucket = buckets.computeIfAbsent(key, k -> new TokenBucket(rate, now));
    }
    bucket.lastUsedMillis = System.currentTimeMillis();
    return bucket.take(now);
  }

  int size() {
    return buckets.size();
  }

  private void sweep() {
    long now = System.nanoTime();
    long idleSince = System.currentTimeMillis() - SWEEP_MILLIS;
    buckets.values().removeIf(b -> b.lastUsedMillis < idleSince && b.full(now));
  }

  @Override
  public String kind() {
    return "memory";
  }

  @Override
  public Future<Void> close() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    return Future.succeededFuture();
  }
}
