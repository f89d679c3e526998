package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Revocations of this process only: the default when no Redis is configured. */
final class MemoryRevocationStore implements RevocationStore {

  /** A revocation and when it may be forgotten. */
  private record Kept(Revocation revocation, long forgetAtMillis) {}

  private final long keepMillis;
  private final Map<String, Kept> tokens = new ConcurrentHashMap<>();
  private final Map<String, Kept> subjects = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Vertx vertx;
  private final long pruneTimer;

  MemoryRevocationStore(Vertx vertx, Duration keepFor) {
    this.vertx = vertx;
    this.keepMillis = RedisConnector.millis(keepFor);
    this.pruneTimer = vertx.setPeriodic(Math.min(keepMillis, 60_000), t -> prune());
  }

  @Override
  public Future<Boolean> isRevoked(String jti, String subject, long issuedAtMillis) {
    long now = System.currentTimeMillis();
    Kept t = jti == null ? null : tokens.get(jti);
    if (t != null && t.forgetAtMillis() > now) {
      return Future.succeededFuture(true);
    }
    Kept s = subject == null ? null : subjects.get(subject);
    return Future.succeededFuture(
        s != null
            && s.forgetAtMillis() > now
            && s.revocation().covers(jti, subject, issuedAtMillis));
  }

  @Override
  public Future<Void> revoke(Revocation revocation) {
    Kept kept = new Kept(revocation, System.currentTimeMillis() + keepMillis);
    if (revocation.jti() != null) {
      tokens.put(revocation.jti(), kept);
    } else {
      subjects.merge(
          revocation.subject(),
          kept,
          (old, now) ->
              old.revocation().beforeMillis() > now.revocation().beforeMillis()
                  ? new Kept(old.revocation(), now.forgetAtMillis())
                  : now);
    }
    for (Listener l : listeners) {
      l.revoked(revocation);
    }
    return Future.succeededFuture();
  }

  @Override
  public void listen(Listener listener) {
    listeners.add(listener);
  }

  @Override
  public boolean confirmed() {
    return true;
  }

  @Override
  public String kind() {
    return "memory";
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(pruneTimer);
    return Future.succeededFuture();
  }

  private void prune() {
    long now = System.currentTimeMillis();
    tokens.values().removeIf(k -> k.forgetAtMillis() <= now);
    subjects.values().removeIf(k -> k.forgetAtMillis() <= now);
  }
}
