package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The token buckets of rate limits, one per key (SPEC.md §7.8). Two implementations: in memory
 * (this instance only; every answer synchronous) and Redis (shared by every instance pointing at
 * the same Redis; answered from locally held leases of tokens, so most answers are synchronous too,
 * and per instance in memory while Redis cannot be reached).
 */
public interface RateBuckets {

  /** The answer of {@link #take} when a token was taken; a completed future, shared. */
  Future<Long> TAKEN = Future.succeededFuture(0L);

  /**
   * Takes one token from the bucket {@code key} of shape {@code rate}.
   *
   * @return {@link #TAKEN} (0), or the milliseconds until a token is due; never a failed future
   */
  Future<Long> take(String key, Rate rate);

  /** Short name for logs: {@code memory} or {@code redis}. */
  String kind();

  Future<Void> close();

  static RateBuckets memory(Vertx vertx) {
    return new MemoryRateBuckets(vertx);
  }

  /** Buckets in Redis, shared by instances; counted per instance in memory while Redis fails. */
  static RateBuckets redis(RedisConnector redis) {
    return new RedisRateBuckets(redis, new MemoryRateBuckets(redis.vertx()));
  }
}
