package io.trident.transport.http;

import io.trident.transport.ServerTls;
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
    this.transport = transport;
    this.grpc = grpc;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions serverOptions =
        new HttpServerOptions()
            .setHost(options.host())
            .setPort(options.port())
            .setDecompressionSupported(false);
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
            String type = request.getHeader("content-type");
            if (type != null && type.startsWith("application/grpc")) {
              grpc.handle(request);
            } else {
              transport.handle(request);
            }
          };
    }
    server = vertx.createHttpServer(serverOptions).requestHandler(handler);
    return server.listen();
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
