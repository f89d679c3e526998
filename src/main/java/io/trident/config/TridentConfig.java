package io.trident.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.trident.auth.AuthSettings;
import io.trident.auth.LimitSettings;
import io.trident.auth.RevocationSettings;
import io.trident.observe.ObserveSettings;
import io.trident.store.RedisSettings;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration file ({@code conf/trident.yaml}). Every section and key is optional;
 * missing ones take the documented defaults; unknown keys are refused so typos do not pass
 * silently.
 */
public record TridentConfig(
    @JsonProperty("server") ServerSection server,
    @JsonProperty("backends") List<String> backends,
    @JsonProperty("stdio") StdioSection stdio,
    @JsonProperty("http") HttpSection http,
    @JsonProperty("grpc") GrpcSection grpc,
    @JsonProperty("local") LocalSection local,
    @JsonProperty("auth") AuthSettings auth,
    @JsonProperty("upstreams") List<UpstreamSection> upstreams,
    @JsonProperty("redis") RedisSettings redis,
    @JsonProperty("revocation") RevocationSettings revocation,
    @JsonProperty("admin") AdminSection admin,
    @JsonProperty("limits") LimitSettings limits,
    @JsonProperty("metrics") ObserveSettings.Metrics metrics,
    @JsonProperty("tracing") ObserveSettings.Tracing tracing,
    @JsonProperty("audit") ObserveSettings.Audit audit) {

  public TridentConfig {
    server =
        server == null
            ? new ServerSection(null, null, null, null, null, null, null, null, null, null)
            : server;
    backends = backends == null || backends.isEmpty() ? List.of("default") : List.copyOf(backends);
    stdio = stdio == null ? new StdioSection(null, null) : stdio;
    http = http == null ? HttpSection.empty() : http;
    grpc = grpc == null ? GrpcSection.empty() : grpc;
    local = local == null ? new LocalSection(null, null) : local;
    auth = auth == null ? AuthSettings.defaults() : auth;
    upstreams = upstreams == null ? List.of() : List.copyOf(upstreams);
    redis = redis == null ? RedisSettings.none() : redis;
    revocation = revocation == null ? RevocationSettings.defaults() : revocation;
    admin = admin == null ? new AdminSection(null, null) : admin;
    limits = limits == null ? LimitSettings.defaults() : limits;
    metrics = metrics == null ? ObserveSettings.Metrics.defaults() : metrics;
    tracing = tracing == null ? ObserveSettings.Tracing.defaults() : tracing;
    audit = audit == null ? ObserveSettings.Audit.defaults() : audit;
  }

  public static TridentConfig defaults() {
    return new TridentConfig(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** The MCP core. */
  public record ServerSection(
      @JsonProperty("name") String name,
      @JsonProperty("instructions") String instructions,
      @JsonProperty("pageSize") Integer pageSize,
      @JsonProperty("requestTimeout") String requestTimeout,
      @JsonProperty("clientRequestTimeout") String clientRequestTimeout,
      @JsonProperty("logLevel") String logLevel,
      @JsonProperty("toolTimeouts") Map<String, String> toolTimeouts,
      @JsonProperty("shutdownGrace") String shutdownGrace,
      @JsonProperty("requestStateKeyFile") String requestStateKeyFile,
      @JsonProperty("requestStateTtl") String requestStateTtl) {

    public ServerSection {
      name = name == null ? "trident" : name;
      pageSize = pageSize == null ? 100 : pageSize;
      requestTimeout = requestTimeout == null ? "60s" : requestTimeout;
      clientRequestTimeout = clientRequestTimeout == null ? "60s" : clientRequestTimeout;
      logLevel = logLevel == null ? "info" : logLevel;
      // Kept in file order, so that start-up messages name the keys as written.
      toolTimeouts =
          toolTimeouts == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(toolTimeouts));
      shutdownGrace = shutdownGrace == null ? "10s" : shutdownGrace;
      requestStateTtl = requestStateTtl == null ? "10m" : requestStateTtl;
    }
  }

  /** The stdio transport. */
  public record StdioSection(
      @JsonProperty("maxLineBytes") Integer maxLineBytes,
      @JsonProperty("drainGrace") String drainGrace) {
    public StdioSection {
      maxLineBytes = maxLineBytes == null ? 4 * 1024 * 1024 : maxLineBytes;
      if (maxLineBytes < 1024) {
        throw new IllegalArgumentException("stdio.maxLineBytes must be at least 1024");
      }
      drainGrace = drainGrace == null ? "2s" : drainGrace;
    }
  }

  /** The Streamable HTTP transport (see HttpTransportOptions for the meaning of each key). */
  public record HttpSection(
      @JsonProperty("host") String host,
      @JsonProperty("port") Integer port,
      @JsonProperty("path") String path,
      @JsonProperty("allowedOrigins") List<String> allowedOrigins,
      @JsonProperty("allowedHosts") List<String> allowedHosts,
      @JsonProperty("corsOrigins") List<String> corsOrigins,
      @JsonProperty("maxBodyBytes") Long maxBodyBytes,
      @JsonProperty("sessionIdleTimeout") String sessionIdleTimeout,
      @JsonProperty("maxSessions") Integer maxSessions,
      @JsonProperty("maxSessionsPerPrincipal") Integer maxSessionsPerPrincipal,
      @JsonProperty("resumeGrace") String resumeGrace,
      @JsonProperty("legacySse") Boolean legacySse,
      @JsonProperty("alwaysSse") Boolean alwaysSse,
      @JsonProperty("tlsCert") String tlsCert,
      @JsonProperty("tlsKey") String tlsKey,
      @JsonProperty("tlsClientCa") String tlsClientCa,
      @JsonProperty("headerTimeout") String headerTimeout,
      @JsonProperty("bodyTimeout") String bodyTimeout,
      @JsonProperty("idleTimeout") String idleTimeout,
      @JsonProperty("maxConnections") Integer maxConnections,
      @JsonProperty("maxConnectionsPerAddress") Integer maxConnectionsPerAddress,
      @JsonProperty("maxHeaderBytes") Integer maxHeaderBytes,
      @JsonProperty("maxHeaderCount") Integer maxHeaderCount,
      @JsonProperty("hstsMaxAge") String hstsMaxAge,
      @JsonProperty("tlsReloadInterval") String tlsReloadInterval,
      @JsonProperty("h2c") Boolean h2c,
      @JsonProperty("http2") Http2Section http2) {

    public HttpSection {
      http2 = http2 == null ? Http2Section.empty() : http2;
    }

    static HttpSection empty() {
      return new HttpSection(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, null, null, null, null, null, null, null);
    }
  }

  /**
   * HTTP/2 limits of a listener (SPEC.md §9): concurrent streams, rapid reset, ping floods and
   * keepalive enforcement. Missing keys take the defaults of {@code
   * io.trident.transport.ListenerLimits}.
   */
  public record Http2Section(
      @JsonProperty("maxConcurrentStreams") Integer maxConcurrentStreams,
      @JsonProperty("maxResetsPerWindow") Integer maxResetsPerWindow,
      @JsonProperty("resetWindow") String resetWindow,
      @JsonProperty("maxPingsPerWindow") Integer maxPingsPerWindow,
      @JsonProperty("pingWindow") String pingWindow,
      @JsonProperty("minPingInterval") String minPingInterval,
      @JsonProperty("maxPingStrikes") Integer maxPingStrikes,
      @JsonProperty("keepAliveInterval") String keepAliveInterval) {

    static Http2Section empty() {
      return new Http2Section(null, null, null, null, null, null, null, null);
    }
  }

  /** The gRPC transport (see GrpcTransportOptions for the meaning of each key). */
  public record GrpcSection(
      @JsonProperty("host") String host,
      @JsonProperty("port") Integer port,
      @JsonProperty("maxMessageBytes") Integer maxMessageBytes,
      @JsonProperty("reflection") Boolean reflection,
      @JsonProperty("tlsCert") String tlsCert,
      @JsonProperty("tlsKey") String tlsKey,
      @JsonProperty("tlsClientCa") String tlsClientCa,
      @JsonProperty("shareHttpPort") Boolean shareHttpPort,
      @JsonProperty("headerTimeout") String headerTimeout,
      @JsonProperty("idleTimeout") String idleTimeout,
      @JsonProperty("maxConnections") Integer maxConnections,
      @JsonProperty("maxConnectionsPerAddress") Integer maxConnectionsPerAddress,
      @JsonProperty("maxHeaderBytes") Integer maxHeaderBytes,
      @JsonProperty("maxHeaderCount") Integer maxHeaderCount,
      @JsonProperty("tlsReloadInterval") String tlsReloadInterval,
      @JsonProperty("http2") Http2Section http2) {

    public GrpcSection {
      http2 = http2 == null ? Http2Section.empty() : http2;
    }

    static GrpcSection empty() {
      return new GrpcSection(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null);
    }
  }

  /**
   * The admin listener (SPEC.md §7.7): off unless {@code port} is set.
   *
   * @param host bind address, loopback by default
   * @param port its own port (0: a free one); null: no admin listener
   */
  public record AdminSection(
      @JsonProperty("host") String host, @JsonProperty("port") Integer port) {
    public AdminSection {
      host = host == null ? "127.0.0.1" : host;
      if (port != null && (port < 0 || port > 65535)) {
        throw new IllegalArgumentException("admin.port out of range 0-65535: " + port);
      }
    }
  }

  /** The principal of a local (stdio) caller. */
  public record LocalSection(
      @JsonProperty("user") String user, @JsonProperty("scopes") List<String> scopes) {
    public LocalSection {
      user = user == null ? System.getProperty("user.name", "local") : user;
      scopes = scopes == null ? List.of("*") : List.copyOf(scopes);
    }
  }

  /**
   * One upstream gRPC service whose unary methods become tools (SPEC.md §8). Read as written; the
   * upstream package validates every key at start-up, naming it ({@code upstreams[0].target}).
   */
  public record UpstreamSection(
      @JsonProperty("name") String name,
      @JsonProperty("target") String target,
      @JsonProperty("descriptorSet") String descriptorSet,
      @JsonProperty("reflection") Boolean reflection,
      @JsonProperty("services") List<String> services,
      @JsonProperty("methods") List<String> methods,
      @JsonProperty("timeout") String timeout,
      @JsonProperty("scope") String scope,
      @JsonProperty("tools") java.util.Map<String, UpstreamToolSection> tools,
      @JsonProperty("tls") UpstreamTlsSection tls,
      @JsonProperty("insecure") Boolean insecure,
      @JsonProperty("forwardMetadata") List<String> forwardMetadata,
      @JsonProperty("metadata") java.util.Map<String, String> metadata,
      @JsonProperty("forwardCallerToken") Boolean forwardCallerToken,
      @JsonProperty("callerIdentity") String callerIdentity,
      @JsonProperty("maxMessageBytes") Integer maxMessageBytes) {}

  /** Per-method overrides of an upstream tool, keyed by method name or full method name. */
  public record UpstreamToolSection(
      @JsonProperty("description") String description, @JsonProperty("scope") String scope) {}

  /** How Trident reaches an upstream over TLS. */
  public record UpstreamTlsSection(
      @JsonProperty("caFile") String caFile,
      @JsonProperty("certFile") String certFile,
      @JsonProperty("keyFile") String keyFile,
      @JsonProperty("serverName") String serverName) {}
}
