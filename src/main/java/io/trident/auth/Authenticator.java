package io.trident.auth;

import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a network transport asks of the auth chain: who is this caller, and what should a client
 * that is not yet authorized read first (RFC 9728). Transports extract {@link Credentials} from
 * their wire and map {@link AuthFailure}s to their own words.
 */
public interface Authenticator {

  /**
   * @return the caller, or a future failed with {@link AuthFailure} when it is not let in
   */
  Future<Principal> authenticate(Credentials credentials);

  /** The protected-resource metadata document for the resource served at {@code resourceUrl}. */
  JsonObject resourceMetadata(String resourceUrl);

  /** Lets every caller in as {@code principal}: for embedding, tests and {@code --no-auth}. */
  static Authenticator open(Principal principal) {
    return new Authenticator() {
      @Override
      public Future<Principal> authenticate(Credentials credentials) {
        return Future.succeededFuture(principal);
      }

      @Override
      public JsonObject resourceMetadata(String resourceUrl) {
        return ProtectedResourceMetadata.document(
            resourceUrl, new AuthSettings.Metadata(null, null), List.of());
      }
    };
  }
}
