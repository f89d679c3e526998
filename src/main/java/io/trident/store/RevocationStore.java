package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Revoked token ids and subjects, shared by every instance that uses the same store. Each entry is
 * kept only as long as the longest token lifetime: after that, every token it could cover has
 * expired anyway. Two implementations: in memory (one instance) and Redis (many instances, with
 * revocations pushed on a channel).
 */
public interface RevocationStore {

  /** What a store tells the stream guard, on an event loop. */
  interface Listener {
    /** A revocation was made, here or by any instance sharing the store. */
    void revoked(Revocation revocation);

    /**
     * Whether revocation status can be confirmed: false once it could not be for longer than {@code
     * redis.failClosedAfter}, true again when it can.
     */
    default void statusChanged(boolean confirmed) {}

    /** Revocations may have been missed (a subscription came back): check open streams again. */
    default void resync() {}
  }

  /**
   * Whether a credential is revoked now.
   *
   * @param jti the token id, or null
   * @param issuedAtMillis when it was issued, or {@link Long#MIN_VALUE} when unknown
   * @return fails when the store cannot answer (e.g. Redis is down or slow)
   */
  Future<Boolean> isRevoked(String jti, String subject, long issuedAtMillis);

  /** Records {@code revocation} and tells every instance. */
  Future<Void> revoke(Revocation revocation);

  void listen(Listener listener);

  /** False while revocation status has gone unconfirmed for longer than allowed. */
  boolean confirmed();

  /** Short name for logs: {@code memory} or {@code redis}. */
  String kind();

  Future<Void> close();

  /** The single-instance store. */
  static RevocationStore memory(Vertx vertx, Duration keepFor) {
    return new MemoryRevocationStore(vertx, keepFor);
  }

  /** The shared store on {@code redis}; subscribes to the channel at once. */
  static RevocationStore redis(RedisConnector redis, Duration keepFor) {
    return RedisRevocationStore.start(redis, keepFor);
  }
}
