package io.trident.model;

import io.vertx.core.json.JsonObject;

/**
 * A protocol-level error with a JSON-RPC code and a message that is safe to show the caller. Each
 * transport maps it to its own wire once (JSON-RPC error, gRPC status); details stay in the log.
 */
public final class McpException extends RuntimeException {

  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;

  /** The deadline passed before the request finished (the code the TypeScript SDK uses). */
  public static final int REQUEST_TIMEOUT = -32001;

  /** The resource does not exist (2025-11-25 resources page). */
  public static final int RESOURCE_NOT_FOUND = -32002;

  /** The caller lacks a scope this request needs; data names it ({@code requiredScope}). */
  public static final int FORBIDDEN = -32003;

  /** The caller's credentials were missing, invalid or expired. */
  public static final int UNAUTHENTICATED = -32004;

  /**
   * Over a rate or concurrency limit (SPEC.md §7.8); {@code data.retryAfterMs} says when to try
   * again. In the range the 2026-07-28 revision reserves, clear of the codes it and its drafts use.
   */
  public static final int RATE_LIMITED = -32030;

  private final int code;
  private final transient JsonObject data;

  public McpException(int code, String safeMessage) {
    this(code, safeMessage, null);
  }

  public McpException(int code, String safeMessage, JsonObject data) {
    super(safeMessage, null, false, false);
    this.code = code;
    this.data = data;
  }

  public static McpException invalidParams(String message) {
    return new McpException(INVALID_PARAMS, message);
  }

  public int code() {
    return code;
  }

  /** Optional structured detail, safe for the caller; may be null. */
  public JsonObject data() {
    return data;
  }
}
