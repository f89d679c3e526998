package io.trident.transport.grpc;

import io.trident.transport.ListenerHardening;
import io.trident.transport.ListenerLimits;
import io.trident.transport.ServerTls;
import io.trident.transport.TlsRotation;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/** One event-loop instance of the gRPC listener; instances share the port and the transport. */
public final class GrpcVerticle extends VerticleBase {

  private final GrpcTransport transport;
  private final GrpcTransportOptions options;
  private ListenerHardening hardening;
  private final TlsRotation tlsRotation;
  private HttpServer server;

  public GrpcVerticle(GrpcTransport transport, GrpcTransportOptions options) {
    this(transport, options, null, null);
  }

  /**
   * @param hardening the listener's connection limits, shared by its instances; null: the defaults,
   *     for this instance alone
   * @param tlsRotation reloads the TLS files when they change, or null
   */
  public GrpcVerticle(
      GrpcTransport transport,
      GrpcTransportOptions options,
      ListenerHardening hardening,
      TlsRotation tlsRotation) {
    this.transport = transport;
    this.options = options;
    this.hardening = hardening;
    this.tlsRotation = tlsRotation;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions serverOptions =
        new HttpServerOptions().setHost(options.host()).setPort(options.port());
    if (hardening == null) {
      // Embedded without limits of its own: the defaults, with cleartext HTTP/2 accepted.
      hardening = new ListenerHardening(vertx, "grpc", ListenerLimits.defaults().withH2c(true));
    }
    hardening.apply(serverOptions);
    if (options.tls()) {
      ServerTls.apply(
          serverOptions,
          options.tlsCertPath(),
          options.tlsKeyPath(),
          options.tlsClientCaPath(),
          List.of(HttpVersion.HTTP_2));
    }
    // gRPC request streams may rightly be quiet: their bodies are not timed.
    server = hardening.install(vertx.createHttpServer(serverOptions), transport, r -> false);
    if (tlsRotation != null) {
      tlsRotation.register(server);
    }
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    if (tlsRotation != null) {
      tlsRotation.unregister(server);
    }
    return Future.succeededFuture();
  }

  /**
   * Stops accepting connections at once and asks the open ones to close (HTTP/2 GOAWAY; HTTP/1.1
   * once its exchange is done); whatever is still open after {@code grace} is closed. Completes
   * when every connection has gone.
   */
  public Future<Void> shutdown(java.time.Duration grace) {
    return server.shutdown(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** The bound port (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
