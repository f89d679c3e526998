package io.trident.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Objects;

/**
 * The OAuth 2.0 Protected Resource Metadata document (RFC 9728) that MCP clients read to find the
 * authorization server; HTTP serves it at {@code /.well-known/oauth-protected-resource}.
 */
public final class ProtectedResourceMetadata {

  private ProtectedResourceMetadata() {}

  /**
   * @param resourceUrl the {@code resource} identifier: the URL the transport serves MCP at
   * @param metadata authorization servers and the resource name
   * @param scopesSupported every scope the server may ask for
   */
  public static JsonObject document(
      String resourceUrl, AuthSettings.Metadata metadata, Collection<String> scopesSupported) {
    Objects.requireNonNull(resourceUrl, "resourceUrl");
    JsonObject doc =
        new JsonObject()
            .put("resource", resourceUrl)
            .put("authorization_servers", new JsonArray(metadata.authorizationServers()))
            .put("scopes_supported", new JsonArray(java.util.List.copyOf(scopesSupported)))
            .put("bearer_methods_supported", new JsonArray().add("header"));
    if (metadata.resourceName() != null) {
      doc.put("resource_name", metadata.resourceName());
    }
    return doc;
  }
}
