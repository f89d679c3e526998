package io.trident.upstream;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.trident.context.CallContext;
import io.trident.context.Deadline;
import io.trident.observe.Observe;
import io.trident.observe.UpstreamObservation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcErrorException;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The connection to one upstream: a vertx-grpc-client per event loop, each with one HTTP/2
 * connection shared by that loop's calls (multiplexed), over TLS unless the upstream is a loopback
 * target configured {@code insecure}. No connection is made before the first call, so an upstream
 * that is down does not stop start-up; its calls fail {@code UNAVAILABLE} until it is back.
 *
 * <p>Each call runs inside the caller's budget: {@code grpc-timeout} is what is left of the
 * request's deadline (capped by the upstream's own timeout), and the call is reset (RST_STREAM) as
 * soon as the request is cancelled for any reason or the budget runs out.
 */
final class UpstreamChannel {

  /** How long after the budget's end this channel gives up by itself (see {@link #call}). */
  static final long DEADLINE_GRACE_MS = 50;

  private final Vertx vertx;
  private final UpstreamSettings settings;
  private final GrpcClientOptions grpcOptions;
  private final HttpClientOptions httpOptions;

  /** One client per event loop: each keeps its HTTP/2 connection on the loop that calls it. */
  private final java.util.Map<Thread, GrpcClient> clients =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final SocketAddress address;
  private final OutgoingMetadata metadata;

  UpstreamChannel(Vertx vertx, UpstreamSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.address = SocketAddress.inetSocketAddress(settings.port(), settings.host());
    this.metadata = new OutgoingMetadata(settings);
    HttpClientOptions http =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
    UpstreamSettings.Tls tls = settings.tls();
    if (tls != null) {
      http.setSsl(true).setUseAlpn(true).setVerifyHost(true).setForceSni(true);
      if (tls.caFile() != null) {
        http.setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile()));
      }
      if (tls.certFile() != null) {
        http.setKeyCertOptions(
            new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile()));
      }
    }
    this.grpcOptions = new GrpcClientOptions().setMaxMessageSize(settings.maxMessageBytes());
    this.httpOptions = http;
  }

  OutgoingMetadata metadata() {
    return metadata;
  }

  /**
   * Calls {@code method} with {@code message} for the request of {@code context}.
   *
   * @return the reply; fails with {@link UpstreamCallException} (a safe failure to report) or
   *     {@link CancellationException} when the request was cancelled (nothing is to be answered)
   */
  Future<DynamicMessage> call(
      MethodDescriptor method, DynamicMessage message, CallContext context) {
    if (context.isCancelled()) {
      return Future.failedFuture(new CancellationException("cancelled before the call"));
    }
    Deadline deadline = context.deadline().earlierOf(Deadline.after(settings.timeout()));
    long budgetMs = deadline.remaining().toMillis();
    if (budgetMs <= 0) {
      return Future.failedFuture(new UpstreamCallException(UpstreamFailure.deadline()));
    }
    byte[] bytes = message.toByteArray();
    if (bytes.length > settings.maxMessageBytes()) {
      return Future.failedFuture(
          new UpstreamCallException(
              new UpstreamFailure(
                  GrpcStatus.RESOURCE_EXHAUSTED,
                  UpstreamFailure.Kind.STATUS,
                  "request of " + bytes.length + " bytes over maxMessageBytes",
                  null)));
    }
    Promise<DynamicMessage> result = Promise.promise();
    UpstreamObservation observed =
        Observe.upstreamCall(
            settings.name(),
            method.getService().getFullName(),
            method.getName(),
            method.getFullName(),
            context);
    AtomicReference<GrpcClientRequest<Buffer, Buffer>> open = new AtomicReference<>();
    // At the budget's end the server's own deadline (the caller's, or this tool's cap where the
    // server enforces it) cancels the request and answers with the documented timeout error; this
    // timer, a little later, only covers a cap that nothing else enforces.
    long timer =
        vertx.setTimer(
            budgetMs + DEADLINE_GRACE_MS,
            t -> {
              if (result.tryFail(new UpstreamCallException(UpstreamFailure.deadline()))) {
                reset(open.get());
              }
            });
    context
        .cancellation()
        .future()
        .onSuccess(
            reason -> {
              if (result.tryFail(new CancellationException("cancelled: " + reason))) {
                reset(open.get());
              }
            });
    request()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                result.tryFail(new UpstreamCallException(UpstreamFailure.local(ar.cause())));
                return;
              }
              GrpcClientRequest<Buffer, Buffer> request = ar.result();
              open.set(request);
              if (result.future().isComplete()) {
                // Cancelled or out of time while connecting: the stream must not start.
                reset(request);
                return;
              }
              request.serviceName(ServiceName.create(method.getService().getFullName()));
              request.methodName(method.getName());
              metadata.fill(request.headers(), context);
              observed.inject(request.headers());
              request.timeout(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
              request
                  .send(Buffer.buffer(bytes))
                  .onComplete(
                      sent -> {
                        if (sent.failed()) {
                          failedAfterStart(sent.cause(), deadline, result);
                          return;
                        }
                        GrpcClientResponse<Buffer, Buffer> response = sent.result();
                        response
                            .last()
                            .onComplete(last -> finish(method, deadline, response, last, result));
                      });
            });
    return result
        .future()
        .andThen(
            x -> {
              vertx.cancelTimer(timer);
              GrpcStatus status = statusOf(x);
              observed.end(status.code, status.name());
            });
  }

  /** How a call ended, as a gRPC status: the metrics label and the span's status code. */
  private static GrpcStatus statusOf(io.vertx.core.AsyncResult<?> ar) {
    if (ar.succeeded()) {
      return GrpcStatus.OK;
    }
    return ar.cause() instanceof UpstreamCallException e
        ? e.failure().status()
        : GrpcStatus.CANCELLED;
  }

  private static void finish(
      MethodDescriptor method,
      Deadline deadline,
      GrpcClientResponse<Buffer, Buffer> response,
      io.vertx.core.AsyncResult<Buffer> last,
      Promise<DynamicMessage> result) {
    GrpcStatus status = response.status();
    if (status == GrpcStatus.DEADLINE_EXCEEDED && outOfTime(deadline)) {
      return;
    }
    if (status != null && status != GrpcStatus.OK) {
      result.tryFail(
          new UpstreamCallException(UpstreamFailure.status(status, response.statusMessage())));
      return;
    }
    if (last.failed()) {
      failedAfterStart(last.cause(), deadline, result);
      return;
    }
    try {
      result.tryComplete(
          DynamicMessage.parseFrom(method.getOutputType(), last.result().getBytes()));
    } catch (InvalidProtocolBufferException e) {
      result.tryFail(
          new UpstreamCallException(
              new UpstreamFailure(
                  GrpcStatus.INTERNAL, UpstreamFailure.Kind.REPLY, e.getMessage(), e)));
    }
  }

  /**
   * The stream failed after it started: reset by the upstream (with a status), or its connection
   * lost.
   */
  private static void failedAfterStart(
      Throwable cause, Deadline deadline, Promise<DynamicMessage> result) {
    if (outOfTime(deadline)) {
      return;
    }
    UpstreamFailure failure =
        cause instanceof GrpcErrorException reset && reset.status() != null
            ? UpstreamFailure.status(reset.status(), "stream reset: " + reset.getMessage())
            : UpstreamFailure.broken(cause);
    result.tryFail(new UpstreamCallException(failure));
  }

  /**
   * True when the call's budget is (all but) spent: an upstream that ends or resets the stream now
   * does so because of the deadline we sent, and the deadline in force answers instead (the
   * server's, or this channel's timer just after it), so the caller gets one timeout error.
   */
  private static boolean outOfTime(Deadline deadline) {
    return deadline.remaining().toMillis() <= DEADLINE_GRACE_MS;
  }

  /**
   * A new stream. With {@code tls.serverName} the connection goes to the target but TLS (SNI and
   * the certificate check) uses that name: only the implementation's request options can say so.
   */
  /**
   * The client of the calling event loop (made on first use there), so that a call and its
   * connection share a thread instead of handing every frame across loops; off an event loop, one
   * shared client.
   */
  private GrpcClient client() {
    Thread thread = io.vertx.core.Context.isOnEventLoopThread() ? Thread.currentThread() : null;
    return clients.computeIfAbsent(
        thread == null ? SHARED : thread, t -> GrpcClient.client(vertx, grpcOptions, httpOptions));
  }

  /** The key of the client used off the event loops. */
  private static final Thread SHARED = new Thread("upstream-shared-client-key");

  private Future<GrpcClientRequest<Buffer, Buffer>> request() {
    GrpcClient client = client();
    UpstreamSettings.Tls tls = settings.tls();
    if (tls != null
        && tls.serverName() != null
        && client instanceof io.vertx.grpc.client.impl.GrpcClientImpl impl) {
      return impl.request(
          new RequestOptions()
              .setMethod(HttpMethod.POST)
              .setServer(address)
              .setHost(tls.serverName())
              .setPort(settings.port()));
    }
    return client.request(address);
  }

  /** A raw stream to the upstream (for server reflection). */
  Future<GrpcClientRequest<Buffer, Buffer>> openStream() {
    return request();
  }

  private static void reset(GrpcClientRequest<Buffer, Buffer> request) {
    if (request != null) {
      try {
        request.cancel();
      } catch (RuntimeException e) {
        // Already ended: nothing to reset.
      }
    }
  }

  Future<Void> close() {
    return Future.all(clients.values().stream().map(GrpcClient::close).toList()).mapEmpty();
  }

  /** A failed upstream call, already classified; its {@link UpstreamFailure} is safe to report. */
  static final class UpstreamCallException extends RuntimeException {
    private final transient UpstreamFailure failure;

    UpstreamCallException(UpstreamFailure failure) {
      super(failure.status().name(), null, false, false);
      this.failure = failure;
    }

    UpstreamFailure failure() {
      return failure;
    }
  }
}
