package io.trident.transport.grpc;

import com.google.protobuf.Descriptors;
import io.trident.grpc.v1.AuthDiscoveryGrpcService;
import io.trident.grpc.v1.GetMetadataRequest;
import io.trident.grpc.v1.ProtectedResourceMetadata;
import io.trident.protobuf.StructCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.Service;
import java.util.function.Supplier;

/**
 * {@code mcp.v1.AuthDiscovery}: the RFC 9728 protected-resource metadata, the same document the
 * HTTP transport serves under {@code /.well-known/oauth-protected-resource}. It needs no
 * credentials: it is how a client learns which ones to bring.
 */
final class AuthDiscoveryRpc implements Service {

  private final Supplier<JsonObject> metadata;

  AuthDiscoveryRpc(Supplier<JsonObject> metadata) {
    this.metadata = metadata;
  }

  @Override
  public ServiceName name() {
    return AuthDiscoveryGrpcService.SERVICE_NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return AuthDiscoveryGrpcService.SERVICE_DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer grpc) {
    grpc.callHandler(
        AuthDiscoveryGrpcService.GetMetadata,
        request ->
            request
                .last()
                .onSuccess(
                    (GetMetadataRequest ignored) -> request.response().end(toProto(metadata.get())))
                .onFailure(e -> GrpcErrors.fail(request.response(), e, "GetMetadata")));
  }

  static ProtectedResourceMetadata toProto(JsonObject document) {
    ProtectedResourceMetadata.Builder out =
        ProtectedResourceMetadata.newBuilder()
            .setResource(document.getString("resource", ""))
            .setResourceName(document.getString("resource_name", ""))
            .setDocument(StructCodec.toStruct(document));
    strings(document, "authorization_servers").forEach(out::addAuthorizationServers);
    strings(document, "scopes_supported").forEach(out::addScopesSupported);
    strings(document, "bearer_methods_supported").forEach(out::addBearerMethodsSupported);
    return out.build();
  }

  private static java.util.List<String> strings(JsonObject document, String key) {
    JsonArray array = document.getJsonArray(key, new JsonArray());
    return array.stream().map(String::valueOf).toList();
  }
}
