package io.trident.auth;

import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies bearer JWTs: signature (with vertx-auth-jwt, only by the algorithms of the configured
 * keys), then {@code iss}, {@code aud}, {@code exp} (required), {@code nbf} and {@code iat} with a
 * leeway, then {@code sub} (required). Verified tokens are remembered by digest until they expire,
 * so a client that sends the same token on every call pays for the signature once.
 *
 * <p>With a JWKS URL, the key set is fetched at start, routinely, and when a token names a {@code
 * kid} we do not know, at most once per {@code jwksRefreshMinInterval}.
 */
public final class JwtVerifier {

  private static final Logger LOG = LoggerFactory.getLogger(JwtVerifier.class);
  private static final Base64.Decoder B64URL = Base64.getUrlDecoder();
  private static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final int MAX_JWKS_BYTES = 1024 * 1024;

  /** The keys in use and the provider built from them; replaced as a whole on a JWKS refresh. */
  private record Keys(JWTAuth auth, Set<String> algorithms, Set<String> keyIds) {}

  private final Vertx vertx;
  private final AuthSettings.Jwt settings;
  private final JwtKeys.KeySet fileKeys;
  private final TokenCache cache;
  private final LongSupplier clockSeconds;
  private final long leewaySeconds;
  private final long refreshMinNanos;
  private final HttpClient http;
  private final io.vertx.core.Context fetchContext;
  private volatile Keys keys;
  private long lastOnDemandNanos;
  private boolean fetchedOnDemand;
  private final java.util.concurrent.atomic.AtomicReference<Future<Void>> fetching =
      new java.util.concurrent.atomic.AtomicReference<>();
  private long refreshTimer = -1;

  private JwtVerifier(
      Vertx vertx, AuthSettings.Jwt settings, JwtKeys.KeySet fileKeys, LongSupplier clockSeconds) {
    this.vertx = vertx;
    this.settings = settings;
    this.fileKeys = fileKeys;
    this.clockSeconds = clockSeconds;
    this.cache = new TokenCache(settings.cacheSize());
    this.leewaySeconds = settings.leewayDuration().toSeconds();
    this.refreshMinNanos = settings.refreshMinInterval().toNanos();
    this.http =
        settings.jwksUrl() == null
            ? null
            : vertx.createHttpClient(
                // Fetches are rare: a fresh connection each time, no pooled one to go stale.
                new HttpClientOptions()
                    .setKeepAlive(false)
                    .setConnectTimeout(5_000)
                    .setIdleTimeout(10));
    this.fetchContext = vertx.getOrCreateContext();
    this.keys = build(JwtKeys.KeySet.empty());
  }

  /**
   * Reads the key files on a worker thread and, with a JWKS URL, fetches it once. A failed first
   * fetch is logged, not fatal: the server starts and retries when a token arrives.
   */
  public static Future<JwtVerifier> create(Vertx vertx, AuthSettings.Jwt settings) {
    return create(vertx, settings, () -> System.currentTimeMillis() / 1000);
  }

  static Future<JwtVerifier> create(
      Vertx vertx, AuthSettings.Jwt settings, LongSupplier clockSeconds) {
    if (!settings.configured()) {
      return Future.failedFuture(new IllegalArgumentException("auth.jwt has no key configured"));
    }
    return vertx
        .executeBlocking(() -> JwtKeys.readFiles(settings), false)
        .map(fileKeys -> new JwtVerifier(vertx, settings, fileKeys, clockSeconds))
        .compose(
            v -> {
              if (v.http == null) {
                return Future.succeededFuture(v);
              }
              v.scheduleRoutineRefresh();
              return v.refresh().otherwiseEmpty().map(v);
            });
  }

  /**
   * Verifies {@code token}. Fails with {@link AuthFailure#invalid()} whatever the cause; the cause
   * goes to the debug log without token material.
   */
  public Future<Principal> verify(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      return refuse("empty, malformed or oversized bearer token");
    }
    String digest = TokenCache.digest(token);
    long now = clockSeconds.getAsLong();
    Principal cached = cache.get(digest, now);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    JsonObject header = header(token);
    if (header == null) {
      return refuse("not a signed JWT (three base64url segments with a JSON header)");
    }
    String alg = header.getValue("alg") instanceof String a ? a : null;
    String kid = header.getValue("kid") instanceof String k ? k : null;
    Keys current = keys;
    if (http != null
        && kid != null
        && JwtKeys.SUPPORTED.contains(alg)
        && !current.keyIds().contains(kid)) {
      // A kid we have not seen: the issuer may have rotated its keys.
      return refreshIfAllowed().compose(v -> check(token, digest, alg, keys));
    }
    return check(token, digest, alg, current);
  }

  /** Stops the routine JWKS refresh and closes the HTTP client. */
  public Future<Void> close() {
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    return http == null ? Future.succeededFuture() : http.close();
  }

  /** How many verified tokens are remembered now (for tests and metrics). */
  int cachedTokens() {
    return cache.size();
  }

  private Future<Principal> check(String token, String digest, String alg, Keys k) {
    if (alg == null || !k.algorithms().contains(alg) || k.auth() == null) {
      // Includes "none", and HS256 when only RSA/EC keys are configured (algorithm confusion).
      return refuse("algorithm not accepted: " + safe(alg));
    }
    Future<io.vertx.ext.auth.User> verified;
    try {
      verified = k.auth().authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // Garbage in the payload or signature segment may throw rather than fail the future.
      return refuse("undecodable token");
    }
    return verified.transform(
        ar -> {
          if (ar.failed()) {
            // The library message may name a kid or the expected audience: debug only.
            LOG.debug("JWT refused: signature or registered claims did not verify");
            return Future.failedFuture(AuthFailure.invalid());
          }
          // vertx-auth-jwt keeps the whole verified payload under this attribute.
          JsonObject claims = ar.result().attributes().getJsonObject("accessToken");
          return claims(claims == null ? ar.result().principal() : claims, digest);
        });
  }

  private Future<Principal> claims(JsonObject c, String digest) {
    long now = clockSeconds.getAsLong();
    if (!settings.issuer().equals(stringClaim(c, "iss"))) {
      return refuse("wrong issuer");
    }
    if (!audienceMatches(c.getValue("aud"))) {
      return refuse("wrong audience");
    }
    Long exp = numberClaim(c, "exp");
    if (exp == null) {
      return refuse("no exp claim");
    }
    if (now - leewaySeconds >= exp) {
      return refuse("expired");
    }
    Long nbf = numberClaim(c, "nbf");
    if (nbf != null && nbf > now + leewaySeconds) {
      return refuse("not yet valid (nbf)");
    }
    Long iat = numberClaim(c, "iat");
    if (iat != null && iat > now + leewaySeconds) {
      return refuse("issued in the future (iat)");
    }
    String sub = stringClaim(c, "sub");
    if (sub == null || sub.isBlank()) {
      return refuse("no sub claim");
    }
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("iss", settings.issuer());
    extra.put("exp", exp);
    if (iat != null) {
      extra.put("iat", iat);
    }
    // The token id and issue time let the stream guard match revocations (SPEC.md §7.7).
    for (String name : new String[] {"client_id", "azp", "jti"}) {
      String v = stringClaim(c, name);
      if (v != null) {
        extra.put(name, v);
      }
    }
    Principal p = new Principal(sub, scopes(c), "jwt", extra);
    cache.put(digest, p, exp);
    return Future.succeededFuture(p);
  }

  private Set<String> scopes(JsonObject c) {
    Set<String> out = new LinkedHashSet<>();
    Object v = c.getValue(settings.scopeClaim());
    if (v == null) {
      v = c.getValue("scp");
    }
    if (v instanceof String s) {
      for (String part : s.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
    } else if (v instanceof JsonArray a) {
      for (Object o : a) {
        if (o instanceof String s && !s.isBlank()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private boolean audienceMatches(Object aud) {
    List<String> accepted = settings.audience();
    if (aud instanceof String s) {
      return accepted.contains(s);
    }
    if (aud instanceof JsonArray a) {
      for (Object o : a) {
        if (o instanceof String s && accepted.contains(s)) {
          return true;
        }
      }
    }
    return false;
  }

  private Future<Void> refreshIfAllowed() {
    Future<Void> running = fetching.get();
    if (running != null) {
      return running;
    }
    // Only refreshes asked for by tokens count: anyone can send a token with a made-up kid.
    synchronized (this) {
      long now = System.nanoTime();
      if (fetchedOnDemand && now - lastOnDemandNanos < refreshMinNanos) {
        LOG.debug("JWKS refresh skipped: the last one was less than the minimum interval ago");
        return Future.succeededFuture();
      }
      fetchedOnDemand = true;
      lastOnDemandNanos = now;
    }
    return refresh().otherwiseEmpty();
  }

  /** Fetches the JWKS URL now and replaces the remote keys (shared by concurrent callers). */
  Future<Void> refresh() {
    Promise<Void> done = Promise.promise();
    if (!fetching.compareAndSet(null, done.future())) {
      Future<Void> running = fetching.get();
      return running == null ? refresh() : running;
    }
    // No lock is held here: the HTTP client calls back on an event loop.
    fetchJwks()
        .onComplete(
            ar -> {
              // Whatever happens here, the fetch ends: a stuck one would stall every verification.
              Throwable failure = ar.cause();
              try {
                if (ar.succeeded()) {
                  Keys next = build(ar.result());
                  if (!next.keyIds().equals(keys.keyIds())
                      || !next.algorithms().equals(keys.algorithms())) {
                    cache.clear();
                  }
                  keys = next;
                  LOG.debug("JWKS fetched: {} keys in use", next.keyIds().size());
                }
              } catch (RuntimeException e) {
                failure = e;
              } finally {
                fetching.set(null);
              }
              if (failure != null) {
                LOG.warn("JWKS fetch from {} failed: {}", settings.jwksUrl(), failure.toString());
                done.fail(failure);
              } else {
                done.complete();
              }
            });
    return done.future();
  }

  private Future<JwtKeys.KeySet> fetchJwks() {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(settings.jwksUrl())
            .putHeader("Accept", "application/json")
            .setConnectTimeout(5_000)
            .setIdleTimeout(10_000);
    // Always from the same context, whichever thread a token arrived on; the body is asked for in
    // the callback that delivers the response, on the connection's event loop, so that it cannot
    // have been read already (a body() asked for a turn later may wait forever).
    Promise<Buffer> fetched = Promise.promise();
    fetchContext.runOnContext(
        v ->
            http.request(options)
                .compose(
                    req ->
                        req.send()
                            .compose(
                                resp ->
                                    resp.statusCode() != 200
                                        ? Future.<Buffer>failedFuture(
                                            "HTTP status " + resp.statusCode())
                                        : resp.body()))
                .onComplete(fetched));
    return fetched
        .future()
        .compose(
            (Buffer body) -> {
              if (body.length() > MAX_JWKS_BYTES) {
                return Future.failedFuture("JWKS document larger than " + MAX_JWKS_BYTES);
              }
              try {
                return Future.succeededFuture(
                    new JwtKeys.KeySet(
                        List.of(),
                        JwtKeys.parseJwks(
                            body.toString(StandardCharsets.UTF_8), settings.jwksUrl())));
              } catch (RuntimeException e) {
                return Future.failedFuture(e);
              }
            });
  }

  private void scheduleRoutineRefresh() {
    Duration every = settings.refreshInterval();
    if (!every.isZero()) {
      refreshTimer = vertx.setPeriodic(every.toMillis(), id -> refresh());
    }
  }

  /** A provider over the file keys plus {@code remote}; none when there is no key at all. */
  private Keys build(JwtKeys.KeySet remote) {
    JwtKeys.KeySet all = fileKeys.plus(remote);
    if (all.isEmpty()) {
      // vertx-auth-jwt without keys accepts unsigned tokens: never build one.
      return new Keys(null, Set.of(), Set.of());
    }
    JWTAuthOptions options =
        new JWTAuthOptions()
            .setPubSecKeys(all.pemKeys())
            .setJwks(all.jwks())
            .setJWTOptions(
                new JWTOptions()
                    .setIssuer(settings.issuer())
                    .setAudience(settings.audience())
                    .setLeeway((int) leewaySeconds));
    return new Keys(JWTAuth.create(vertx, options), all.algorithms(), all.keyIds());
  }

  /** The decoded JOSE header, or null when the token is not three base64url segments. */
  private static JsonObject header(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0
        || second < 0
        || second == first + 1
        || second == token.length() - 1
        || token.indexOf('.', second + 1) >= 0) {
      return null;
    }
    try {
      return new JsonObject(
          new String(B64URL.decode(token.substring(0, first)), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String stringClaim(JsonObject c, String name) {
    return c.getValue(name) instanceof String s ? s : null;
  }

  private static Long numberClaim(JsonObject c, String name) {
    return c.getValue(name) instanceof Number n ? n.longValue() : null;
  }

  /** An algorithm name fit for the log: short and printable, or a placeholder. */
  private static String safe(String alg) {
    return alg != null && alg.matches("[A-Za-z0-9]{1,10}") ? alg : "(unreadable)";
  }

  private static Future<Principal> refuse(String why) {
    LOG.debug("JWT refused: {}", why);
    return Future.failedFuture(AuthFailure.invalid());
  }
}
