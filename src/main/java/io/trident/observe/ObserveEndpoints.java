package io.trident.observe;

import io.trident.auth.AuthFailure;
import io.trident.auth.Authenticator;
import io.trident.auth.Credentials;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * The admin listener's observability endpoints (SPEC.md §12.3): {@code GET /metrics} (Prometheus
 * text; behind the scope {@code trident:admin} with {@code metrics.requireScope}), {@code GET
 * /healthz} and {@code GET /readyz}.
 */
public final class ObserveEndpoints {

  public static final String METRICS = "/metrics";
  public static final String HEALTHZ = "/healthz";
  public static final String READYZ = "/readyz";

  /** The Prometheus text format this registry writes. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Authenticator authenticator;
  private final String requiredScope;

  /**
   * @param requiredScope the scope {@code /metrics} needs, or null for none
   */
  public ObserveEndpoints(Authenticator authenticator, String requiredScope) {
    this.authenticator = authenticator;
    this.requiredScope = requiredScope;
  }

  /** Answers {@code request} when it is one of these endpoints; false otherwise. */
  public boolean handle(HttpServerRequest request) {
    String path = request.path();
    if (!METRICS.equals(path) && !HEALTHZ.equals(path) && !READYZ.equals(path)) {
      return false;
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().putHeader("Allow", "GET, HEAD");
      json(request, 405, new JsonObject().put("error", "Method Not Allowed"));
      return true;
    }
    switch (path) {
      case HEALTHZ -> json(request, 200, new JsonObject().put("status", "alive"));
      case READYZ ->
          Observe.readiness()
              .check()
              .onComplete(
                  ar -> {
                    Readiness.Report report = ar.result();
                    json(request, report.ready() ? 200 : 503, report.toJson());
                  });
      default -> metrics(request);
    }
    return true;
  }

  private void metrics(HttpServerRequest request) {
    if (requiredScope == null) {
      scrape(request);
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
                json(
                    request,
                    401,
                    new JsonObject().put("error", AuthFailure.UNAUTHENTICATED_MESSAGE));
              } else if (!ar.result().hasScope(requiredScope)) {
                request
                    .response()
                    .putHeader(
                        "WWW-Authenticate",
                        AuthFailure.forbidden(requiredScope).wwwAuthenticate(null));
                json(
                    request,
                    403,
                    new JsonObject()
                        .put("error", "Forbidden: this requires the scope " + requiredScope));
              } else {
                scrape(request);
              }
            });
  }

  /** Written on a worker: a scrape of many series takes a while and must not hold a loop. */
  private static void scrape(HttpServerRequest request) {
    io.vertx.core.Vertx.currentContext()
        .owner()
        .executeBlocking(() -> Observe.metrics().scrape(), false)
        .onComplete(
            ar -> {
              if (request.response().ended()) {
                return;
              }
              if (ar.failed()) {
                json(request, 500, new JsonObject().put("error", "metrics could not be written"));
                return;
              }
              request
                  .response()
                  .setStatusCode(200)
                  .putHeader("Content-Type", PROMETHEUS_TEXT)
                  .end(ar.result());
            });
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    if (!request.response().ended()) {
      request
          .response()
          .setStatusCode(status)
          .putHeader("Content-Type", "application/json")
          .end(body.encode());
    }
  }
}
