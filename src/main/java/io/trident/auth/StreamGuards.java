package io.trident.auth;

import io.trident.context.Principal;
import io.trident.store.Revocation;
import io.trident.store.RevocationStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every open stream of this process authorized as long as its credential is, and no longer
 * (SPEC.md §7.7). It admits requests and new streams ({@link #admit}: not revoked, and revocation
 * status confirmed unless {@code redis.failOpen}), opens a {@link StreamGuard} per stream, and ends
 * guards at their credential's expiry, on revocations the store pushes, on periodic re-checks and
 * when the store fails closed.
 *
 * <p>Checking is cheap: a verdict per credential is cached until the next re-check interval and
 * dropped whenever any revocation arrives, so a client sending many requests with one token asks
 * the store about once per interval.
 */
public final class StreamGuards {

  private static final Logger LOG = LoggerFactory.getLogger(StreamGuards.class);
  private static final int MAX_VERDICTS = 100_000;
  private static final StreamGuards NONE = new StreamGuards(null, null, 0, 0, 0, false, p -> true);

  private final Vertx vertx;
  private final RevocationStore store;
  private final long leewayMillis;
  private final long recheckMillis;
  private final int recheckMessages;
  private final boolean failOpen;
  private final Predicate<Principal> credentialValid;
  private final Set<StreamGuard> open = ConcurrentHashMap.newKeySet();

  /** Credentials found not revoked, and when (epoch ms). */
  private final Map<String, Long> verdicts = new ConcurrentHashMap<>();

  private final long recheckTimer;

  private StreamGuards(
      Vertx vertx,
      RevocationStore store,
      long leewayMillis,
      long recheckMillis,
      int recheckMessages,
      boolean failOpen,
      Predicate<Principal> credentialValid) {
    this.vertx = vertx;
    this.store = store;
    this.leewayMillis = leewayMillis;
    this.recheckMillis = recheckMillis;
    this.recheckMessages = recheckMessages;
    this.failOpen = failOpen;
    this.credentialValid = credentialValid;
    this.recheckTimer =
        vertx != null && recheckMillis > 0
            ? vertx.setPeriodic(recheckMillis, t -> recheckAll())
            : -1;
    if (store != null) {
      store.listen(
          new RevocationStore.Listener() {
            @Override
            public void revoked(Revocation revocation) {
              onRevocation(revocation);
            }

            @Override
            public void statusChanged(boolean confirmed) {
              verdicts.clear();
              if (!confirmed && !StreamGuards.this.failOpen) {
                endAll(AuthorizationEnded.REVOCATION_UNCONFIRMED);
              }
            }

            @Override
            public void resync() {
              recheckAll();
            }
          });
    }
  }

  /** No stream guard at all: nothing expires or is revoked (embedding and tests without auth). */
  public static StreamGuards none() {
    return NONE;
  }

  /**
   * @param leeway the clock skew allowed on {@code exp} ({@code auth.jwt.leeway})
   * @param failOpen {@code redis.failOpen}: keep serving while status is unconfirmed
   * @param credentialValid whether a principal's credential still holds at its source (an API key
   *     not revoked or removed from the keys file); asked on re-checks
   */
  public static StreamGuards create(
      Vertx vertx,
      RevocationStore store,
      RevocationSettings settings,
      Duration leeway,
      boolean failOpen,
      Predicate<Principal> credentialValid) {
    return new StreamGuards(
        vertx,
        store,
        leeway.toMillis(),
        settings.recheckIntervalDuration().toMillis(),
        settings.recheckMessages(),
        failOpen,
        credentialValid);
  }

  public RevocationStore store() {
    return store;
  }

  /** Streams being watched now (for tests and metrics). */
  public int openStreams() {
    return open.size();
  }

  /**
   * Lets a request or a new stream of {@code principal} in: fails with {@link
   * AuthFailure#invalid()} when its credential is revoked, or when revocation status is unconfirmed
   * (fail closed).
   */
  public Future<Principal> admit(Principal principal) {
    if (store == null) {
      return Future.succeededFuture(principal);
    }
    if (!store.confirmed() && !failOpen) {
      LOG.debug("refused {}: revocation status unconfirmed (fail closed)", principal.subject());
      return Future.failedFuture(AuthFailure.invalid());
    }
    String jti = jti(principal);
    long issuedAt = issuedAtMillis(principal);
    String key = verdictKey(principal, jti);
    Long checked = verdicts.get(key);
    long now = System.currentTimeMillis();
    if (checked != null && (recheckMillis <= 0 || now - checked < recheckMillis)) {
      return Future.succeededFuture(principal);
    }
    return store
        .isRevoked(jti, principal.subject(), issuedAt)
        .transform(
            ar -> {
              if (ar.succeeded()) {
                if (ar.result()) {
                  LOG.debug("refused {}: credential revoked", principal.subject());
                  return Future.failedFuture(AuthFailure.invalid());
                }
                remember(key, now);
                return Future.succeededFuture(principal);
              }
              // Unanswered: within failClosedAfter we trust what we knew; the store decides when.
              if (store.confirmed() || failOpen) {
                return Future.succeededFuture(principal);
              }
              return Future.failedFuture(AuthFailure.invalid());
            });
  }

  /** {@code authenticator} followed by {@link #admit}, for every request a transport receives. */
  public Authenticator guarding(Authenticator authenticator) {
    if (store == null) {
      return authenticator;
    }
    return new Authenticator() {
      @Override
      public Future<Principal> authenticate(Credentials credentials) {
        return authenticator.authenticate(credentials).compose(StreamGuards.this::admit);
      }

      @Override
      public JsonObject resourceMetadata(String resourceUrl) {
        return authenticator.resourceMetadata(resourceUrl);
      }
    };
  }

  /**
   * Starts watching a stream of {@code principal} whose handlers run on {@code context}. The
   * principal should have been admitted just before (the transports authenticate through {@link
   * #guarding}).
   */
  public StreamGuard open(Principal principal, Context context) {
    String jti = jti(principal);
    StreamGuard guard =
        new StreamGuard(
            this,
            principal,
            context,
            jti,
            issuedAtMillis(principal),
            verdictKey(principal, jti),
            store == null ? 0 : recheckMessages);
    if (vertx == null) {
      return guard;
    }
    open.add(guard);
    Object exp = principal.claims().get("exp");
    if (exp instanceof Number n) {
      // exp has one-second granularity; the credential is refused from exp + leeway on.
      long endAt = n.longValue() * 1000 + leewayMillis;
      long delay = endAt - System.currentTimeMillis();
      if (delay <= 0) {
        guard.end(AuthorizationEnded.TOKEN_EXPIRY);
        return guard;
      }
      guard.expiryTimer = vertx.setTimer(delay, t -> guard.end(AuthorizationEnded.TOKEN_EXPIRY));
    }
    if (store != null && !store.confirmed() && !failOpen) {
      guard.end(AuthorizationEnded.REVOCATION_UNCONFIRMED);
    } else if (store != null && !verdicts.containsKey(guard.verdictKey)) {
      recheck(guard);
    }
    return guard;
  }

  /** Asks the store about one stream again, in the background. */
  void recheck(StreamGuard guard) {
    if (store == null) {
      return;
    }
    if (!credentialValid.test(guard.principal())) {
      guard.end(AuthorizationEnded.REVOKED);
      return;
    }
    store
        .isRevoked(guard.jti, guard.principal().subject(), guard.issuedAtMillis)
        .onSuccess(
            revoked -> {
              if (revoked) {
                guard.end(AuthorizationEnded.REVOKED);
              } else {
                remember(guard.verdictKey, System.currentTimeMillis());
              }
            });
    // A failed check changes nothing here: the store's status decides when to fail closed.
  }

  void release(StreamGuard guard) {
    if (open.remove(guard) && guard.expiryTimer >= 0 && vertx != null) {
      vertx.cancelTimer(guard.expiryTimer);
    }
  }

  /** Stops the periodic re-check; open guards stay as they are. */
  public void close() {
    if (recheckTimer >= 0) {
      vertx.cancelTimer(recheckTimer);
    }
  }

  private void onRevocation(Revocation revocation) {
    verdicts.clear();
    int ended = 0;
    for (StreamGuard guard : open) {
      if (revocation.covers(guard.jti, guard.principal().subject(), guard.issuedAtMillis)) {
        guard.end(AuthorizationEnded.REVOKED);
        ended++;
      }
    }
    if (ended > 0) {
      LOG.info("revocation ended {} open stream(s)", ended);
    }
  }

  private void endAll(AuthorizationEnded why) {
    for (StreamGuard guard : open) {
      guard.end(why);
    }
  }

  /** Every open stream against the store; one question per distinct credential. */
  private void recheckAll() {
    verdicts.clear();
    Map<String, StreamGuard> distinct = new HashMap<>();
    for (StreamGuard guard : open) {
      if (!credentialValid.test(guard.principal())) {
        guard.end(AuthorizationEnded.REVOKED);
      } else {
        distinct.putIfAbsent(guard.verdictKey, guard);
      }
    }
    for (StreamGuard sample : distinct.values()) {
      store
          .isRevoked(sample.jti, sample.principal().subject(), sample.issuedAtMillis)
          .onSuccess(
              revoked -> {
                if (revoked) {
                  for (StreamGuard guard : open) {
                    if (guard.verdictKey.equals(sample.verdictKey)) {
                      guard.end(AuthorizationEnded.REVOKED);
                    }
                  }
                } else {
                  remember(sample.verdictKey, System.currentTimeMillis());
                }
              });
    }
  }

  private void remember(String key, long at) {
    if (verdicts.size() >= MAX_VERDICTS) {
      verdicts.clear();
    }
    verdicts.put(key, at);
  }

  private static String jti(Principal p) {
    return p.claims().get("jti") instanceof String s ? s : null;
  }

  /**
   * When the credential was issued: a JWT's {@code iat} (a JWT without one counts as issued before
   * any subject revocation); other credentials are proven afresh on each request, so now.
   */
  private static long issuedAtMillis(Principal p) {
    Object iat = p.claims().get("iat");
    if (iat instanceof Number n) {
      return n.longValue() * 1000;
    }
    return AuthSettings.JWT.equals(p.credentialKind())
        ? Long.MIN_VALUE
        : System.currentTimeMillis();
  }

  /** One cached verdict per credential: its kind, subject and, for JWTs, id and issue time. */
  private static String verdictKey(Principal p, String jti) {
    return p.credentialKind()
        + '\u0000'
        + p.subject()
        + '\u0000'
        + (jti == null ? "" : jti)
        + '\u0000'
        + (p.claims().get("iat") instanceof Number n ? n.longValue() : "");
  }
}
