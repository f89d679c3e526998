package io.trident.transport.grpc;

import static io.trident.transport.grpc.GrpcTransportTest.await;

import io.trident.auth.AuthChain;
import io.trident.auth.RequestGuard;
import io.trident.backend.Backend;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;

/**
 * The gRPC transport in front of a real {@link AuthChain}: the server authorizes with {@code
 * RequestGuard.of(chain.scopes(), backend)} and the transport authenticates with the chain, as
 * {@code Main} wires them.
 */
final class GrpcAuthFixture {

  private GrpcAuthFixture() {}

  /** Deploys the transport on a free loopback port; returns its address. */
  static SocketAddress deploy(
      Vertx vertx, AuthChain chain, Backend backend, GrpcTransportOptions options) {
    McpServer server =
        new McpServer(
            vertx,
            backend,
            ServerOptions.defaults(Implementation.of("trident-grpc-auth-test", "1"))
                .withRequestTimeout(Duration.ofSeconds(30)),
            RequestGuard.of(chain.scopes(), backend));
    int[] port = {0};
    GrpcTransport transport =
        new GrpcTransport(
            vertx,
            server,
            options,
            chain,
            GrpcTransport.resourceMetadata(options, () -> port[0], chain));
    GrpcVerticle verticle = new GrpcVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    port[0] = verticle.actualPort();
    return SocketAddress.inetSocketAddress(port[0], "127.0.0.1");
  }
}
