package io.trident.transport.grpc;

import io.trident.transport.ServerTls;
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
  private HttpServer server;

  public GrpcVerticle(GrpcTransport transport, GrpcTransportOptions options) {
    this.transport = transport;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions serverOptions =
        new HttpServerOptions().setHost(options.host()).setPort(options.port());
    if (options.tls()) {
      ServerTls.apply(
          serverOptions,
          options.tlsCertPath(),
          options.tlsKeyPath(),
          options.tlsClientCaPath(),
          List.of(HttpVersion.HTTP_2));
    }
    server = vertx.createHttpServer(serverOptions).requestHandler(transport);
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
