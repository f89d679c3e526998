package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance bus over Redis pub/sub: channel {@code trident:i:<tag>} per instance, {@code
 * trident:bus} for all; heartbeat key {@code trident:i:<tag>} (set NX to claim the tag, then
 * renewed every second with a 3 s expiry). Messages go out on one dedicated connection, so two
 * messages to the same instance arrive in the order they were sent; on a Redis Cluster that is a
 * connection to one node (the cluster forwards every publish to every node), the next seed node
 * when it is lost.
 */
final class RedisInstanceBus implements InstanceBus {

  private static final Logger LOG = LoggerFactory.getLogger(RedisInstanceBus.class);
  static final String BROADCAST = "trident:bus";
  static final String INSTANCE_PREFIX = "trident:i:";
  private static final long HEARTBEAT_MILLIS = 1_000;
  private static final long ALIVE_MILLIS = 3_000;
  private static final int MAX_TAG = 1 << 20;

  private final RedisConnector redis;
  private final Vertx vertx;
  private final int tag;
  private final List<Redis> publishers;
  private int publisherIndex;
  private final List<Handler<JsonObject>> handlers = new CopyOnWriteArrayList<>();
  private RedisConnector.Subscription direct;
  private RedisConnector.Subscription all;
  private long heartbeat = -1;
  private volatile Future<RedisConnection> connection;
  private volatile boolean closed;

  private RedisInstanceBus(RedisConnector redis, int tag) {
    this.redis = redis;
    this.vertx = redis.vertx();
    this.tag = tag;
    this.publishers = redis.orderedClients();
  }

  static Future<InstanceBus> start(RedisConnector redis) {
    return claim(redis, new SecureRandom(), 0)
        .map(
            tag -> {
              RedisInstanceBus bus = new RedisInstanceBus(redis, tag);
              bus.begin();
              return bus;
            });
  }

  /** A tag no live instance holds (SET NX), trying a few random ones. */
  private static Future<Integer> claim(RedisConnector redis, SecureRandom random, int attempt) {
    int candidate = 1 + random.nextInt(MAX_TAG - 1);
    return redis
        .send(
            Request.cmd(Command.SET)
                .arg(INSTANCE_PREFIX + candidate)
                .arg("1")
                .arg("NX")
                .arg("PX")
                .arg(ALIVE_MILLIS))
        .transform(
            ar -> {
              if (ar.succeeded() && ar.result() != null && "OK".equals(ar.result().toString())) {
                return Future.succeededFuture(candidate);
              }
              if (attempt >= 20) {
                return Future.failedFuture(
                    ar.failed() ? ar.cause() : new IllegalStateException("no free instance tag"));
              }
              if (ar.succeeded()) {
                return claim(redis, random, attempt + 1);
              }
              // Redis slow or not up yet at start-up: try again shortly, for a few seconds.
              Promise<Integer> later = Promise.promise();
              redis.vertx().setTimer(250, t -> claim(redis, random, attempt + 1).onComplete(later));
              return later.future();
            });
  }

  private void begin() {
    direct = redis.subscribe(INSTANCE_PREFIX + tag, this::onMessage, up -> {});
    all = redis.subscribe(BROADCAST, this::onMessage, up -> {});
    heartbeat =
        vertx.setPeriodic(
            HEARTBEAT_MILLIS,
            t ->
                redis
                    .send(
                        Request.cmd(Command.SET)
                            .arg(INSTANCE_PREFIX + tag)
                            .arg("1")
                            .arg("PX")
                            .arg(ALIVE_MILLIS))
                    .onFailure(e -> LOG.debug("heartbeat not written: {}", e.toString())));
    LOG.info("instance tag {} on Redis {}", tag, redis.settings().safeUrl());
  }

  private void onMessage(String payload) {
    JsonObject message;
    try {
      message = new JsonObject(payload);
    } catch (RuntimeException e) {
      LOG.warn("ignored a bus message that is not JSON");
      return;
    }
    for (Handler<JsonObject> h : handlers) {
      h.handle(message);
    }
  }

  @Override
  public int tag() {
    return tag;
  }

  @Override
  public void send(int to, JsonObject message) {
    publish(INSTANCE_PREFIX + to, message);
  }

  @Override
  public void broadcast(JsonObject message) {
    publish(BROADCAST, message);
  }

  private void publish(String channel, JsonObject message) {
    Request publish = Request.cmd(Command.PUBLISH).arg(channel).arg(message.encode());
    connection()
        .compose(c -> c.send(publish))
        .timeout(redis.timeoutMillis(), TimeUnit.MILLISECONDS)
        .onFailure(e -> LOG.debug("bus message to {} not sent: {}", channel, e.toString()));
  }

  /** The publishing connection, connecting (again) when there is none. */
  private synchronized Future<RedisConnection> connection() {
    Future<RedisConnection> c = connection;
    if (c != null && !c.failed()) {
      return c;
    }
    Promise<RedisConnection> next = Promise.promise();
    connection = next.future();
    Redis publisher = publishers.get(publisherIndex);
    publisher
        .connect()
        .timeout(redis.timeoutMillis(), TimeUnit.MILLISECONDS)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                RedisConnection conn = ar.result();
                Runnable lost =
                    () -> {
                      synchronized (this) {
                        if (connection == next.future()) {
                          connection = null;
                          publisherIndex = (publisherIndex + 1) % publishers.size();
                        }
                      }
                    };
                conn.exceptionHandler(e -> lost.run());
                conn.endHandler(v -> lost.run());
                next.complete(conn);
              } else {
                synchronized (this) {
                  connection = null;
                  // Next time the next node (a cluster's seeds; one client elsewhere).
                  publisherIndex = (publisherIndex + 1) % publishers.size();
                }
                next.fail(ar.cause());
              }
            });
    return next.future();
  }

  @Override
  public void listen(Handler<JsonObject> handler) {
    handlers.add(handler);
  }

  @Override
  public Future<Boolean> alive(int other) {
    if (other == tag) {
      return Future.succeededFuture(!closed);
    }
    return redis
        .send(Request.cmd(Command.EXISTS).arg(INSTANCE_PREFIX + other))
        .map(r -> r != null && r.toLong() == 1);
  }

  @Override
  public long heartbeatMillis() {
    return HEARTBEAT_MILLIS;
  }

  @Override
  public Future<Void> close() {
    closed = true;
    if (heartbeat >= 0) {
      vertx.cancelTimer(heartbeat);
    }
    return Future.join(
            direct.close(),
            all.close(),
            redis.send(Request.cmd(Command.DEL).arg(INSTANCE_PREFIX + tag)),
            Future.join(publishers.stream().map(Redis::close).toList()))
        .mapEmpty();
  }
}
