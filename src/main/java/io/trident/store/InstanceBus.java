package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * How instances that share sessions talk (SPEC.md §5.7): a message to one instance (a cancellation
 * or a client's answer for work running there, the events of a stream resumed elsewhere), or to all
 * (a session ended, a backend change to fan out). Each instance has a small number, its tag, that
 * is part of the ids it hands out, so a message finds its instance without a lookup; a heartbeat
 * tells the others whether it is alive. One instance alone talks to itself.
 */
public interface InstanceBus {

  /** This instance's tag: 0 alone, else unique among the live instances (1 … 2^20-1). */
  int tag();

  /** Sends {@code message} to instance {@code tag} (dropped when it is gone). */
  void send(int tag, JsonObject message);

  /** Sends {@code message} to every instance, this one included. */
  void broadcast(JsonObject message);

  /** Adds a handler of the messages this instance receives (on some event loop). */
  void listen(Handler<JsonObject> handler);

  /** Whether instance {@code tag} was alive within the last heartbeat period. */
  Future<Boolean> alive(int tag);

  /** How often to look again whether an instance one waits on is alive. */
  long heartbeatMillis();

  /** Stops the heartbeat and the subscriptions (others then see this instance as gone). */
  Future<Void> close();

  /** One instance alone. */
  static InstanceBus local(Vertx vertx) {
    return new LocalInstanceBus(vertx);
  }

  /** Instances sharing {@code redis}; completes once this instance has its tag and listens. */
  static Future<InstanceBus> redis(RedisConnector redis) {
    return RedisInstanceBus.start(redis);
  }
}
