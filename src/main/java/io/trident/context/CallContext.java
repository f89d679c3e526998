package io.trident.context;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Everything one request carries through the server and into the backend: who calls, by when it
 * must finish, a cancellation signal, and the channels back to the caller (progress, logs, server
 * to client requests). Built once per request by the server from what the transport supplies.
 */
public final class CallContext {

  private final Vertx vertx;
  private final Context context;
  private final Principal principal;
  private final CallerMetadata metadata;
  private final String transport;
  private final String protocolVersion;
  private final Object requestId;
  private final DeadlineBudget budget;
  private final Cancellation cancellation;
  private final ProgressSink progress;
  private final LogSink log;
  private final ClientRequests client;
  private final Runnable streamCloser;

  public CallContext(
      Vertx vertx,
      Context context,
      Principal principal,
      CallerMetadata metadata,
      String transport,
      String protocolVersion,
      Object requestId,
      DeadlineBudget budget,
      Cancellation cancellation,
      ProgressSink progress,
      LogSink log,
      ClientRequests client,
      Runnable streamCloser) {
    this.vertx = vertx;
    this.context = context;
    this.principal = principal;
    this.metadata = metadata;
    this.transport = transport;
    this.protocolVersion = protocolVersion;
    this.requestId = requestId;
    this.budget = budget;
    this.cancellation = cancellation;
    this.progress = progress;
    this.log = log;
    this.client = client;
    this.streamCloser = streamCloser;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The Vert.x context the request runs on; continue work here to keep session state safe. */
  public Context context() {
    return context;
  }

  public Principal principal() {
    return principal;
  }

  /**
   * What the caller's wire carried besides the message (headers, gRPC metadata, {@code _meta}), for
   * forwarding by allowlist (trace context, request ids). Holds credentials: never log values.
   */
  public CallerMetadata metadata() {
    return metadata;
  }

  /** {@code stdio}, {@code http} or {@code grpc}. */
  public String transport() {
    return transport;
  }

  public String protocolVersion() {
    return protocolVersion;
  }

  /** The JSON-RPC id of the request (or an equivalent correlation id on typed RPCs). */
  public Object requestId() {
    return requestId;
  }

  /**
   * The request's effective deadline: the earliest of the server's cap, the caller's deadline and
   * the target's own cap. Work it starts (upstream calls) must finish by then.
   */
  public Deadline deadline() {
    return budget.deadline();
  }

  public Duration remaining() {
    return budget.deadline().remaining();
  }

  /**
   * Narrows this request's deadline to at most {@code cap} from now (never extends it); the server
   * does so with a tool's timeout once the tool is known. Call on the request's context.
   */
  public void capDeadline(Duration cap) {
    budget.cap(cap);
  }

  public Cancellation cancellation() {
    return cancellation;
  }

  public boolean isCancelled() {
    return cancellation.isCancelled();
  }

  public ProgressSink progress() {
    return progress;
  }

  public LogSink log() {
    return log;
  }

  public ClientRequests client() {
    return client;
  }

  /**
   * Closes the transport stream that carries this request's response, without ending the request:
   * on Streamable HTTP the client reconnects and receives what follows (SSE polling). Does nothing
   * on transports without such streams.
   */
  public void closeStream() {
    streamCloser.run();
  }

  /**
   * Completes after {@code delay} unless the request is cancelled first, in which case it fails
   * with {@link java.util.concurrent.CancellationException}. The building block of polite waiting.
   */
  public Future<Void> sleep(Duration delay) {
    if (cancellation.isCancelled()) {
      return Future.failedFuture(new java.util.concurrent.CancellationException("cancelled"));
    }
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    long timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> done.tryComplete());
    cancellation
        .future()
        .onComplete(
            r -> {
              vertx.cancelTimer(timer);
              done.tryFail(
                  new java.util.concurrent.CancellationException("cancelled: " + r.result()));
            });
    return done.future();
  }
}
