package io.trident.cli;

import io.trident.auth.AuthSettings;
import io.trident.auth.Authenticator;
import io.trident.auth.LimitSettings;
import io.trident.auth.RateLimiter;
import io.trident.auth.RequestGuard;
import io.trident.auth.StreamGuards;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.config.ConfigLoader;
import io.trident.config.Durations;
import io.trident.config.TridentConfig;
import io.trident.context.Principal;
import io.trident.model.Implementation;
import io.trident.observe.AuditFile;
import io.trident.observe.Metrics;
import io.trident.observe.Observe;
import io.trident.observe.Readiness;
import io.trident.observe.RedisWatch;
import io.trident.observe.Tracing;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.store.RateBuckets;
import io.trident.store.RedisConnector;
import io.trident.store.RedisSettings;
import io.trident.store.RevocationStore;
import io.trident.transport.grpc.GrpcTransport;
import io.trident.transport.grpc.GrpcTransportOptions;
import io.trident.transport.grpc.GrpcVerticle;
import io.trident.transport.http.HttpTransportOptions;
import io.trident.transport.http.HttpVerticle;
import io.trident.transport.http.StreamableHttpTransport;
import io.trident.transport.stdio.StdioTransport;
import io.trident.upstream.UpstreamSettings;
import io.trident.upstream.UpstreamTools;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar trident.jar}: parses flags, loads config, builds the backend and runs
 * transports.
 */
@Command(
    name = "trident",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    subcommands = {RevokeCommand.class},
    description = "One MCP server over stdio, Streamable HTTP and gRPC.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:clean shutdown (EOF on stdin, SIGTERM)",
      "1:failed while running",
      "2:bad flags or configuration"
    })
public final class Main implements Callable<Integer> {

  static final Path DEFAULT_CONFIG = Path.of("conf", "trident.yaml");

  @Spec CommandLine.Model.CommandSpec spec;

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
          "Redis shared by the instances (redis://host:port, rediss:// for TLS): revocations"
              + " reach every instance (redis.url)")
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

  public static void main(String[] args) {
    // Keep the real stdout for protocol bytes; anything else printing to System.out goes to stderr.
    PrintStream protocolOut = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
    // Starting Vert.x is the slowest step of start-up: overlap it with parsing flags and config.
    CompletableFuture<Vertx> vertx = CompletableFuture.supplyAsync(Main::startVertx);
    CommandLine cli = new CommandLine(new Main(protocolOut, vertx));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(new java.io.PrintWriter(protocolOut, true));
    int code = cli.execute(args);
    System.exit(code);
  }

  private final OutputStream protocolOut;
  private final CompletableFuture<Vertx> vertxStarting;

  Main(OutputStream protocolOut, CompletableFuture<Vertx> vertxStarting) {
    this.protocolOut = protocolOut;
    this.vertxStarting = vertxStarting;
  }

  /** For tests that only check flags: Vert.x is started on demand. */
  Main(OutputStream protocolOut) {
    this(protocolOut, null);
  }

  private static Vertx startVertx() {
    return Vertx.vertx(vertxOptions());
  }

  private static VertxOptions vertxOptions() {
    return new VertxOptions()
        .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Vert.x as configured: with {@code metrics.vertx} its meters must be there from the start, so
   * the instance started early (before the configuration was read) gives way to one that has them.
   */
  private Vertx vertx(TridentConfig config) {
    if (!config.metrics().vertx()) {
      return vertxStarting == null ? startVertx() : vertxStarting.join();
    }
    if (vertxStarting != null) {
      closeQuietly(vertxStarting.join());
    }
    return io.trident.observe.VertxMetrics.vertx(vertxOptions(), Observe.metrics());
  }

  @Override
  public Integer call() {
    try {
      return serve();
    } finally {
      // What this run installed for the process ends with it (in-process runs: tests, embedding).
      Observe.tracing().close();
      Observe.install(Metrics.off(), Tracing.off(), Readiness.create());
    }
  }

  private Integer serve() {
    // Looked up here, not in a static field: logging start-up then overlaps with Vert.x start-up.
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
    Set<TransportKind> selected = selectedTransports();
    validatePorts(selected);
    TridentConfig config = loadConfig();
    ServerOptions options = serverOptions(config);
    Observability observability = observability(config);
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
    boolean stdioSelected = selected.contains(TransportKind.STDIO);
    if (stdioSelected) {
      System.setOut(System.err);
    }

    Vertx vertx = vertx(config);
    Backend backend;
    long backendStart = System.nanoTime();
    try {
      backend = BackendProviders.discover().build(backendNames, vertx);
      // Upstream tools come from the configuration, not from --backend: they join any backend.
      try {
        new UpstreamTools(upstreams).register(backend, vertx);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("config: " + e.getMessage(), e);
      }
      log.debug(
          "backend {} built in {} ms",
          backendNames,
          (System.nanoTime() - backendStart) / 1_000_000);
    } catch (IllegalArgumentException e) {
      vertx.close();
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    warnAboutUnknownTools(options, backend, log);
    List<String> networkHosts = new java.util.ArrayList<>();
    if (httpOptions != null) {
      networkHosts.add(httpOptions.host());
    }
    if (grpcOptions != null) {
      networkHosts.add(grpcOptions.host());
    }
    AuthBootstrap.Result auth;
    try {
      auth =
          AuthBootstrap.start(
              vertx,
              authSettings,
              authFlags.noAuth,
              networkHosts,
              Principal.local(config.local().user(), new HashSet<>(config.local().scopes())),
              stdioSelected,
              backend,
              log);
    } catch (IllegalArgumentException e) {
      closeQuietly(vertx);
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    StreamGuards streamGuards;
    RateLimiter limiter;
    try {
      RedisSettings redis = redisUrl != null ? config.redis().withUrl(redisUrl) : config.redis();
      // One connection factory for every store that Redis shares.
      RedisConnector connector = redis.configured() ? RedisConnector.create(vertx, redis) : null;
      streamGuards = streamGuards(vertx, config, authSettings, auth, connector, log);
      limiter = limiter(vertx, config.limits(), connector, log);
      observability.watch(vertx, connector, upstreams, streamGuards);
    } catch (IllegalArgumentException e) {
      closeQuietly(vertx);
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    // Every request and new stream is admitted only while its credential is not revoked.
    Authenticator network = Observe.countingFailures(streamGuards.guarding(auth.network()));
    // From here on the process serves: a signal while the listeners start is held, not lost.
    ShutdownSignals signals = ShutdownSignals.install();
    McpServer server =
        new McpServer(
            vertx,
            backend,
            options,
            RequestGuard.of(auth.chain().scopes(), backend).limitedBy(limiter),
            streamGuards);
    CountDownLatch done = new CountDownLatch(1);
    List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    // The port gRPC ends up on (its own, or HTTP's when shared): known only once it listens.
    java.util.concurrent.atomic.AtomicInteger grpcBoundPort =
        new java.util.concurrent.atomic.AtomicInteger();

    GrpcTransport grpc =
        grpcOptions == null
            ? null
            : new GrpcTransport(
                vertx,
                server,
                grpcOptions,
                network,
                GrpcTransport.resourceMetadata(grpcOptions, grpcBoundPort::get, network));
    if (httpOptions != null) {
      try {
        boolean shared = grpcOptions != null && grpcOptions.shareHttpPort();
        int httpPort =
            startHttp(vertx, server, httpOptions, network, shared ? grpc : null, listeners, log);
        if (shared) {
          grpcBoundPort.set(httpPort);
        }
      } catch (Exception e) {
        log.error("cannot start the http transport: {}", rootMessage(e));
        closeQuietly(vertx);
        return 1;
      }
      server.warmUp();
    }
    if (grpc != null && !grpcOptions.shareHttpPort()) {
      try {
        grpcBoundPort.set(startGrpc(vertx, grpc, grpcOptions, listeners, log));
      } catch (Exception e) {
        log.error("cannot start the grpc transport: {}", rootMessage(e));
        closeQuietly(vertx);
        return 1;
      }
      server.warmUp();
    }
    List<GracefulShutdown.StopsAccepting> stoppers =
        new java.util.ArrayList<>(listeners.stream().map(Listener::shutdown).toList());
    Integer admin = adminPort != null ? adminPort : config.admin().port();
    if (admin != null) {
      try {
        io.trident.admin.AdminServer adminServer =
            await(
                io.trident.admin.AdminServer.start(
                    vertx,
                    config.admin().host(),
                    admin,
                    network,
                    streamGuards.store(),
                    config.metrics().requireScope()));
        log.info("admin listener on {}:{}", config.admin().host(), adminServer.port());
        stoppers.add(grace -> adminServer.close());
      } catch (Exception e) {
        log.error("cannot start the admin listener: {}", rootMessage(e));
        closeQuietly(vertx);
        return 1;
      }
    }
    StdioTransport stdio = null;
    if (stdioSelected) {
      stdio =
          new StdioTransport(
              server,
              new FileInputStream(FileDescriptor.in),
              protocolOut,
              config.stdio().maxLineBytes(),
              auth.stdio(),
              drainGrace);
    }
    GracefulShutdown shutdown =
        new GracefulShutdown(server, stoppers, stdio, shutdownGrace, done::countDown);
    observability.readiness().listening();
    if (stdio != null) {
      // EOF ends the process too, once stdio has drained: the other transports then shut down.
      stdio.start(vertx.getOrCreateContext()).onComplete(ar -> shutdown.begin());
    }
    signals.onTerminate(
        () -> {
          observability.readiness().draining();
          shutdown.begin();
        });
    if (log.isDebugEnabled()) {
      log.debug(
          "transports started {} ms after JVM start",
          java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The limiter's last audit lines (a partial minute of limiting) are written before the end.
    try {
      await(limiter.close().timeout(2, TimeUnit.SECONDS));
    } catch (Exception e) {
      log.debug("rate limiter close: {}", rootMessage(e));
    }
    // Spans still buffered leave before the process does.
    observability.tracing().close();
    // Closing Vert.x first lets the JVM exit at once; its shutdown hook would otherwise do it
    // slowly.
    closeQuietly(vertx);
    return 0;
  }

  /** What SPEC.md §12 observes, as configured; installed for the whole process. */
  private record Observability(
      Metrics metrics, Tracing tracing, Readiness readiness, java.time.Duration loopProbe) {

    /** Redis, each upstream and the open streams join the readiness verdict and the gauges. */
    void watch(
        Vertx vertx,
        RedisConnector connector,
        List<UpstreamSettings> upstreams,
        StreamGuards streamGuards) {
      if (connector != null) {
        readiness.requireRedis(connector);
        RedisWatch.start(vertx, connector, metrics);
      }
      for (UpstreamSettings u : upstreams) {
        readiness.requireUpstream(vertx, u.name(), u.host(), u.port());
      }
      io.trident.observe.EventLoopDelay.start(vertx, metrics, loopProbe);
      metrics.gauge(
          "trident.streams.open",
          "Streams held open now (SSE, Connect, CallTool), watched by the stream guard",
          streamGuards::openStreams);
    }
  }

  private Observability observability(TridentConfig config) {
    Metrics metrics = config.metrics().enabled() ? Metrics.create() : Metrics.off();
    Tracing tracing;
    try {
      tracing = Tracing.start(config.tracing(), java.util.Map.of());
    } catch (RuntimeException e) {
      throw new ParameterException(spec.commandLine(), "tracing: " + e.getMessage());
    }
    Observability o =
        new Observability(
            metrics,
            tracing,
            Readiness.starting(),
            duration("metrics.eventLoopProbe", config.metrics().eventLoopProbe()));
    Observe.install(o.metrics(), o.tracing(), o.readiness());
    AuditFile.install(config.audit());
    return o;
  }

  /**
   * The revocation store (Redis when {@code --redis} or {@code redis.url} names one, else memory)
   * and the stream guard over it.
   */
  private StreamGuards streamGuards(
      Vertx vertx,
      TridentConfig config,
      AuthSettings authSettings,
      AuthBootstrap.Result auth,
      RedisConnector connector,
      org.slf4j.Logger log) {
    java.time.Duration keep = config.revocation().tokenLifetimeDuration();
    RevocationStore store;
    RedisSettings redis = connector == null ? RedisSettings.none() : connector.settings();
    if (connector != null) {
      store = RevocationStore.redis(connector, keep);
      log.info("revocations shared through Redis {}", redis.safeUrl());
    } else {
      store = RevocationStore.memory(vertx, keep);
    }
    return StreamGuards.create(
        vertx,
        store,
        config.revocation(),
        authSettings.jwt().leewayDuration(),
        redis.failOpen(),
        auth.chain()::credentialStillValid);
  }

  /**
   * The rate limiter (SPEC.md §7.8): buckets in Redis, shared by instances, when a connector is
   * given; else in memory.
   */
  private static RateLimiter limiter(
      Vertx vertx, LimitSettings settings, RedisConnector connector, org.slf4j.Logger log) {
    if (!settings.enabled()) {
      log.debug("rate limits off (limits.enabled: false)");
      return RateLimiter.none();
    }
    RateBuckets buckets =
        connector == null ? RateBuckets.memory(vertx) : RateBuckets.redis(connector);
    if (connector != null) {
      log.info("rate limits shared through Redis {}", connector.settings().safeUrl());
    }
    return RateLimiter.create(vertx, settings, buckets);
  }

  /** Starts the gRPC listeners; returns the port bound. */
  private static int startGrpc(
      Vertx vertx,
      GrpcTransport transport,
      GrpcTransportOptions options,
      List<Listener> started,
      org.slf4j.Logger log)
      throws Exception {
    int port =
        deployListeners(
            vertx,
            options.host(),
            options.port(),
            p -> {
              GrpcVerticle verticle = new GrpcVerticle(transport, options.withPort(p));
              return new Listener(verticle, verticle::actualPort, verticle::shutdown);
            },
            started);
    log.info("MCP gRPC on {}:{}{}", options.host(), port, options.tls() ? " (TLS)" : " (h2c)");
    return port;
  }

  private static int startHttp(
      Vertx vertx,
      McpServer server,
      HttpTransportOptions options,
      Authenticator authenticator,
      GrpcTransport grpcOnSamePort,
      List<Listener> started,
      org.slf4j.Logger log)
      throws Exception {
    StreamableHttpTransport transport =
        new StreamableHttpTransport(vertx, server, options, authenticator);
    int port =
        deployListeners(
            vertx,
            options.host(),
            options.port(),
            p -> {
              HttpVerticle verticle =
                  new HttpVerticle(transport, grpcOnSamePort, options.withPort(p));
              return new Listener(verticle, verticle::actualPort, verticle::shutdown);
            },
            started);
    log.info(
        "MCP Streamable HTTP on {}://{}:{}{}",
        options.tls() ? "https" : "http",
        options.host(),
        port,
        options.path());
    return port;
  }

  /** A listening verticle, how to ask it which port it bound, and how to stop it gracefully. */
  private record Listener(
      io.vertx.core.Deployable verticle,
      java.util.function.IntSupplier port,
      GracefulShutdown.StopsAccepting shutdown) {}

  /**
   * One listener per core, all on one port, so that every event loop takes connections. Vert.x
   * shares a port between instances only when it is named: port 0 would give each instance its own,
   * so a free port is picked first.
   */
  private static int deployListeners(
      Vertx vertx,
      String host,
      int port,
      java.util.function.IntFunction<Listener> listenerOn,
      List<Listener> started)
      throws Exception {
    int chosen = port != 0 ? port : freePort(host);
    List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    await(
        vertx.deployVerticle(
            () -> {
              Listener listener = listenerOn.apply(chosen);
              listeners.add(listener);
              return listener.verticle();
            },
            new io.vertx.core.DeploymentOptions()
                .setInstances(Math.max(1, Runtime.getRuntime().availableProcessors()))));
    started.addAll(listeners);
    return listeners.get(0).port().getAsInt();
  }

  private static int freePort(String host) throws java.io.IOException {
    try (java.net.ServerSocket probe =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return probe.getLocalPort();
    }
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
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

  private static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Exiting anyway: nothing is left to deliver.
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
      return Files.isRegularFile(DEFAULT_CONFIG)
          ? ConfigLoader.load(DEFAULT_CONFIG)
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
              versionString(),
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
  private java.time.Duration duration(String key, String text) {
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

  /**
   * A cap for a tool no backend offers is likely a typo, but not an error: tools may appear later
   * (an upstream found by reflection, a backend registering at run time).
   */
  private static void warnAboutUnknownTools(
      ServerOptions options, Backend backend, org.slf4j.Logger log) {
    for (String tool : options.toolTimeouts().keySet()) {
      if (backend.tool(tool).isEmpty()) {
        log.warn(
            "config: server.toolTimeouts.{} names no tool offered now; it applies if one appears",
            tool);
      }
    }
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

  static String versionString() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"trident " + versionString()};
    }
  }
}
