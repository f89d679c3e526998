package io.trident.observe;

import io.trident.auth.AuthFailure;
import io.trident.model.McpException;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CancellationException;

/**
 * How a request ended, as the {@code outcome} label and span attribute say it: a fixed set, so that
 * no error message ever becomes a label value.
 */
public enum Outcome {
  OK("ok"),
  TOOL_ERROR("tool_error"),
  INVALID_REQUEST("invalid_request"),
  METHOD_NOT_FOUND("method_not_found"),
  INVALID_PARAMS("invalid_params"),
  NOT_FOUND("not_found"),
  UNAUTHENTICATED("unauthenticated"),
  FORBIDDEN("forbidden"),
  RATE_LIMITED("rate_limited"),
  DEADLINE_EXCEEDED("deadline_exceeded"),
  CANCELLED("cancelled"),
  ERROR("error");

  static final Outcome[] ALL = values();

  private final String label;

  Outcome(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The outcome of a JSON-RPC error {@code code}. */
  public static Outcome ofCode(int code) {
    return switch (code) {
      case McpException.INVALID_REQUEST -> INVALID_REQUEST;
      case McpException.METHOD_NOT_FOUND -> METHOD_NOT_FOUND;
      case McpException.INVALID_PARAMS -> INVALID_PARAMS;
      case McpException.RESOURCE_NOT_FOUND -> NOT_FOUND;
      case McpException.FORBIDDEN -> FORBIDDEN;
      case McpException.UNAUTHENTICATED -> UNAUTHENTICATED;
      case McpException.RATE_LIMITED -> RATE_LIMITED;
      case McpException.REQUEST_TIMEOUT -> DEADLINE_EXCEEDED;
      default -> ERROR;
    };
  }

  /** The outcome of a successful JSON-RPC result: a tool result with {@code isError} is one. */
  public static Outcome ofResult(JsonObject result) {
    return result != null && Boolean.TRUE.equals(result.getValue("isError")) ? TOOL_ERROR : OK;
  }

  /** The outcome of a request that failed with {@code failure}. */
  public static Outcome ofFailure(Throwable failure) {
    if (failure instanceof McpException mcp) {
      return ofCode(mcp.code());
    }
    if (failure instanceof AuthFailure auth) {
      return auth.kind() == AuthFailure.Kind.FORBIDDEN ? FORBIDDEN : UNAUTHENTICATED;
    }
    return failure instanceof CancellationException ? CANCELLED : ERROR;
  }
}
