package io.trident.transport.grpc;

import io.trident.auth.Authenticator;
import io.trident.grpc.v1.McpGrpcService;
import io.trident.observe.Observe;
import io.trident.server.McpServer;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The gRPC door: {@code mcp.v1.Mcp} (typed RPCs and Connect), {@code mcp.v1.AuthDiscovery}, the
 * standard health service and, only when asked for, server reflection. One instance is shared by
 * every event-loop listener, like the HTTP transport; it is itself an HTTP request handler, so the
 * HTTP listener can also carry it on its own port.
 */
public final class GrpcTransport implements Handler<HttpServerRequest> {

  private final GrpcServer grpc;

  public GrpcTransport(
      Vertx vertx,
      McpServer server,
      GrpcTransportOptions options,
      Authenticator authenticator,
      Supplier<JsonObject> resourceMetadata) {
    this.grpc =
        GrpcServer.server(
            vertx, new GrpcServerOptions().setMaxMessageSize(options.maxMessageBytes()));
    grpc.addService(
        new TypedRpcs(
            server,
            authenticator,
            request -> {
              // No message is read before the caller is known.
              request.pause();
              GrpcCall.of(request, authenticator)
                  .onSuccess(
                      call ->
                          new ConnectSession(server, request, call, options.maxMessageBytes())
                              .start())
                  .onFailure(e -> GrpcErrors.fail(request.response(), e, "Connect"));
            }));
    grpc.addService(new AuthDiscoveryRpc(resourceMetadata));
    HealthService health = HealthService.create(vertx);
    // Serving while the instance is ready (SPEC.md §12.3): the same verdict as GET /readyz.
    health.register(
        McpGrpcService.SERVICE_NAME, () -> Observe.readiness().check().map(r -> r.ready()));
    health.register("", () -> Observe.readiness().check().map(r -> r.ready()));
    grpc.addService(health);
    if (options.reflection()) {
      grpc.addService(ReflectionService.v1());
    }
  }

  /**
   * The protected-resource metadata served by AuthDiscovery, for the address actually bound ({@code
   * boundPort}, asked at each call: port 0 and a port shared with HTTP are known only once
   * listening).
   */
  public static Supplier<JsonObject> resourceMetadata(
      GrpcTransportOptions options, IntSupplier boundPort, Authenticator authenticator) {
    return () -> {
      int port = boundPort.getAsInt();
      return authenticator.resourceMetadata(
          (options.tls() ? "https://" : "http://")
              + options.host()
              + ":"
              + (port > 0 ? port : options.port()));
    };
  }

  @Override
  public void handle(HttpServerRequest request) {
    grpc.handle(request);
  }
}
