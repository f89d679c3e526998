package io.trident.server;

import io.trident.context.CallContext;
import io.trident.context.CallerMetadata;
import io.trident.context.Cancellation;
import io.trident.context.ClientRequests;
import io.trident.context.Deadline;
import io.trident.context.DeadlineBudget;
import io.trident.context.LogSink;
import io.trident.context.Principal;
import io.trident.context.ProgressSink;
import io.trident.model.McpException;
import io.trident.observe.Observe;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CancellationException;
import java.util.function.Function;

/**
 * One request outside any session, as the typed gRPC RPCs make them: it gets the same {@link
 * CallContext} as a session request (deadline budget, cancellation, progress and log channels) but
 * no server-to-client requests over the wire (a 2026-07-28 request gets them as multi-round-trip
 * input requests instead). Progress and log rules are the session's: progress strictly increasing
 * and silent after the end, logs filtered by level.
 */
public final class StatelessCall {

  /** Where a stateless call's progress and logs go; both are called on the call's context. */
  public interface Events {
    void progress(double progress, Double total, String message);

    void log(LogLevel level, String logger, Object data);
  }

  private final McpServer server;
  private final Vertx vertx;
  private final Context context;
  private final CallContext callContext;
  private final Events events;
  private final boolean wantsProgress;
  private final LogLevel minLogLevel;
  private final Promise<Object> outcome = Promise.promise();
  private final DeadlineBudget budget;
  private double lastProgress = Double.NEGATIVE_INFINITY;

  /**
   * @param metadata what the caller's wire carried (gRPC metadata), for forwarding by allowlist
   * @param callerDeadline the caller's own deadline (e.g. from {@code grpc-timeout}), or null; the
   *     server's cap applies either way and the earlier wins
   * @param wantsProgress whether the caller asked for progress events
   * @param minLogLevel the lowest log level the caller wants, or null for no logs
   */
  public StatelessCall(
      McpServer server,
      Principal principal,
      CallerMetadata metadata,
      String transport,
      Object correlationId,
      Deadline callerDeadline,
      boolean wantsProgress,
      LogLevel minLogLevel,
      Events events) {
    this(
        server,
        principal,
        metadata,
        transport,
        correlationId,
        callerDeadline,
        wantsProgress,
        minLogLevel,
        events,
        ProtocolVersion.LATEST.wire(),
        ClientRequests.NONE);
  }

  /**
   * As above, for a request of a stateless protocol revision (2026-07-28): its version, and the
   * channel its client requests take (multi-round-trip: {@code input_required} results).
   */
  public StatelessCall(
      McpServer server,
      Principal principal,
      CallerMetadata metadata,
      String transport,
      Object correlationId,
      Deadline callerDeadline,
      boolean wantsProgress,
      LogLevel minLogLevel,
      Events events,
      String protocolVersion,
      ClientRequests clientRequests) {
    this.server = server;
    this.vertx = server.vertx();
    this.context = vertx.getOrCreateContext();
    this.events = events;
    this.wantsProgress = wantsProgress;
    this.minLogLevel = minLogLevel;
    Cancellation cancellation = new Cancellation();
    this.budget =
        new DeadlineBudget(
            vertx,
            Deadline.after(server.options().requestTimeout()).earlierOf(callerDeadline),
            cancellation);
    this.callContext =
        new CallContext(
            vertx,
            context,
            principal,
            metadata,
            transport,
            protocolVersion,
            correlationId,
            budget,
            cancellation,
            wantsProgress ? this::reportProgress : ProgressSink.NONE,
            minLogLevel != null ? this::log : LogSink.NONE,
            clientRequests,
            () -> {});
    Observe.adopt(callContext);
  }

  public CallContext context() {
    return callContext;
  }

  /** Cancels the call (the caller went away); its outcome fails with a CancellationException. */
  public void cancel(Cancellation.Reason reason) {
    callContext.cancellation().cancel(reason);
  }

  /**
   * Runs {@code work} under this call's deadline and cancellation. The returned future fails with
   * an {@link McpException} of code {@link McpException#REQUEST_TIMEOUT} when the deadline passes
   * first, and with a {@link CancellationException} when the caller cancelled first; either way the
   * work hears about it through the context's cancellation.
   */
  @SuppressWarnings("unchecked")
  public <T> Future<T> run(Function<CallContext, Future<T>> work) {
    if (callContext.deadline().isExpired()) {
      finish(Future.failedFuture(timeout()));
      return (Future<T>) outcome.future();
    }
    server.inFlight().add(callContext.cancellation(), context);
    callContext
        .cancellation()
        .future()
        .onSuccess(
            reason ->
                finish(
                    Future.failedFuture(
                        reason == Cancellation.Reason.DEADLINE_EXCEEDED
                            ? timeout()
                            : new CancellationException("cancelled: " + reason))));
    Future<T> running;
    try {
      running = work.apply(callContext);
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    running.onComplete(ar -> finish((Future<Object>) (Future<?>) ar));
    if (!outcome.future().isComplete()) {
      budget.arm();
    }
    return (Future<T>) outcome.future();
  }

  private void finish(Future<Object> result) {
    boolean first =
        result.succeeded() ? outcome.tryComplete(result.result()) : outcome.tryFail(result.cause());
    if (first) {
      budget.disarm();
      callContext.cancellation().cancel(Cancellation.Reason.COMPLETED);
      server.inFlight().remove(callContext.cancellation());
    }
  }

  private static McpException timeout() {
    return new McpException(McpException.REQUEST_TIMEOUT, "Request exceeded its deadline");
  }

  private void reportProgress(double progress, Double total, String message) {
    runOnContext(
        () -> {
          if (outcome.future().isComplete() || !(progress > lastProgress)) {
            return;
          }
          lastProgress = progress;
          events.progress(progress, total, message);
        });
  }

  private void log(String level, String logger, Object data) {
    LogLevel parsed = LogLevel.parse(level).orElse(LogLevel.INFO);
    if (parsed.compareTo(minLogLevel) < 0) {
      return;
    }
    runOnContext(
        () -> {
          if (!outcome.future().isComplete()) {
            events.log(parsed, logger, data);
          }
        });
  }

  /** Blocking tools report from workers; events go out on the call's own context. */
  private void runOnContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
