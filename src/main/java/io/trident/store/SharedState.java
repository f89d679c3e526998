package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Where the HTTP transport keeps what several instances must share (SPEC.md §5.7): sessions, SSE
 * events and the bus between instances. In memory for one instance; in Redis when {@code redis.url}
 * is set, automatically.
 */
public record SharedState(SessionStore sessions, EventStore events, InstanceBus bus) {

  /** One instance, everything in memory. */
  public static SharedState local(Vertx vertx) {
    return new SharedState(SessionStore.memory(), EventStore.none(), InstanceBus.local(vertx));
  }

  /** Everything in {@code redis}; completes once this instance is on the bus. */
  public static Future<SharedState> redis(RedisConnector redis) {
    return InstanceBus.redis(redis)
        .map(bus -> new SharedState(SessionStore.redis(redis), EventStore.redis(redis), bus));
  }

  public boolean shared() {
    return sessions.shared();
  }

  public Future<Void> close() {
    return bus.close();
  }
}
