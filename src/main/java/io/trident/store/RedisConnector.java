package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way this process talks to Redis: a pooled client for commands and dedicated connections
 * for subscriptions. Every command is bounded by {@code redis.timeout}, so a slow, down or confused
 * Redis costs a failed future, never a stuck caller; subscriptions reconnect with backoff on their
 * own. Stores (revocations, rate limits, sessions, events, the instance bus) share one connector.
 *
 * <p>The nodes may be one Redis, a Redis Cluster or a Sentinel set-up ({@code redis.mode}, SPEC.md
 * §5.7). On a cluster each command goes to the master of its key's slot and a {@link #batch} must
 * keep to one slot (the stores' keys carry hash tags for that); pub/sub is the classic kind, which
 * a cluster broadcasts to every node, so a subscription on any one master hears every publish.
 */
public final class RedisConnector {

  private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
  private static final long BACKOFF_MIN_MILLIS = 50;
  private static final long BACKOFF_MAX_MILLIS = 5_000;

  /** Connections per node (a cluster client also needs at least one per master). */
  private static final int POOL_SIZE = 8;

  private final Vertx vertx;
  private final RedisSettings settings;
  private final RedisOptions options;
  private final Redis commands;
  private final long timeoutMillis;
  private volatile boolean closed;

  private RedisConnector(Vertx vertx, RedisSettings settings, String password) {
    this.vertx = vertx;
    this.settings = settings;
    this.timeoutMillis = settings.timeoutDuration().toMillis();
    this.options = options(settings, timeoutMillis);
    if (password != null) {
      // Every node alike: cluster members, the sentinels and the master they name.
      options.setPassword(password);
    }
    this.commands = Redis.createClient(vertx, options);
  }

  /** The client options for {@code settings}' set-up (SPEC.md §5.7). */
  static RedisOptions options(RedisSettings settings, long timeoutMillis) {
    RedisOptions o =
        new RedisOptions()
            .setMaxPoolSize(POOL_SIZE)
            .setMaxPoolWaiting(1024)
            .setMaxWaitingHandlers(4096)
            .setNetClientOptions(
                new NetClientOptions()
                    .setConnectTimeout((int) Math.max(1, timeoutMillis))
                    .setTcpNoDelay(true)
                    .setTcpKeepAlive(true));
    switch (settings.modeKind()) {
      case STANDALONE -> o.setType(RedisClientType.STANDALONE).setConnectionString(settings.url());
      case CLUSTER ->
          // Every command to the master of its slot; the slot map is asked of the seeds again
          // after a MOVED reply (a failover or resharding) or once it is a second old.
          o.setType(RedisClientType.CLUSTER)
              .setEndpoints(new ArrayList<>(settings.nodes()))
              .setUseReplicas(RedisReplicas.NEVER)
              .setHashSlotCacheTTL(1_000);
      case SENTINEL ->
          // Commands follow the master the sentinels name, and move on +switch-master.
          o.setType(RedisClientType.SENTINEL)
              .setEndpoints(new ArrayList<>(settings.nodes()))
              .setMasterName(settings.masterName())
              .setRole(RedisRole.MASTER)
              .setAutoFailover(true)
              .setTopologyCacheTTL(1_000);
    }
    return o;
  }

  /**
   * Options for a client that holds one connection (per cluster node) for its own use: a cluster
   * connection takes one from each master's pool, a sentinel one needs a second to ask the
   * sentinels, so only a standalone pool is really of one.
   */
  private RedisOptions single(boolean followFailover) {
    RedisOptions o = new RedisOptions(options);
    switch (settings.modeKind()) {
      case STANDALONE -> o.setMaxPoolSize(1);
      case CLUSTER -> o.setMaxPoolSize(POOL_SIZE);
      case SENTINEL ->
          // A subscriber must see its connection end on failover (it subscribes again); a
          // connection swapped underneath would lose its SUBSCRIBE.
          o.setMaxPoolSize(2).setAutoFailover(followFailover);
    }
    return o;
  }

  /**
   * A connector for {@code settings} (which must name a URL). Nothing is connected yet.
   *
   * @throws IllegalArgumentException when the password cannot be read
   */
  public static RedisConnector create(Vertx vertx, RedisSettings settings) {
    return create(vertx, settings, System::getenv);
  }

  public static RedisConnector create(
      Vertx vertx, RedisSettings settings, Function<String, String> env) {
    if (!settings.configured()) {
      throw new IllegalArgumentException("redis.url (or redis.nodes) is not set");
    }
    return new RedisConnector(vertx, settings, settings.password(env));
  }

  public RedisSettings settings() {
    return settings;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Sends one command; fails after {@code redis.timeout} whatever Redis does. */
  public Future<Response> send(Request request) {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("redis connector closed"));
    }
    try {
      return commands.send(request).timeout(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Sends commands in one round trip (pipelined); same timeout as {@link #send}. */
  public Future<List<Response>> batch(List<Request> requests) {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("redis connector closed"));
    }
    try {
      return commands.batch(requests).timeout(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Subscribes to {@code channel} on a connection of its own, kept open (reconnecting with backoff)
   * until the subscription or the connector is closed.
   *
   * @param messages each message's payload, on an event loop
   * @param connected true when the subscription is (again) in place, false when it was lost
   */
  public Subscription subscribe(
      String channel, Handler<String> messages, Handler<Boolean> connected) {
    Subscription s = new Subscription(channel, messages, connected);
    s.connect();
    return s;
  }

  /**
   * A client of its own with one connection, for commands whose order matters across calls (a
   * pooled client may send two commands on two connections).
   */
  public Redis dedicatedClient() {
    return Redis.createClient(vertx, single(true));
  }

  /**
   * Clients for messages whose order matters ({@code PUBLISH} one after the other), each of one
   * connection, to try in turn: on a cluster a keyless command goes to any node, so two publishes
   * on a cluster connection could take two nodes and overtake each other; one connection to one
   * node (any node: a cluster forwards every publish to all) keeps them in order. One client per
   * seed node there, else the {@link #dedicatedClient}.
   */
  public List<Redis> orderedClients() {
    if (!cluster()) {
      return List.of(dedicatedClient());
    }
    List<Redis> clients = new ArrayList<>();
    for (String node : settings.nodes()) {
      clients.add(
          Redis.createClient(
              vertx,
              new RedisOptions(options)
                  .setType(RedisClientType.STANDALONE)
                  .setEndpoints(new ArrayList<>(List.of(node)))
                  .setMaxPoolSize(1)));
    }
    return clients;
  }

  /** Whether the nodes form a Redis Cluster: a pipelined batch must then stay in one slot. */
  public boolean cluster() {
    return settings.modeKind() == RedisSettings.Mode.CLUSTER;
  }

  /** The command timeout, in milliseconds. */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  public Future<Void> close() {
    closed = true;
    return commands.close();
  }

  /** A live subscription; see {@link #subscribe}. */
  public final class Subscription {
    private final String channel;
    private final Handler<String> messages;
    private final Handler<Boolean> connected;
    private Redis client;
    private long backoff = BACKOFF_MIN_MILLIS;
    private volatile RedisConnection connection;
    private volatile boolean up;
    private volatile boolean stopped;

    private Subscription(String channel, Handler<String> messages, Handler<Boolean> connected) {
      this.channel = channel;
      this.messages = messages;
      this.connected = connected;
    }

    /** True while the subscription is in place. */
    public boolean isUp() {
      return up;
    }

    private synchronized void connect() {
      if (stopped || closed) {
        return;
      }
      // A client of its own per attempt: closing it really closes its connections, so no node
      // keeps a subscribed connection pooled for the next attempt (a cluster connection spans
      // every master, and one node failing ends the whole of it).
      if (client != null) {
        client.close();
      }
      Redis attempt = Redis.createClient(vertx, single(false));
      client = attempt;
      Future<RedisConnection> connecting = attempt.connect();
      connecting
          .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
          .onFailure(
              // A connection that arrives after we gave up would hold the pool's only slot.
              late -> connecting.onSuccess(RedisConnection::close))
          .compose(
              conn -> {
                connection = conn;
                conn.handler(this::onMessage);
                conn.exceptionHandler(e -> lost(conn, e.toString()));
                conn.endHandler(v -> lost(conn, "connection closed"));
                return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel))
                    .timeout(timeoutMillis, TimeUnit.MILLISECONDS);
              })
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  backoff = BACKOFF_MIN_MILLIS;
                  if (!up) {
                    up = true;
                    LOG.debug("subscribed to {} on {}", channel, settings.safeUrl());
                    connected.handle(true);
                  }
                } else {
                  retry(ar.cause().toString());
                }
              });
    }

    private void onMessage(Response r) {
      // RESP2 delivers ["message", channel, payload]; RESP3 the same as a push.
      if ((r.type() == ResponseType.PUSH || r.type() == ResponseType.MULTI)
          && r.size() >= 3
          && "message".equalsIgnoreCase(String.valueOf(r.get(0)))) {
        Response payload = r.get(2);
        if (payload != null) {
          try {
            messages.handle(payload.toString());
          } catch (RuntimeException e) {
            LOG.warn("a message on {} could not be handled: {}", channel, e.toString());
          }
        }
      }
    }

    private void lost(RedisConnection conn, String why) {
      if (conn != connection) {
        return;
      }
      connection = null;
      // The next attempt closes this attempt's client, and with it every connection (closing a
      // cluster connection one of whose nodes already went would recycle that one twice).
      retry(why);
    }

    private void retry(String why) {
      if (stopped || closed) {
        return;
      }
      if (up) {
        up = false;
        connected.handle(false);
      }
      long delay = backoff;
      backoff = Math.min(BACKOFF_MAX_MILLIS, backoff * 2);
      LOG.debug("subscription to {} down ({}); retrying in {} ms", channel, why, delay);
      vertx.setTimer(delay, t -> connect());
    }

    public synchronized Future<Void> close() {
      stopped = true;
      connection = null;
      return client == null ? Future.succeededFuture() : client.close();
    }
  }

  /** Milliseconds of {@code d}, at least 1. */
  static long millis(Duration d) {
    return Math.max(1, d.toMillis());
  }
}
