package io.trident.auth;

import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.store.Rate;
import io.trident.store.RateBuckets;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Rate limits keyed on who is calling, not on the connection (SPEC.md §7.8): one set of buckets per
 * principal, shared by every transport of this process and, on Redis, by every instance. The guard
 * asks it for every request it admits ({@link #admitRequest}) and every notification or response a
 * session receives ({@link #admitMessage}). Over a limit the request is refused at once with a
 * retry hint ({@link McpException#RATE_LIMITED}, {@code data.retryAfterMs}); the stream stays open.
 *
 * <p>Limiting is audited as one line per principal per minute with the number refused ({@link
 * #flushAudit}), so a flood costs one log line, not one per message.
 */
public final class RateLimiter {

  /** Held by an admitted request until it ends: counts it against the in-flight limit. */
  public interface Permit {
    Permit NONE = () -> {};

    /** The request ended; idempotence is the caller's: call once. */
    void release();
  }

  private static final Future<Permit> ADMITTED = Future.succeededFuture(Permit.NONE);
  private static final long IN_FLIGHT_RETRY_MILLIS = 100;
  private static final long AUDIT_MILLIS = 60_000;
  private static final RateLimiter NONE = new RateLimiter(null, LimitSettings.off(), null, null);

  private final Vertx vertx;
  private final boolean enabled;
  private final boolean local;
  private final RateBuckets buckets;
  private final RateBuckets messageBuckets;
  private final Rate perPrincipal;
  private final Rate anonymous;
  private final Rate notifications;
  private final Map<String, Rate> tools;
  private final Map<String, Rate> upstreams;
  private final int maxInFlight;
  private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Refusals> refusals = new ConcurrentHashMap<>();
  private final long auditTimer;

  private RateLimiter(
      Vertx vertx, LimitSettings settings, RateBuckets buckets, RateBuckets messageBuckets) {
    this.vertx = vertx;
    this.enabled = settings.enabled() && buckets != null;
    this.local = settings.local();
    this.buckets = buckets;
    this.messageBuckets = messageBuckets;
    this.perPrincipal = settings.perPrincipal().toRate("limits.perPrincipal");
    this.anonymous = settings.anonymous().toRate("limits.anonymous");
    this.notifications = settings.notifications().toRate("limits.notifications");
    this.tools = rates("limits.tools.", settings.tools());
    this.upstreams = rates("limits.upstreams.", settings.upstreams());
    this.maxInFlight = settings.maxInFlightPerPrincipal();
    this.auditTimer =
        enabled && vertx != null ? vertx.setPeriodic(AUDIT_MILLIS, t -> flushAudit()) : -1;
  }

  /** No limits (embedding, tests without limits, {@code limits.enabled: false}). */
  public static RateLimiter none() {
    return NONE;
  }

  /**
   * @param buckets where request buckets live: memory, or Redis shared by instances
   */
  public static RateLimiter create(Vertx vertx, LimitSettings settings, RateBuckets buckets) {
    if (!settings.enabled()) {
      return NONE;
    }
    RateBuckets messages = "memory".equals(buckets.kind()) ? buckets : RateBuckets.memory(vertx);
    return new RateLimiter(vertx, settings, buckets, messages);
  }

  public boolean enabled() {
    return enabled;
  }

  /** Where request buckets live ({@code memory}, {@code redis}), or null without limits. */
  public String kind() {
    return buckets == null ? null : buckets.kind();
  }

  /**
   * Admits one request of {@code principal}: its principal's (or the anonymous) bucket, then its
   * tool's and upstream's, then the in-flight limit.
   *
   * @param method the MCP method
   * @param tool the tool a {@code tools/call} names, else null
   * @return the permit to release when the request ends, or a failed future with {@link
   *     McpException#RATE_LIMITED}; usually already complete (memory, or tokens leased from Redis)
   */
  public Future<Permit> admitRequest(
      Principal principal, String transport, String method, String tool) {
    if (!enabled || exempt(principal, transport)) {
      return ADMITTED;
    }
    String who = key(principal);
    boolean anon = isAnonymous(principal);
    Future<Long> wait = buckets.take("p:" + who, anon ? anonymous : perPrincipal);
    String limit = anon ? "anonymous" : "perPrincipal";
    if (tool != null && (!tools.isEmpty() || !upstreams.isEmpty())) {
      // The last limit asked is the one that refused: each is asked only once the one before
      // passed.
      String[] asked = {limit};
      Rate toolRate = tools.get(tool);
      if (toolRate != null) {
        wait =
            then(
                wait,
                asked,
                "tools." + tool,
                () -> buckets.take("t:" + tool + ":" + who, toolRate));
      }
      for (Map.Entry<String, Rate> u : upstreams.entrySet()) {
        String name = u.getKey();
        if (tool.length() > name.length()
            && tool.startsWith(name)
            && tool.charAt(name.length()) == '_') {
          Rate upstreamRate = u.getValue();
          wait =
              then(
                  wait,
                  asked,
                  "upstreams." + name,
                  () -> buckets.take("u:" + name + ":" + who, upstreamRate));
        }
      }
      return decide(principal, transport, who, wait, asked);
    }
    if (wait == RateBuckets.TAKEN) {
      return inFlight(principal, transport, who);
    }
    return decide(principal, transport, who, wait, new String[] {limit});
  }

  /**
   * Admits one notification or response to a server request: a separate, generous bucket per
   * principal, counted per instance.
   *
   * @return 0 when admitted, else the milliseconds until one more is (drop this one)
   */
  public long admitMessage(Principal principal, String transport) {
    if (!enabled || exempt(principal, transport)) {
      return 0;
    }
    Future<Long> wait = messageBuckets.take("n:" + key(principal), notifications);
    long ms = wait.succeeded() ? wait.result() : 0;
    if (ms != 0) {
      refused(principal, transport, "notifications");
    }
    return ms;
  }

  private Future<Permit> decide(
      Principal principal, String transport, String who, Future<Long> wait, String[] asked) {
    if (wait == RateBuckets.TAKEN) {
      return inFlight(principal, transport, who);
    }
    if (!wait.isComplete()) {
      // Waiting on Redis: the caller hears on its own context, whichever thread Redis answers on.
      Context caller = Vertx.currentContext();
      if (caller != null) {
        Promise<Long> here = Promise.promise();
        wait.onComplete(ar -> caller.runOnContext(v -> here.handle(ar)));
        wait = here.future();
      }
    }
    return wait.compose(
        ms -> {
          if (ms == 0) {
            return inFlight(principal, transport, who);
          }
          refused(principal, transport, asked[0]);
          return Future.failedFuture(refusal(ms, asked[0]));
        });
  }

  private Future<Permit> inFlight(Principal principal, String transport, String who) {
    if (maxInFlight <= 0) {
      return ADMITTED;
    }
    InFlight counter = inFlight.computeIfAbsent(who, k -> new InFlight());
    if (counter.incrementAndGet() > maxInFlight) {
      counter.decrementAndGet();
      refused(principal, transport, "maxInFlightPerPrincipal");
      return Future.failedFuture(refusal(IN_FLIGHT_RETRY_MILLIS, "maxInFlightPerPrincipal"));
    }
    return Future.succeededFuture(counter);
  }

  /** Requests of {@code principal} running now on this instance (for tests and metrics). */
  public int inFlight(Principal principal) {
    InFlight c = inFlight.get(key(principal));
    return c == null ? 0 : c.get();
  }

  /** The refusal every wire maps: JSON-RPC -32030 with {@code data.retryAfterMs} and the limit. */
  public static McpException refusal(long retryAfterMillis, String limit) {
    return new McpException(
        McpException.RATE_LIMITED,
        "Rate limited: retry after " + retryAfterMillis + " ms",
        new JsonObject().put("retryAfterMs", retryAfterMillis).put("limit", limit));
  }

  /** The retry hint of a {@link #refusal}, or -1 when {@code e} is none. */
  public static long retryAfterMillis(McpException e) {
    if (e.code() != McpException.RATE_LIMITED || e.data() == null) {
      return -1;
    }
    Object ms = e.data().getValue("retryAfterMs");
    return ms instanceof Number n ? n.longValue() : -1;
  }

  /** Writes one audit line per principal limited since the last flush; every minute by itself. */
  public void flushAudit() {
    for (String who : Set.copyOf(refusals.keySet())) {
      Refusals r = refusals.remove(who);
      if (r != null && r.count.get() > 0) {
        AuditLog.limited(
            new JsonObject()
                .put("time", Instant.now().toString())
                .put("outcome", "rate_limited")
                .put("subject", r.subject)
                .put("credentialKind", r.credentialKind)
                .put("transports", new JsonArray(r.transports.stream().sorted().toList()))
                .put("limits", new JsonArray(r.limits.stream().sorted().toList()))
                .put("refused", r.count.get())
                .put("since", Instant.ofEpochMilli(r.sinceMillis).toString()));
      }
    }
  }

  public Future<Void> close() {
    if (auditTimer >= 0) {
      vertx.cancelTimer(auditTimer);
    }
    flushAudit();
    if (buckets == null) {
      return Future.succeededFuture();
    }
    if (messageBuckets != buckets) {
      messageBuckets.close();
    }
    return buckets.close();
  }

  private void refused(Principal principal, String transport, String limit) {
    io.trident.observe.Observe.rateLimited(transport, limit);
    Refusals r = refusals.get(key(principal));
    if (r == null) {
      r =
          refusals.computeIfAbsent(
              key(principal),
              k ->
                  new Refusals(
                      isAnonymous(principal) ? "anonymous" : principal.subject(),
                      principal.credentialKind()));
    }
    r.count.incrementAndGet();
    r.transports.add(transport);
    r.limits.add(limit);
  }

  private boolean exempt(Principal principal, String transport) {
    if (local) {
      return false;
    }
    // One local user: stdio, and every caller of a --no-auth development server.
    return "stdio".equals(transport)
        || "none".equals(principal.credentialKind())
        || "local".equals(principal.credentialKind());
  }

  private static boolean isAnonymous(Principal principal) {
    return "anonymous".equals(principal.credentialKind());
  }

  /** The identity buckets are keyed on: credential kind and subject; one for all anonymous. */
  private static String key(Principal principal) {
    return isAnonymous(principal)
        ? "anonymous"
        : principal.credentialKind() + ":" + principal.subject();
  }

  private static Future<Long> then(
      Future<Long> first, String[] asked, String limit, Supplier<Future<Long>> next) {
    if (first == RateBuckets.TAKEN) {
      asked[0] = limit;
      return next.get();
    }
    return first.compose(
        ms -> {
          if (ms != 0) {
            return Future.succeededFuture(ms);
          }
          asked[0] = limit;
          return next.get();
        });
  }

  private static Map<String, Rate> rates(String prefix, Map<String, LimitSettings.Limit> limits) {
    Map<String, Rate> out = new ConcurrentHashMap<>();
    limits.forEach((name, l) -> out.put(name, l.toRate(prefix + name)));
    return Map.copyOf(out);
  }

  /** The in-flight count of one principal; the permit its requests hold. */
  private static final class InFlight extends AtomicInteger implements Permit {
    @Override
    public void release() {
      decrementAndGet();
    }
  }

  private static final class Refusals {
    final String subject;
    final String credentialKind;
    final long sinceMillis = System.currentTimeMillis();
    final AtomicInteger count = new AtomicInteger();
    final Set<String> transports = ConcurrentHashMap.newKeySet();
    final Set<String> limits = ConcurrentHashMap.newKeySet();

    Refusals(String subject, String credentialKind) {
      this.subject = subject;
      this.credentialKind = credentialKind;
    }
  }
}
