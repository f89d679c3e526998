package io.trident.auth;

import io.trident.model.McpException;
import io.vertx.core.json.JsonObject;

/**
 * Why the stream guard ended a stream (or refuses its messages), as every wire says it: the token
 * in {@code data.reason} of the JSON-RPC error, in {@code mcp-error-data-bin} on gRPC, and in the
 * last SSE event. The first three follow the transports working group's draft for the authorization
 * lifetime of streams ({@code AuthorizationEnded}).
 */
public enum AuthorizationEnded {
  /** The credential's {@code exp} (plus the configured leeway) has passed. */
  TOKEN_EXPIRY("token_expiry"),
  /** The token id or subject was revoked, or the API key was revoked in the keys file. */
  REVOKED("revoked"),
  /** The caller lacks a scope for this message; the stream stays open. */
  INSUFFICIENT_AUTHORIZATION("insufficient_authorization"),
  /** Revocation status could not be confirmed for longer than allowed (fail closed). */
  REVOCATION_UNCONFIRMED("revocation_unconfirmed");

  private final String wire;

  AuthorizationEnded(String wire) {
    this.wire = wire;
  }

  /** The {@code data.reason} token. */
  public String wire() {
    return wire;
  }

  /** The JSON-RPC error for a message refused, or a stream ended, for this reason. */
  public McpException toMcpException() {
    JsonObject data = new JsonObject().put("reason", wire);
    if (this == INSUFFICIENT_AUTHORIZATION) {
      return new McpException(
          McpException.FORBIDDEN, "Forbidden: insufficient authorization", data);
    }
    return new McpException(
        McpException.UNAUTHENTICATED, "Unauthorized: authorization ended (" + wire + ")", data);
  }
}
