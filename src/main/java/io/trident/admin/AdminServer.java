package io.trident.admin;

import io.trident.auth.AuthFailure;
import io.trident.auth.Authenticator;
import io.trident.auth.Credentials;
import io.trident.context.Principal;
import io.trident.observe.ObserveEndpoints;
import io.trident.store.Revocation;
import io.trident.store.RevocationStore;
import io.trident.transport.BoundedBody;
import io.trident.transport.ListenerHardening;
import io.trident.transport.ListenerLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: a port of its own (off unless {@code admin.port} or {@code --admin-port} is
 * set; loopback by default), for operators rather than MCP clients: {@code POST /admin/revocations}
 * and {@code GET /admin/state} (open sessions, streams, requests and timers), both needing the
 * scope {@code trident:admin}, and the observability endpoints {@code GET /metrics}, {@code
 * /healthz} and {@code /readyz} ({@link ObserveEndpoints}). Callers are authenticated by the same
 * chain as MCP requests.
 */
public final class AdminServer {

  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

  /** The scope an admin request needs. */
  public static final String ADMIN_SCOPE = "trident:admin";

  static final String REVOCATIONS = "/admin/revocations";
  static final String STATE = "/admin/state";
  private static final int MAX_BODY = 64 * 1024;

  private final ListenerHardening hardening;
  private final HttpServer http;
  private final Authenticator authenticator;
  private final RevocationStore revocations;
  private final java.util.function.Supplier<ServerState> state;
  private final ObserveEndpoints observe;

  private AdminServer(
      Vertx vertx,
      Authenticator authenticator,
      RevocationStore revocations,
      java.util.function.Supplier<ServerState> state,
      boolean metricsNeedScope) {
    this.authenticator = authenticator;
    this.revocations = revocations;
    this.state = state;
    this.observe = new ObserveEndpoints(authenticator, metricsNeedScope ? ADMIN_SCOPE : null);
    this.hardening = new ListenerHardening(vertx, "admin", ListenerLimits.defaults());
    this.http = vertx.createHttpServer(hardening.apply(new HttpServerOptions()));
  }

  /** Listens on {@code host:port} (0: a free port). */
  public static Future<AdminServer> start(
      Vertx vertx,
      String host,
      int port,
      Authenticator authenticator,
      RevocationStore revocations) {
    return start(vertx, host, port, authenticator, revocations, null, false);
  }

  /**
   * Listens on {@code host:port} (0: a free port); {@code state} answers {@code GET /admin/state}
   * (null: 404); {@code GET /metrics} needs the scope {@code trident:admin} when {@code
   * metricsNeedScope} ({@code metrics.requireScope}).
   */
  public static Future<AdminServer> start(
      Vertx vertx,
      String host,
      int port,
      Authenticator authenticator,
      RevocationStore revocations,
      java.util.function.Supplier<ServerState> state,
      boolean metricsNeedScope) {
    AdminServer server =
        new AdminServer(vertx, authenticator, revocations, state, metricsNeedScope);
    // The same connection limits as the MCP listeners (SPEC.md §9), at their defaults.
    server.hardening.install(server.http, server::handle, request -> true);
    return server.http.listen(port, host).map(s -> server);
  }

  public int port() {
    return http.actualPort();
  }

  public Future<Void> close() {
    return http.close();
  }

  private void handle(HttpServerRequest request) {
    if (observe.handle(request)) {
      return;
    }
    boolean revocation = REVOCATIONS.equals(request.path());
    if (!revocation && !(STATE.equals(request.path()) && state != null)) {
      send(request, 404, error("Not Found"));
      return;
    }
    HttpMethod allowed = revocation ? HttpMethod.POST : HttpMethod.GET;
    if (request.method() != allowed) {
      request.response().putHeader("Allow", allowed.name());
      send(request, 405, error("Method Not Allowed"));
      return;
    }
    request.pause();
    authenticator
        .authenticate(Credentials.from(request.headers(), request.connection()))
        .onComplete(
            ar -> {
              request.resume();
              if (ar.failed()) {
                AuthFailure f = ar.cause() instanceof AuthFailure a ? a : AuthFailure.invalid();
                request.response().putHeader("WWW-Authenticate", f.wwwAuthenticate(null));
                send(request, 401, error(AuthFailure.UNAUTHENTICATED_MESSAGE));
                return;
              }
              Principal caller = ar.result();
              if (!caller.hasScope(ADMIN_SCOPE)) {
                request
                    .response()
                    .putHeader(
                        "WWW-Authenticate",
                        AuthFailure.forbidden(ADMIN_SCOPE).wwwAuthenticate(null));
                send(request, 403, error("Forbidden: this requires the scope " + ADMIN_SCOPE));
                return;
              }
              if (revocation) {
                readBody(request, body -> revoke(request, caller, body));
              } else {
                send(request, 200, state.get().toJson());
              }
            });
  }

  private void revoke(HttpServerRequest request, Principal caller, Buffer body) {
    Revocation revocation;
    try {
      revocation = parse(body);
    } catch (IllegalArgumentException e) {
      send(request, 400, error("Bad Request: " + e.getMessage()));
      return;
    }
    revocations
        .revoke(revocation)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                LOG.info("revocation {} made by {}", revocation.toJson(), caller.subject());
                send(request, 200, new JsonObject().put("revoked", revocation.toJson()));
              } else {
                LOG.warn("revocation store refused a revocation: {}", ar.cause().toString());
                request.response().putHeader("Retry-After", "5");
                send(
                    request,
                    503,
                    error("Service Unavailable: the revocation store did not answer"));
              }
            });
  }

  /**
   * {@code {"jti": ID}} or {@code {"sub": SUBJECT, "before": RFC3339?}} (before defaults to now).
   */
  static Revocation parse(Buffer body) {
    JsonObject o;
    try {
      o = body.toJsonObject();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the body must be a JSON object");
    }
    Object jti = o.getValue("jti");
    Object sub = o.getValue("sub");
    if ((jti == null) == (sub == null)) {
      throw new IllegalArgumentException("name exactly one of jti or sub");
    }
    if (jti != null) {
      if (!(jti instanceof String s) || s.isEmpty() || o.containsKey("before")) {
        throw new IllegalArgumentException("jti must be a non-empty string (and takes no before)");
      }
      return Revocation.token(s);
    }
    if (!(sub instanceof String s) || s.isEmpty()) {
      throw new IllegalArgumentException("sub must be a non-empty string");
    }
    Object before = o.getValue("before");
    long beforeMillis;
    if (before == null) {
      beforeMillis = System.currentTimeMillis();
    } else if (before instanceof String t) {
      try {
        beforeMillis = OffsetDateTime.parse(t).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("before must be an RFC 3339 instant");
      }
    } else {
      throw new IllegalArgumentException("before must be an RFC 3339 instant");
    }
    return Revocation.subject(s, beforeMillis);
  }

  private static void readBody(HttpServerRequest request, io.vertx.core.Handler<Buffer> then) {
    BoundedBody.read(request, MAX_BODY, () -> send(request, 413, error("Payload Too Large")), then);
  }

  private static JsonObject error(String message) {
    return new JsonObject().put("error", message);
  }

  private static void send(HttpServerRequest request, int status, JsonObject body) {
    if (!request.response().ended()) {
      request
          .response()
          .setStatusCode(status)
          .putHeader("Content-Type", "application/json")
          .end(body.encode());
    }
  }
}
