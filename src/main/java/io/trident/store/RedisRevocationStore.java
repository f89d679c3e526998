package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocations in Redis, shared by every instance that points at the same Redis (SPEC.md §7.7):
 *
 * <ul>
 *   <li>{@code trident:{revoked}:jti:<jti>} = {@code 1}, expiring after the longest token lifetime;
 *   <li>{@code trident:{revoked}:sub:<subject>} = epoch milliseconds T (tokens issued before T are
 *       revoked), same expiry;
 *   <li>channel {@code trident:revocations}: each revocation as JSON, so every instance ends the
 *       affected streams at once.
 * </ul>
 *
 * Both kinds share the hash tag {@code {revoked}}: on a Redis Cluster they live in one slot, so the
 * check of a token stays one {@code MGET} on one node (a token's jti and subject are unrelated, no
 * per-token tag could keep them together).
 *
 * <p>Status counts as confirmed while the subscription is in place and Redis answered a command
 * within {@code redis.failClosedAfter}; a health PING runs in the background so an idle server
 * notices too. Changes of that state are logged once each.
 */
public final class RedisRevocationStore implements RevocationStore {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRevocationStore.class);
  public static final String JTI_PREFIX = "trident:{revoked}:jti:";
  public static final String SUBJECT_PREFIX = "trident:{revoked}:sub:";
  public static final String CHANNEL = "trident:revocations";

  private final RedisConnector redis;
  private final Vertx vertx;
  private final long keepMillis;
  private final long failClosedAfterMillis;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final RedisConnector.Subscription subscription;
  private final long healthTimer;
  private volatile long lastConfirmedMillis = System.currentTimeMillis();
  private volatile boolean confirmed = true;
  private volatile boolean everSubscribed;

  private RedisRevocationStore(RedisConnector redis, Duration keepFor) {
    this.redis = redis;
    this.vertx = redis.vertx();
    this.keepMillis = RedisConnector.millis(keepFor);
    this.failClosedAfterMillis = RedisConnector.millis(redis.settings().failClosedDuration());
    this.subscription = redis.subscribe(CHANNEL, this::onMessage, this::onSubscription);
    long every = Math.max(50, Math.min(1_000, failClosedAfterMillis / 3));
    this.healthTimer = vertx.setPeriodic(every, t -> checkHealth());
  }

  static RedisRevocationStore start(RedisConnector redis, Duration keepFor) {
    return new RedisRevocationStore(redis, keepFor);
  }

  /**
   * Writes {@code revocation} (kept for {@code keepFor}) and publishes it; completes with the
   * number of instances subscribed that received it. For the {@code revoke} command and {@link
   * #revoke}.
   */
  public static Future<Long> publish(
      RedisConnector redis, Revocation revocation, Duration keepFor) {
    String key =
        revocation.jti() != null
            ? JTI_PREFIX + revocation.jti()
            : SUBJECT_PREFIX + revocation.subject();
    String value = revocation.jti() != null ? "1" : Long.toString(revocation.beforeMillis());
    Request set =
        Request.cmd(Command.SET)
            .arg(key)
            .arg(value)
            .arg("PX")
            .arg(Long.toString(RedisConnector.millis(keepFor)));
    Request pub = Request.cmd(Command.PUBLISH).arg(CHANNEL).arg(revocation.toJson().encode());
    return redis
        .batch(List.of(set, pub))
        .compose(
            replies -> {
              Response count = replies.size() == 2 ? replies.get(1) : null;
              if (count == null || count.type() != ResponseType.NUMBER) {
                return Future.failedFuture(
                    new IllegalStateException("unexpected reply to PUBLISH"));
              }
              return Future.succeededFuture(count.toLong());
            });
  }

  @Override
  public Future<Boolean> isRevoked(String jti, String subject, long issuedAtMillis) {
    Request req =
        jti == null
            ? Request.cmd(Command.MGET).arg(SUBJECT_PREFIX + subject)
            : Request.cmd(Command.MGET).arg(JTI_PREFIX + jti).arg(SUBJECT_PREFIX + subject);
    return redis
        .send(req)
        .compose(
            reply -> {
              int expected = jti == null ? 1 : 2;
              if (reply == null || reply.type() != ResponseType.MULTI || reply.size() != expected) {
                return Future.failedFuture(new IllegalStateException("unexpected reply to MGET"));
              }
              if (subscription.isUp()) {
                lastConfirmedMillis = System.currentTimeMillis();
              }
              if (jti != null && reply.get(0) != null) {
                return Future.succeededFuture(true);
              }
              Response before = reply.get(expected - 1);
              if (before == null) {
                return Future.succeededFuture(false);
              }
              long beforeMillis;
              try {
                beforeMillis = Long.parseLong(before.toString());
              } catch (NumberFormatException e) {
                return Future.failedFuture(
                    new IllegalStateException("subject revocation holds no time"));
              }
              return Future.succeededFuture(
                  Revocation.subject(subject, beforeMillis).covers(jti, subject, issuedAtMillis));
            });
  }

  @Override
  public Future<Void> revoke(Revocation revocation) {
    return publish(redis, revocation, Duration.ofMillis(keepMillis)).mapEmpty();
  }

  @Override
  public void listen(Listener listener) {
    listeners.add(listener);
  }

  @Override
  public boolean confirmed() {
    return confirmed;
  }

  @Override
  public String kind() {
    return "redis";
  }

  /** Whether the subscription to the channel is in place now. */
  public boolean subscribed() {
    return subscription.isUp();
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(healthTimer);
    return subscription.close();
  }

  private void onMessage(String payload) {
    Revocation r;
    try {
      r = Revocation.fromJson(payload);
    } catch (IllegalArgumentException e) {
      LOG.warn("ignored a message on {} that is not a revocation: {}", CHANNEL, e.getMessage());
      return;
    }
    for (Listener l : listeners) {
      l.revoked(r);
    }
  }

  private void onSubscription(boolean up) {
    if (up) {
      if (everSubscribed) {
        // Publishes made while we were away are lost: the guard checks its streams again.
        listeners.forEach(Listener::resync);
      }
      everSubscribed = true;
      checkHealth();
    }
  }

  private void checkHealth() {
    if (subscription.isUp()) {
      redis
          .send(Request.cmd(Command.PING))
          .onComplete(
              ar -> {
                // Error replies and undecodable bytes fail the future: any answer counts.
                if (ar.succeeded() && ar.result() != null) {
                  lastConfirmedMillis = System.currentTimeMillis();
                }
                evaluate();
              });
    } else {
      evaluate();
    }
  }

  private synchronized void evaluate() {
    boolean now = System.currentTimeMillis() - lastConfirmedMillis <= failClosedAfterMillis;
    if (now == confirmed) {
      return;
    }
    confirmed = now;
    if (now) {
      LOG.info("revocation status confirmed again: Redis {} is back", redis.settings().safeUrl());
    } else {
      LOG.warn(
          "revocation status unconfirmed for over {} ms: Redis {} is down or not answering{}",
          failClosedAfterMillis,
          redis.settings().safeUrl(),
          redis.settings().failOpen()
              ? "; failOpen: serving on"
              : "; failing closed (new requests refused, open streams ended)");
    }
    for (Listener l : listeners) {
      l.statusChanged(now);
    }
    if (now) {
      listeners.forEach(Listener::resync);
    }
  }
}
