package io.trident.observe;

import io.opentelemetry.api.trace.Span;
import io.trident.context.CallContext;
import io.trident.context.Cancellation;
import java.util.function.Supplier;

/**
 * One request being measured: started where the server admits it, ended once with its outcome.
 * Holds its meters' indexes (resolved at the start) and, with tracing on, its server span.
 */
public final class RequestObservation {

  private static final ThreadLocal<RequestObservation> CURRENT = new ThreadLocal<>();

  private final Metrics metrics;
  private final Tracing tracing;
  private final int transport;
  private final int method;
  private final String tool;
  private final long start = System.nanoTime();
  private final Span span;
  private CallContext context;
  private boolean ended;

  RequestObservation(
      Metrics metrics, Tracing tracing, int transport, int method, String tool, Span span) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.transport = transport;
    this.method = method;
    this.tool = tool;
    this.span = span;
    metrics.started(transport);
  }

  /**
   * The request's context: its cancellation gives the cause of an early end, and its upstream calls
   * find this span through it.
   */
  public RequestObservation attach(CallContext context) {
    this.context = context;
    if (span != null) {
      tracing.bind(context, span);
    }
    return this;
  }

  /**
   * Runs {@code work} with this observation as the thread's current one, for code that builds the
   * request's context without knowing about observations ({@link Observe#adopt}).
   */
  public <T> T during(Supplier<T> work) {
    RequestObservation before = CURRENT.get();
    CURRENT.set(this);
    try {
      return work.get();
    } finally {
      CURRENT.set(before);
    }
  }

  static RequestObservation current() {
    return CURRENT.get();
  }

  /** Records the outcome; only the first call counts. */
  public void end(Outcome outcome) {
    if (ended) {
      return;
    }
    ended = true;
    Cancellation.Reason reason = context == null ? null : context.cancellation().reason();
    if (reason != null && reason != Cancellation.Reason.COMPLETED) {
      metrics.cancelled(reason);
      if (outcome == Outcome.ERROR) {
        outcome = Outcome.CANCELLED;
      }
    } else if (outcome == Outcome.DEADLINE_EXCEEDED) {
      metrics.cancelled(Cancellation.Reason.DEADLINE_EXCEEDED);
    }
    metrics.finished(transport, method, tool, outcome, System.nanoTime() - start);
    if (span != null) {
      if (context != null) {
        tracing.unbind(context);
      }
      Tracing.end(span, outcome);
    }
  }
}
