package io.trident.transport.grpc;

import io.trident.grpc.v1.McpGrpcService;
import io.trident.server.McpServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
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
      GrpcAuthenticator authenticator,
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
    health.register(McpGrpcService.SERVICE_NAME, () -> Future.succeededFuture(true));
    grpc.addService(health);
    if (options.reflection()) {
      grpc.addService(ReflectionService.v1());
    }
  }

  /** The metadata document before the auth chain exists: where the resource is, nothing more. */
  public static Supplier<JsonObject> basicMetadata(GrpcTransportOptions options) {
    JsonObject document =
        new JsonObject()
            .put(
                "resource",
                (options.tls() ? "https://" : "http://") + options.host() + ":" + options.port())
            .put("authorization_servers", new JsonArray())
            .put("bearer_methods_supported", new JsonArray().add("header"))
            .put("resource_name", "Trident");
    return () -> document;
  }

  @Override
  public void handle(HttpServerRequest request) {
    grpc.handle(request);
  }
}
