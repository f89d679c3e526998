package io.trident.transport.grpc;

import io.trident.auth.AuditEvent;
import io.trident.auth.AuditLog;
import io.trident.auth.AuthFailure;
import io.trident.auth.Authenticator;
import io.trident.auth.Credentials;
import io.trident.context.Deadline;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.server.ProtocolVersion;
import io.vertx.core.Future;
import io.vertx.grpc.server.GrpcServerRequest;
import java.time.Duration;

/**
 * What every gRPC call carries in its metadata, checked in one place before any RPC runs: the
 * protocol version, the caller and the caller's deadline.
 *
 * @param principal who calls
 * @param version the {@code mcp-protocol-version} the caller asked for (latest when absent)
 * @param callerDeadline from {@code grpc-timeout}, or null when the caller set none
 * @param modern the caller asked for the stateless revision ({@code mcp-protocol-version:
 *     2026-07-28}, SPEC.md §6.9): a typed call follows its rules
 */
record GrpcCall(
    Principal principal, ProtocolVersion version, Deadline callerDeadline, boolean modern) {

  static final String PROTOCOL_VERSION_HEADER = "mcp-protocol-version";
  static final String TOOL_HEADER = "mcp-tool";
  static final String SESSION_HEADER = "mcp-session-id";

  /** Reads the metadata and authenticates; fails with an McpException for bad metadata. */
  static Future<GrpcCall> of(GrpcServerRequest<?, ?> request, Authenticator authenticator) {
    String requested = request.headers().get(PROTOCOL_VERSION_HEADER);
    ProtocolVersion version;
    boolean modern = io.trident.server.ModernRequest.VERSION.equals(requested);
    if (requested == null || modern) {
      version = ProtocolVersion.LATEST;
    } else {
      version = ProtocolVersion.parse(requested).orElse(null);
      if (version == null) {
        return Future.failedFuture(
            McpException.invalidParams(
                "Unsupported protocol version "
                    + requested
                    + "; supported: "
                    + io.trident.server.ModernRequest.VERSION
                    + ", "
                    + String.join(", ", ProtocolVersion.supportedWire())));
      }
    }
    // grpc-timeout is well formed by construction (Vert.x parses it); one beyond the longest
    // deadline a caller may state constrains nothing the server cap does not, so it is clamped.
    long timeoutMillis = Math.min(request.timeout(), Deadline.MAX_TIMEOUT_MILLIS);
    Deadline deadline = timeoutMillis > 0 ? Deadline.after(Duration.ofMillis(timeoutMillis)) : null;
    return authenticator
        .authenticate(Credentials.from(request.headers(), request.connection()))
        .recover(
            failure -> {
              if (failure instanceof AuthFailure auth) {
                AuditLog.denied(
                    AuditEvent.denied("grpc", null, request.fullMethodName(), null, auth));
              }
              return Future.failedFuture(failure);
            })
        .map(principal -> new GrpcCall(principal, version, deadline, modern));
  }
}
