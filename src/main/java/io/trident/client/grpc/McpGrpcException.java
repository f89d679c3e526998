package io.trident.client.grpc;

import io.vertx.core.VertxException;
import io.vertx.grpc.common.GrpcStatus;

/**
 * A call that ended with a gRPC status other than OK. The server's status message is this
 * exception's message; the MCP error code (JSON-RPC code) comes from the {@code mcp-error-code}
 * trailer and any error data from {@code mcp-error-data-bin}.
 */
public final class McpGrpcException extends VertxException {

  private final GrpcStatus status;
  private final Integer mcpCode;
  private final Object data;

  public McpGrpcException(GrpcStatus status, String message, Integer mcpCode, Object data) {
    this(status, message, mcpCode, data, null);
  }

  /** With the local failure behind it, e.g. the TLS handshake error of an UNAVAILABLE call. */
  public McpGrpcException(
      GrpcStatus status, String message, Integer mcpCode, Object data, Throwable cause) {
    super(message == null ? status.name() : message, cause, true);
    this.status = status;
    this.mcpCode = mcpCode;
    this.data = data;
  }

  /** The gRPC status the call ended with. */
  public GrpcStatus status() {
    return status;
  }

  /** The MCP (JSON-RPC) error code, or null when the server sent none. */
  public Integer mcpCode() {
    return mcpCode;
  }

  /** The MCP error data decoded from JSON, or null. */
  public Object data() {
    return data;
  }

  @Override
  public String toString() {
    return "McpGrpcException{" + status + ", " + getMessage() + ", mcpCode=" + mcpCode + "}";
  }
}
