package io.trident.cli;

import io.trident.auth.AuthSettings;
import io.trident.config.ConfigLoader;
import io.trident.config.Durations;
import io.trident.config.TridentConfig;
import io.trident.model.Implementation;
import io.trident.server.ServerOptions;
import io.trident.store.RedisSettings;
import io.trident.transport.grpc.GrpcTransportOptions;
import io.trident.transport.http.HttpTransportOptions;
import io.trident.upstream.UpstreamSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The flags of serving and how they resolve, with environment and config file, into a {@link
 * ServingPlan}. Shared as a mixin by {@code trident} and {@code trident audit}, so that the audit
 * reviews exactly the configuration the server would run with. Bad input is a {@link
 * ParameterException} (exit 2) naming the flag or key.
 */
final class ServeFlags {

  @Spec(Spec.Target.MIXEE)
  CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--transport",
      split = ",",
      paramLabel = "KIND",
      description =
          "stdio, http, grpc or all; repeat or comma-separate for several (default: stdio)")
  List<TransportKind> transports = List.of();

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "configuration file (default: conf/trident.yaml when it exists; env TRIDENT_CONFIG)")
  Path config;

  @Option(
      names = "--backend",
      split = ",",
      paramLabel = "NAME",
      description =
          "backend(s) to serve: default, conformance, or a user backend on the class path (env TRIDENT_BACKEND)")
  List<String> backends;

  @Option(
      names = "--host",
      paramLabel = "HOST",
      description = "bind address of the network transports (default 127.0.0.1)")
  String host;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "port of the one network transport selected")
  Integer port;

  @Option(names = "--http-port", paramLabel = "N", description = "port of the HTTP transport")
  Integer httpPort;

  @Option(names = "--grpc-port", paramLabel = "N", description = "port of the gRPC transport")
  Integer grpcPort;

  @CommandLine.Mixin AuthFlags authFlags = new AuthFlags();

  @Option(
      names = "--redis",
      paramLabel = "URL",
      description =
          "Redis shared by the instances (redis://host:port, rediss:// for TLS): revocations,"
              + " rate limits, HTTP sessions and their events reach every instance (redis.url;"
              + " with redis.mode cluster or sentinel a comma-separated list: redis.nodes)")
  String redisUrl;

  @Option(
      names = "--admin-port",
      paramLabel = "N",
      description =
          "turn on the admin listener (POST /admin/revocations, scope trident:admin; GET /metrics,"
              + " /healthz, /readyz) on this port (admin.port; host admin.host, loopback by"
              + " default)")
  Integer adminPort;

  @Option(
      names = "--grpc-reflection",
      description =
          "turn on gRPC server reflection (off by default: it maps the whole attack surface)")
  boolean grpcReflection;

  /** Flags, environment and file resolved and validated, as the server would run with them. */
  ServingPlan resolve() {
    Set<TransportKind> selected = selectedTransports();
    validatePorts(selected);
    TridentConfig config = loadConfig();
    ServerOptions options = serverOptions(config);
    java.time.Duration shutdownGrace =
        duration("server.shutdownGrace", config.server().shutdownGrace());
    java.time.Duration drainGrace = duration("stdio.drainGrace", config.stdio().drainGrace());
    List<String> backendNames = backendNames(config);
    List<UpstreamSettings> upstreams;
    try {
      upstreams = UpstreamSettings.fromConfig(config.upstreams());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "config: " + e.getMessage());
    }
    AuthSettings authSettings;
    try {
      authSettings = authFlags.applyTo(config.auth());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "auth: " + e.getMessage());
    }
    HttpTransportOptions httpOptions =
        selected.contains(TransportKind.HTTP) ? httpOptions(config) : null;
    GrpcTransportOptions grpcOptions =
        selected.contains(TransportKind.GRPC) ? grpcOptions(config, httpOptions != null) : null;
    RedisSettings redis;
    try {
      redis = (redisUrl != null ? config.redis().withUrl(redisUrl) : config.redis()).complete();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return new ServingPlan(
        selected,
        config,
        options,
        shutdownGrace,
        drainGrace,
        backendNames,
        upstreams,
        authSettings,
        authFlags.noAuth,
        httpOptions,
        grpcOptions,
        redis,
        adminPort != null ? adminPort : config.admin().port());
  }

  private HttpTransportOptions httpOptions(TridentConfig config) {
    TridentConfig.HttpSection h = config.http();
    HttpTransportOptions d = HttpTransportOptions.defaults();
    String bindHost = host != null ? host : h.host() != null ? h.host() : d.host();
    int bindPort =
        port != null ? port : httpPort != null ? httpPort : h.port() != null ? h.port() : d.port();
    try {
      return new HttpTransportOptions(
          bindHost,
          bindPort,
          h.path() != null ? h.path() : d.path(),
          h.allowedOrigins() != null ? h.allowedOrigins() : d.allowedOrigins(),
          h.allowedHosts() != null ? h.allowedHosts() : d.allowedHosts(),
          h.corsOrigins() != null ? h.corsOrigins() : d.corsOrigins(),
          h.maxBodyBytes() != null ? h.maxBodyBytes() : d.maxBodyBytes(),
          h.sessionIdleTimeout() != null
              ? Durations.parse(h.sessionIdleTimeout())
              : d.sessionIdleTimeout(),
          h.maxSessions() != null ? h.maxSessions() : d.maxSessions(),
          h.maxSessionsPerPrincipal() != null
              ? h.maxSessionsPerPrincipal()
              : d.maxSessionsPerPrincipal(),
          d.sseRetry(),
          h.resumeGrace() != null ? Durations.parse(h.resumeGrace()) : d.resumeGrace(),
          d.eventsPerStream(),
          h.legacySse() != null ? h.legacySse() : d.legacySse(),
          h.alwaysSse() != null ? h.alwaysSse() : d.alwaysSse(),
          authFlags.tlsCert != null ? authFlags.tlsCert.toString() : h.tlsCert(),
          authFlags.tlsKey != null ? authFlags.tlsKey.toString() : h.tlsKey(),
          authFlags.tlsClientCa != null ? authFlags.tlsClientCa.toString() : h.tlsClientCa());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "config: " + e.getMessage());
    }
  }

  private GrpcTransportOptions grpcOptions(TridentConfig config, boolean httpSelected) {
    TridentConfig.GrpcSection g = config.grpc();
    GrpcTransportOptions d = GrpcTransportOptions.defaults();
    boolean share = Boolean.TRUE.equals(g.shareHttpPort());
    if (share && !httpSelected) {
      throw new ParameterException(
          spec.commandLine(), "config: grpc.shareHttpPort needs the http transport selected");
    }
    if (share && grpcPort != null) {
      throw new ParameterException(
          spec.commandLine(),
          "--grpc-port given but grpc.shareHttpPort puts gRPC on the HTTP port");
    }
    String bindHost = host != null ? host : g.host() != null ? g.host() : d.host();
    int bindPort =
        port != null ? port : grpcPort != null ? grpcPort : g.port() != null ? g.port() : d.port();
    try {
      return new GrpcTransportOptions(
          bindHost,
          bindPort,
          g.maxMessageBytes() != null ? g.maxMessageBytes() : d.maxMessageBytes(),
          grpcReflection || Boolean.TRUE.equals(g.reflection()),
          authFlags.tlsCert != null ? authFlags.tlsCert.toString() : g.tlsCert(),
          authFlags.tlsKey != null ? authFlags.tlsKey.toString() : g.tlsKey(),
          authFlags.tlsClientCa != null ? authFlags.tlsClientCa.toString() : g.tlsClientCa(),
          share);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "config: " + e.getMessage());
    }
  }

  private Set<TransportKind> selectedTransports() {
    Set<TransportKind> selected = EnumSet.noneOf(TransportKind.class);
    for (TransportKind kind : transports) {
      if (kind == TransportKind.ALL) {
        selected.addAll(EnumSet.of(TransportKind.STDIO, TransportKind.HTTP, TransportKind.GRPC));
      } else {
        selected.add(kind);
      }
    }
    if (selected.isEmpty()) {
      selected.add(TransportKind.STDIO);
    }
    return selected;
  }

  private void validatePorts(Set<TransportKind> selected) {
    for (Integer p : new Integer[] {port, httpPort, grpcPort}) {
      if (p != null && (p < 0 || p > 65535)) {
        throw new ParameterException(spec.commandLine(), "port out of range 0-65535: " + p);
      }
    }
    long network =
        selected.stream().filter(k -> k == TransportKind.HTTP || k == TransportKind.GRPC).count();
    if (port != null && network != 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--port needs exactly one network transport (http or grpc); use --http-port and --grpc-port");
    }
    if (httpPort != null && !selected.contains(TransportKind.HTTP)) {
      throw new ParameterException(
          spec.commandLine(), "--http-port given but the http transport is not selected");
    }
    if (grpcPort != null && !selected.contains(TransportKind.GRPC)) {
      throw new ParameterException(
          spec.commandLine(), "--grpc-port given but the grpc transport is not selected");
    }
  }

  private TridentConfig loadConfig() {
    Path file = config;
    if (file == null && System.getenv("TRIDENT_CONFIG") != null) {
      file = Path.of(System.getenv("TRIDENT_CONFIG"));
    }
    try {
      if (file != null) {
        if (!Files.isRegularFile(file)) {
          throw new ParameterException(spec.commandLine(), "config file not found: " + file);
        }
        return ConfigLoader.load(file);
      }
      // A desktop client may start us from any directory: the default file is optional.
      return Files.isRegularFile(Main.DEFAULT_CONFIG)
          ? ConfigLoader.load(Main.DEFAULT_CONFIG)
          : TridentConfig.defaults();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private ServerOptions serverOptions(TridentConfig config) {
    TridentConfig.ServerSection s = config.server();
    try {
      return new ServerOptions(
          new Implementation(
              s.name(),
              "Trident",
              Main.versionString(),
              "One MCP server over stdio, Streamable HTTP and gRPC",
              null,
              List.of()),
          s.instructions(),
          s.pageSize(),
          duration("server.requestTimeout", s.requestTimeout()),
          duration("server.clientRequestTimeout", s.clientRequestTimeout()),
          s.logLevel(),
          toolTimeouts(s.toolTimeouts()));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "config: " + e.getMessage());
    }
  }

  /** A positive duration from config, or a flag error naming {@code key}. */
  java.time.Duration duration(String key, String text) {
    java.time.Duration d;
    try {
      d = text == null ? null : Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "config: " + key + ": " + e.getMessage());
    }
    if (d == null || d.isNegative() || d.isZero()) {
      throw new ParameterException(
          spec.commandLine(), "config: " + key + " must be a positive duration (e.g. 10s)");
    }
    return d;
  }

  private java.util.Map<String, java.time.Duration> toolTimeouts(
      java.util.Map<String, String> configured) {
    java.util.Map<String, java.time.Duration> out = new java.util.LinkedHashMap<>();
    configured.forEach(
        (tool, text) -> out.put(tool, duration("server.toolTimeouts." + tool, text)));
    return out;
  }

  private List<String> backendNames(TridentConfig config) {
    if (backends != null && !backends.isEmpty()) {
      return backends;
    }
    String env = System.getenv("TRIDENT_BACKEND");
    if (env != null && !env.isBlank()) {
      return List.of(env.split(","));
    }
    return config.backends();
  }
}
