package io.trident.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.trident.auth.AuthSettings;
import io.trident.auth.LimitSettings;
import io.trident.auth.RevocationSettings;
import io.trident.store.RedisSettings;
import java.util.List;

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
    @JsonProperty("redis") RedisSettings redis,
    @JsonProperty("revocation") RevocationSettings revocation,
    @JsonProperty("limits") LimitSettings limits) {

  public TridentConfig {
    server = server == null ? new ServerSection(null, null, null, null, null, null) : server;
    backends = backends == null || backends.isEmpty() ? List.of("default") : List.copyOf(backends);
    stdio = stdio == null ? new StdioSection(null) : stdio;
    http =
        http == null
            ? new HttpSection(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null)
            : http;
    grpc = grpc == null ? new GrpcSection(null, null, null, null, null, null, null, null) : grpc;
    local = local == null ? new LocalSection(null, null) : local;
    auth = auth == null ? AuthSettings.defaults() : auth;
    redis = redis == null ? RedisSettings.none() : redis;
    revocation = revocation == null ? RevocationSettings.defaults() : revocation;
    limits = limits == null ? LimitSettings.defaults() : limits;
  }

  public static TridentConfig defaults() {
    return new TridentConfig(null, null, null, null, null, null, null, null, null, null);
  }

  /** The MCP core. */
  public record ServerSection(
      @JsonProperty("name") String name,
      @JsonProperty("instructions") String instructions,
      @JsonProperty("pageSize") Integer pageSize,
      @JsonProperty("requestTimeout") String requestTimeout,
      @JsonProperty("clientRequestTimeout") String clientRequestTimeout,
      @JsonProperty("logLevel") String logLevel) {

    public ServerSection {
      name = name == null ? "trident" : name;
      pageSize = pageSize == null ? 100 : pageSize;
      requestTimeout = requestTimeout == null ? "5m" : requestTimeout;
      clientRequestTimeout = clientRequestTimeout == null ? "60s" : clientRequestTimeout;
      logLevel = logLevel == null ? "info" : logLevel;
    }
  }

  /** The stdio transport. */
  public record StdioSection(@JsonProperty("maxLineBytes") Integer maxLineBytes) {
    public StdioSection {
      maxLineBytes = maxLineBytes == null ? 4 * 1024 * 1024 : maxLineBytes;
      if (maxLineBytes < 1024) {
        throw new IllegalArgumentException("stdio.maxLineBytes must be at least 1024");
      }
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
      @JsonProperty("tlsClientCa") String tlsClientCa) {}

  /** The gRPC transport (see GrpcTransportOptions for the meaning of each key). */
  public record GrpcSection(
      @JsonProperty("host") String host,
      @JsonProperty("port") Integer port,
      @JsonProperty("maxMessageBytes") Integer maxMessageBytes,
      @JsonProperty("reflection") Boolean reflection,
      @JsonProperty("tlsCert") String tlsCert,
      @JsonProperty("tlsKey") String tlsKey,
      @JsonProperty("tlsClientCa") String tlsClientCa,
      @JsonProperty("shareHttpPort") Boolean shareHttpPort) {}

  /** The principal of a local (stdio) caller. */
  public record LocalSection(
      @JsonProperty("user") String user, @JsonProperty("scopes") List<String> scopes) {
    public LocalSection {
      user = user == null ? System.getProperty("user.name", "local") : user;
      scopes = scopes == null ? List.of("*") : List.copyOf(scopes);
    }
  }
}
