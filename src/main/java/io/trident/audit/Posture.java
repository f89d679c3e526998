package io.trident.audit;

import io.trident.auth.AuthSettings;
import io.trident.auth.LimitSettings;
import io.trident.auth.RevocationSettings;
import io.trident.server.ServerOptions;
import io.trident.store.RedisSettings;
import io.trident.upstream.UpstreamSettings;
import java.util.List;

/**
 * Everything {@link PostureAudit} reviews: the configuration the server would run with, already
 * resolved from flags, environment and file, plus a few facts about the process.
 *
 * @param listeners the network listeners that would open (http, grpc, admin)
 * @param stdio whether the stdio transport is selected
 * @param grpcReflection whether gRPC server reflection would be served
 * @param authMode how network callers would be let in
 * @param auth the auth section with the auth flags applied
 * @param localUser the stdio principal's name ({@code local.user})
 * @param localScopes the stdio principal's scopes ({@code local.scopes})
 * @param options the MCP core's options (deadline caps)
 * @param maxBodyBytes {@code http.maxBodyBytes}, or -1 without the HTTP transport
 * @param maxMessageBytes {@code grpc.maxMessageBytes}, or -1 without the gRPC transport
 * @param maxLineBytes {@code stdio.maxLineBytes}
 * @param allowedOrigins {@code http.allowedOrigins}
 * @param limits the rate limits
 * @param redis the Redis section ({@code --redis} applied)
 * @param revocation the stream re-check settings
 * @param upstreams the upstream gRPC services
 * @param tools the tools the backends offer, with the scope each declares
 * @param process the process's user and audit destination
 */
public record Posture(
    List<Listener> listeners,
    boolean stdio,
    boolean grpcReflection,
    AuthMode authMode,
    AuthSettings auth,
    String localUser,
    List<String> localScopes,
    ServerOptions options,
    long maxBodyBytes,
    int maxMessageBytes,
    int maxLineBytes,
    List<String> allowedOrigins,
    LimitSettings limits,
    RedisSettings redis,
    RevocationSettings revocation,
    List<UpstreamSettings> upstreams,
    List<ToolScope> tools,
    ProcessFacts process) {

  public Posture {
    listeners = List.copyOf(listeners);
    localScopes = List.copyOf(localScopes);
    allowedOrigins = List.copyOf(allowedOrigins);
    upstreams = List.copyOf(upstreams);
    tools = List.copyOf(tools);
  }

  /** How network callers are let in (SPEC.md §7.2). */
  public enum AuthMode {
    /** No network transport: stdio only. */
    STDIO_ONLY,
    /** The configured chain (and anonymous access, when enabled). */
    CONFIGURED,
    /** Nothing configured on a loopback bind: a one-off development API key. */
    DEVELOPMENT_KEY,
    /** {@code --no-auth}: every network caller with every scope. */
    NO_AUTH
  }

  /** A tool and the scope its backend declares for it (null: none). */
  public record ToolScope(String name, String declaredScope) {}
}
