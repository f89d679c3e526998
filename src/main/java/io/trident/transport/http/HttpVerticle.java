package io.trident.transport.http;

import io.trident.transport.ListenerHardening;
import io.trident.transport.ListenerLimits;
import io.trident.transport.ServerTls;
import io.trident.transport.TlsRotation;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * One event-loop instance of the HTTP listener; several share the port (Vert.x balances connections
 * between them) and all share one {@link StreamableHttpTransport}.
 */
public final class HttpVerticle extends VerticleBase {

  private final StreamableHttpTransport transport;
  private final Handler<HttpServerRequest> grpc;
  private final HttpTransportOptions options;
  private ListenerHardening hardening;
  private final TlsRotation tlsRotation;
  private HttpServer server;

  public HttpVerticle(StreamableHttpTransport transport, HttpTransportOptions options) {
    this(transport, null, options);
  }

  /**
   * @param grpc the gRPC transport to serve on the same port ({@code application/grpc} requests),
   *     or null
   */
  public HttpVerticle(
      StreamableHttpTransport transport,
      Handler<HttpServerRequest> grpc,
      HttpTransportOptions options) {
    this(transport, grpc, options, null, null);
  }

  /**
   * @param hardening the listener's connection limits, shared by its instances; null: the defaults,
   *     for this instance alone
   * @param tlsRotation reloads the TLS files when they change, or null
   */
  public HttpVerticle(
      StreamableHttpTransport transport,
      Handler<HttpServerRequest> grpc,
      HttpTransportOptions options,
      ListenerHardening hardening,
      TlsRotation tlsRotation) {
    this.transport = transport;
    this.grpc = grpc;
    this.options = options;
    this.hardening = hardening;
    this.tlsRotation = tlsRotation;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions serverOptions =
        new HttpServerOptions()
            .setHost(options.host())
            .setPort(options.port())
            .setDecompressionSupported(false);
    if (hardening == null) {
      // Embedded without limits of its own: the defaults, with cleartext HTTP/2 accepted.
      hardening = new ListenerHardening(vertx, "http", ListenerLimits.defaults().withH2c(true));
    }
    hardening.apply(serverOptions);
    if (options.tls()) {
      // HTTP/2 over TLS needs ALPN; HTTP/1.1 stays available.
      ServerTls.apply(
          serverOptions,
          options.tlsCertPath(),
          options.tlsKeyPath(),
          options.tlsClientCaPath(),
          List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    }
    Handler<HttpServerRequest> handler = transport;
    if (grpc != null) {
      handler =
          request -> {
            if (isGrpc(request)) {
              grpc.handle(request);
            } else {
              transport.handle(request);
            }
          };
    }
    server = hardening.install(vertx.createHttpServer(serverOptions), handler, r -> !isGrpc(r));
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

  private static boolean isGrpc(HttpServerRequest request) {
    String type = request.getHeader(io.vertx.core.http.HttpHeaders.CONTENT_TYPE);
    return type != null && type.startsWith("application/grpc");
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
