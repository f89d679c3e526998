package io.trident.auth;

import io.trident.model.McpException;
import io.vertx.core.json.JsonObject;

/**
 * Why a request may not proceed: the caller is not authenticated, or lacks a scope. Its message is
 * safe to show the caller and never says why a credential was refused (missing, expired, bad
 * signature and unknown key all read the same); {@link #reason()} is for the server log and audit
 * only. Carries no stack trace: it is an answer, not a bug.
 */
public final class AuthFailure extends RuntimeException {

  /** The two answers a transport maps to its wire (HTTP 401/403, gRPC UNAUTHENTICATED/…). */
  public enum Kind {
    UNAUTHENTICATED,
    FORBIDDEN
  }

  /** Why authentication failed; never shown to the caller. */
  public enum Reason {
    /** No credential, and anonymous access is off. */
    MISSING,
    /** A credential was present and refused. */
    INVALID,
    /** The principal lacks a scope ({@link Kind#FORBIDDEN}). */
    INSUFFICIENT_SCOPE
  }

  /** The message a caller sees for every authentication failure. */
  public static final String UNAUTHENTICATED_MESSAGE =
      "Unauthorized: missing, invalid or expired credentials";

  private final Kind kind;
  private final Reason reason;
  private final String requiredScope;

  private AuthFailure(Kind kind, Reason reason, String requiredScope, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.reason = reason;
    this.requiredScope = requiredScope;
  }

  /** No credential was presented and anonymous access is off. */
  public static AuthFailure missing() {
    return new AuthFailure(Kind.UNAUTHENTICATED, Reason.MISSING, null, UNAUTHENTICATED_MESSAGE);
  }

  /** A credential was presented and refused. */
  public static AuthFailure invalid() {
    return new AuthFailure(Kind.UNAUTHENTICATED, Reason.INVALID, null, UNAUTHENTICATED_MESSAGE);
  }

  /** The caller is known but lacks {@code scope}. */
  public static AuthFailure forbidden(String scope) {
    return new AuthFailure(
        Kind.FORBIDDEN,
        Reason.INSUFFICIENT_SCOPE,
        scope,
        "Forbidden: this requires the scope '" + scope + "'");
  }

  public Kind kind() {
    return kind;
  }

  /** For the log and the audit line, never for the caller. */
  public Reason reason() {
    return reason;
  }

  /** The missing scope of a {@link Kind#FORBIDDEN} failure, else null. */
  public String requiredScope() {
    return requiredScope;
  }

  /** The RFC 6750 error code: {@code invalid_token} or {@code insufficient_scope}. */
  public String errorCode() {
    return kind == Kind.UNAUTHENTICATED ? "invalid_token" : "insufficient_scope";
  }

  /**
   * The value of an HTTP {@code WWW-Authenticate} header for this failure (RFC 6750, with the RFC
   * 9728 {@code resource_metadata} parameter when {@code resourceMetadataUrl} is not null).
   */
  public String wwwAuthenticate(String resourceMetadataUrl) {
    StringBuilder sb = new StringBuilder("Bearer");
    String sep = " ";
    if (resourceMetadataUrl != null) {
      sb.append(sep).append("resource_metadata=\"").append(resourceMetadataUrl).append('"');
      sep = ", ";
    }
    sb.append(sep).append("error=\"").append(errorCode()).append('"');
    if (requiredScope != null) {
      sb.append(", scope=\"").append(requiredScope).append('"');
    }
    return sb.toString();
  }

  /** The JSON-RPC form of this failure, with the same safe wording. */
  public McpException toMcpException() {
    if (kind == Kind.UNAUTHENTICATED) {
      return new McpException(McpException.UNAUTHENTICATED, getMessage());
    }
    // The reason is the stream guard's word for a refused message (SPEC.md §7.7).
    return new McpException(
        McpException.FORBIDDEN,
        getMessage(),
        new JsonObject()
            .put("requiredScope", requiredScope)
            .put("reason", AuthorizationEnded.INSUFFICIENT_AUTHORIZATION.wire()));
  }
}
