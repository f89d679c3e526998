package io.trident.transport.grpc;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.List;
import java.util.Set;

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
      serverOptions
          .setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(options.tlsCertPath())
                  .setKeyPath(options.tlsKeyPath()))
          .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
          .setUseAlpn(true)
          .setAlpnVersions(List.of(HttpVersion.HTTP_2));
    }
    server = vertx.createHttpServer(serverOptions).requestHandler(transport);
    return server.listen();
  }

  /** The bound port (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
