package io.trident.observe;

import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.vertx.core.MultiMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** One call to an upstream service: its timer, and its client span when the request has one. */
public final class UpstreamObservation {

  private final Metrics metrics;
  private final AtomicReferenceArray<Timer> timers;
  private final String upstream;
  private final String method;
  private final Span span;
  private final long start = System.nanoTime();

  UpstreamObservation(
      Metrics metrics,
      AtomicReferenceArray<Timer> timers,
      String upstream,
      String method,
      Span span) {
    this.metrics = metrics;
    this.timers = timers;
    this.upstream = upstream;
    this.method = method;
    this.span = span;
  }

  /** Adds {@code traceparent} (and {@code tracestate}) of this call's span to its headers. */
  public void inject(MultiMap headers) {
    if (span != null) {
      Tracing.inject(span, headers);
    }
  }

  /**
   * Records how the call ended.
   *
   * @param status the gRPC status code (0 OK, 1 CANCELLED, 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE…)
   * @param statusName its name, the label value
   */
  public void end(int status, String statusName) {
    int slot = status >= 0 && status < 17 ? status : 2;
    metrics.upstreamFinished(timers, upstream, method, slot, statusName, System.nanoTime() - start);
    if (span != null) {
      span.setAttribute(Tracing.GRPC_STATUS, (long) status);
      if (status != 0) {
        span.setStatus(StatusCode.ERROR, statusName);
      }
      span.end();
    }
  }
}
