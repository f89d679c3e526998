package io.trident.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Sessions in Redis (SPEC.md §5.7). One session's keys share the hash tag of its id, so they live
 * in one cluster slot:
 *
 * <ul>
 *   <li>{@code trident:{<id>}:s} a hash: {@code o} owner, {@code st} state, {@code s:<uri>} one per
 *       subscription; expires after {@code http.sessionIdleTimeout}, renewed by every request;
 *   <li>{@code trident:{<id>}:r:<request>} the instance running a long request;
 *   <li>{@code trident:{sessions}:all} and {@code trident:{sessions}:o:<owner>}: sorted sets of
 *       live session ids scored by expiry (epoch ms), for the caps; renewed once per sweep, not per
 *       request.
 * </ul>
 *
 * Nothing spans two slots in one command or batch: the caps are one script on the {@code
 * {sessions}} slot, and the periodic renewal of many session hashes is one batch per chunk on one
 * Redis, separate commands on a cluster.
 */
final class RedisSessionStore implements SessionStore {

  static final String ALL = "trident:{sessions}:all";
  static final String OWNER_PREFIX = "trident:{sessions}:o:";

  /**
   * KEYS: all, owner. ARGV: now, expiry, maxTotal, maxPerOwner, id, ttl. Drops expired entries,
   * then admits or names the cap.
   */
  private static final String RESERVE =
      "local now = tonumber(ARGV[1])\n"
          + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
          + "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)\n"
          + "if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 1 end\n"
          + "if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 2 end\n"
          + "redis.call('ZADD', KEYS[1], ARGV[2], ARGV[5])\n"
          + "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])\n"
          + "redis.call('PEXPIRE', KEYS[2], ARGV[6])\n"
          + "return 0\n";

  private static final String SET_IF_LIVE =
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])"
          + " end return 0";

  private final RedisConnector redis;

  RedisSessionStore(RedisConnector redis) {
    this.redis = redis;
  }

  static String sessionKey(String id) {
    return "trident:{" + id + "}:s";
  }

  private static String requestKey(String id, String request) {
    return "trident:{" + id + "}:r:" + request;
  }

  @Override
  public Future<Admission> create(String id, SessionRecord record, Limits limits) {
    long ttl = RedisConnector.millis(limits.idle());
    long now = System.currentTimeMillis();
    Request reserve =
        Request.cmd(Command.EVAL)
            .arg(RESERVE)
            .arg(2)
            .arg(ALL)
            .arg(OWNER_PREFIX + record.owner())
            .arg(now)
            .arg(now + ttl)
            .arg(limits.maxTotal())
            .arg(limits.maxPerOwner())
            .arg(id)
            .arg(ttl);
    return redis
        .send(reserve)
        .compose(
            r -> {
              long verdict = r == null ? -1 : r.toLong();
              if (verdict == 1) {
                return Future.succeededFuture(Admission.TOTAL_CAP);
              }
              if (verdict == 2) {
                return Future.succeededFuture(Admission.OWNER_CAP);
              }
              Request hset =
                  Request.cmd(Command.HSET)
                      .arg(sessionKey(id))
                      .arg("o")
                      .arg(record.owner())
                      .arg("st")
                      .arg(record.state());
              for (String uri : record.subscriptions()) {
                hset.arg("s:" + uri).arg("1");
              }
              Request expire = Request.cmd(Command.PEXPIRE).arg(sessionKey(id)).arg(ttl);
              return redis
                  .batch(List.of(hset, expire))
                  .map(Admission.ADMITTED)
                  .recover(
                      e -> unreserve(id, record.owner()).transform(x -> Future.failedFuture(e)));
            });
  }

  private Future<Void> unreserve(String id, String owner) {
    return redis
        .batch(
            List.of(
                Request.cmd(Command.ZREM).arg(ALL).arg(id),
                Request.cmd(Command.ZREM).arg(OWNER_PREFIX + owner).arg(id)))
        .mapEmpty();
  }

  @Override
  public Future<SessionRecord> touch(String id, Limits limits) {
    String key = sessionKey(id);
    return redis
        .batch(
            List.of(
                Request.cmd(Command.HGETALL).arg(key),
                Request.cmd(Command.PEXPIRE).arg(key).arg(RedisConnector.millis(limits.idle()))))
        .map(replies -> parse(replies.get(0)));
  }

  /** A session hash as a record; null when the hash is gone (or was never complete). */
  static SessionRecord parse(Response hash) {
    if (hash == null || hash.size() == 0) {
      return null;
    }
    String owner = null;
    String state = null;
    Set<String> subscriptions = new HashSet<>();
    List<String[]> pairs = new ArrayList<>();
    if (hash.isMap()) {
      for (String k : hash.getKeys()) {
        pairs.add(new String[] {k, hash.get(k).toString()});
      }
    } else if (hash.type() == ResponseType.MULTI) {
      for (int i = 0; i + 1 < hash.size(); i += 2) {
        pairs.add(new String[] {hash.get(i).toString(), hash.get(i + 1).toString()});
      }
    }
    for (String[] p : pairs) {
      switch (p[0]) {
        case "o" -> owner = p[1];
        case "st" -> state = p[1];
        default -> {
          if (p[0].startsWith("s:")) {
            subscriptions.add(p[0].substring(2));
          }
        }
      }
    }
    return owner == null || state == null ? null : new SessionRecord(owner, state, subscriptions);
  }

  @Override
  public Future<Void> setState(String id, String state) {
    return setIfLive(id, "st", state);
  }

  @Override
  public Future<Void> subscribe(String id, String uri, boolean on) {
    if (on) {
      return setIfLive(id, "s:" + uri, "1");
    }
    return redis.send(Request.cmd(Command.HDEL).arg(sessionKey(id)).arg("s:" + uri)).mapEmpty();
  }

  /** HSET on a live session only: a late write must not bring back an ended one. */
  private Future<Void> setIfLive(String id, String field, String value) {
    return redis
        .send(
            Request.cmd(Command.EVAL)
                .arg(SET_IF_LIVE)
                .arg(1)
                .arg(sessionKey(id))
                .arg(field)
                .arg(value))
        .mapEmpty();
  }

  @Override
  public Future<Void> remove(String id, String owner) {
    return redis
        .send(Request.cmd(Command.DEL).arg(sessionKey(id)))
        .compose(x -> unreserve(id, owner));
  }

  @Override
  public Future<Void> renew(Collection<Used> used, Limits limits) {
    if (used.isEmpty()) {
      return Future.succeededFuture();
    }
    long expiry = System.currentTimeMillis() + RedisConnector.millis(limits.idle());
    Request all = Request.cmd(Command.ZADD).arg(ALL).arg("XX");
    java.util.Map<String, Request> byOwner = new java.util.HashMap<>();
    for (Used u : used) {
      all.arg(expiry).arg(u.id());
      byOwner
          .computeIfAbsent(
              u.owner(), o -> Request.cmd(Command.ZADD).arg(OWNER_PREFIX + o).arg("XX"))
          .arg(expiry)
          .arg(u.id());
    }
    List<Request> batch = new ArrayList<>();
    batch.add(all);
    for (java.util.Map.Entry<String, Request> e : byOwner.entrySet()) {
      batch.add(e.getValue());
      batch.add(
          Request.cmd(Command.PEXPIRE)
              .arg(OWNER_PREFIX + e.getKey())
              .arg(RedisConnector.millis(limits.idle())));
    }
    // The session hashes too (traffic from the server keeps a session alive, not only requests),
    // a few hundred per pipelined batch, one batch after the other: thousands of sessions must not
    // crowd out the requests' own commands.
    Future<?> chain = redis.batch(batch);
    List<Used> list = new ArrayList<>(used);
    for (int from = 0; from < list.size(); from += RENEW_BATCH) {
      List<Request> expires = new ArrayList<>(RENEW_BATCH);
      for (Used u : list.subList(from, Math.min(list.size(), from + RENEW_BATCH))) {
        expires.add(
            Request.cmd(Command.PEXPIRE)
                .arg(sessionKey(u.id()))
                .arg(RedisConnector.millis(limits.idle())));
      }
      chain = chain.transform(ar -> expireAll(expires));
    }
    return chain.mapEmpty();
  }

  private static final int RENEW_BATCH = 256;

  /**
   * One pipelined batch on one node; on a cluster, where each session hash has a slot of its own,
   * the same commands sent side by side (each to its slot's master, pipelined per connection).
   */
  private Future<?> expireAll(List<Request> expires) {
    if (!redis.cluster()) {
      return redis.batch(expires);
    }
    List<Future<Response>> sent = new ArrayList<>(expires.size());
    for (Request r : expires) {
      sent.add(redis.send(r));
    }
    return Future.join(sent);
  }

  @Override
  public Future<Void> recordRequest(String id, String requestKey, int instance, Duration ttl) {
    return redis
        .send(
            Request.cmd(Command.SET)
                .arg(requestKey(id, requestKey))
                .arg(instance)
                .arg("PX")
                .arg(RedisConnector.millis(ttl)))
        .mapEmpty();
  }

  @Override
  public Future<Void> forgetRequest(String id, String requestKey) {
    return redis.send(Request.cmd(Command.DEL).arg(requestKey(id, requestKey))).mapEmpty();
  }

  @Override
  public Future<Integer> requestOwner(String id, String requestKey) {
    return redis
        .send(Request.cmd(Command.GET).arg(requestKey(id, requestKey)))
        .map(
            r -> {
              if (r == null) {
                return null;
              }
              try {
                return Integer.parseInt(r.toString());
              } catch (NumberFormatException e) {
                return null;
              }
            });
  }

  @Override
  public boolean shared() {
    return true;
  }
}
