package io.trident.observe;

import io.opentelemetry.api.trace.Span;
import io.trident.auth.AuthFailure;
import io.trident.auth.Authenticator;
import io.trident.auth.AuthorizationEnded;
import io.trident.auth.Credentials;
import io.trident.backend.Backend;
import io.trident.context.CallContext;
import io.trident.context.CallerMetadata;
import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The one door between the server and its observability (SPEC.md §12): the transports, the server
 * and the guard call these static hooks, one line each, and never see Micrometer or OpenTelemetry.
 * Like the audit trail, it is per process: {@code Main} installs the metrics, tracing and readiness
 * it configured; until then nothing is recorded.
 */
public final class Observe {

  // Off until installed: a registry and the JVM binders cost start-up time that an embedded server
  // or a test without metrics should not pay.
  private static volatile Metrics metrics = Metrics.off();
  private static volatile Tracing tracing = Tracing.off();
  private static volatile Readiness readiness = Readiness.create();

  private Observe() {}

  public static Metrics metrics() {
    return metrics;
  }

  public static Tracing tracing() {
    return tracing;
  }

  public static Readiness readiness() {
    return readiness;
  }

  /** Installs what {@code Main} (or a test, or a bench) configured. */
  public static void install(Metrics m, Tracing t, Readiness r) {
    metrics = m;
    tracing = t;
    readiness = r;
  }

  /**
   * A request admitted by the server, with its context already built (sessions). Ended by {@link
   * RequestObservation#end}.
   *
   * @param tool the tool a {@code tools/call} names (any string: only registry names are labels)
   */
  public static RequestObservation request(
      Backend backend, CallContext context, String method, String tool) {
    return request(
            backend,
            context.transport(),
            method,
            tool,
            context.metadata(),
            context.protocolVersion(),
            context.principal())
        .attach(context);
  }

  /**
   * As {@link #request(Backend, CallContext, String, String)}, the tool read from {@code params}.
   */
  public static RequestObservation request(
      Backend backend, CallContext context, String method, JsonObject params) {
    Object tool = params == null ? null : params.getValue("name");
    return request(backend, context, method, tool instanceof String s ? s : null);
  }

  /** A request whose context is built later ({@link #adopt}): the typed gRPC RPCs. */
  public static RequestObservation request(
      Backend backend,
      String transport,
      String method,
      String tool,
      CallerMetadata caller,
      String protocolVersion,
      Principal principal) {
    Metrics m = metrics;
    Tracing t = tracing;
    int methodIndex = Metrics.method(method);
    String toolLabel = methodIndex == Metrics.TOOLS_CALL ? Metrics.tool(backend, tool) : null;
    Span span = null;
    if (t.enabled()) {
      span =
          t.serverSpan(
              Metrics.METHODS.get(methodIndex),
              toolLabel,
              Metrics.TRANSPORTS.get(Metrics.transport(transport)),
              protocolVersion,
              principal == null ? null : principal.subject(),
              caller);
    }
    return new RequestObservation(m, t, Metrics.transport(transport), methodIndex, toolLabel, span);
  }

  /**
   * Binds {@code context} to the observation the calling code runs {@linkplain
   * RequestObservation#during during}, if any.
   */
  public static void adopt(CallContext context) {
    RequestObservation current = RequestObservation.current();
    if (current != null) {
      current.attach(context);
    }
  }

  /**
   * A call to {@code upstream}'s {@code service/method} made for the request of {@code context}.
   */
  public static UpstreamObservation upstreamCall(
      String upstream, String service, String method, String fullMethod, CallContext context) {
    Metrics m = metrics;
    Tracing t = tracing;
    Span span = t.enabled() ? t.clientSpan(upstream, service, method, context) : null;
    return new UpstreamObservation(
        m, m.upstreamTimers(upstream, fullMethod), upstream, fullMethod, span);
  }

  public static void sessionOpened(String transport) {
    metrics.sessionOpened(transport);
  }

  public static void sessionClosed(String transport) {
    metrics.sessionClosed(transport);
  }

  public static void authFailed(AuthFailure.Reason reason) {
    metrics.authFailed(reason);
  }

  public static void streamEnded(AuthorizationEnded why) {
    metrics.streamEnded(why);
  }

  /**
   * @param limit the limit's key in the {@code limits:} section ({@code perPrincipal}, …)
   */
  public static void rateLimited(String transport, String limit) {
    metrics.rateLimited(transport, limit);
  }

  /** {@code authenticator}, counting the callers it refuses by reason. */
  public static Authenticator countingFailures(Authenticator authenticator) {
    return new Authenticator() {
      @Override
      public Future<Principal> authenticate(Credentials credentials) {
        return authenticator
            .authenticate(credentials)
            .onFailure(
                e ->
                    authFailed(
                        e instanceof AuthFailure f ? f.reason() : AuthFailure.Reason.INVALID));
      }

      @Override
      public JsonObject resourceMetadata(String resourceUrl) {
        return authenticator.resourceMetadata(resourceUrl);
      }
    };
  }
}
