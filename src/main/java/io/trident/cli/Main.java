package io.trident.cli;

import io.trident.auth.AuthSettings;
import io.trident.auth.Authenticator;
import io.trident.auth.LimitSettings;
import io.trident.auth.RateLimiter;
import io.trident.auth.RequestGuard;
import io.trident.auth.StreamGuards;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.config.Durations;
import io.trident.config.ListenerLimitKeys;
import io.trident.config.TridentConfig;
import io.trident.context.Principal;
import io.trident.observe.AuditFile;
import io.trident.observe.Metrics;
import io.trident.observe.Observe;
import io.trident.observe.Readiness;
import io.trident.observe.RedisWatch;
import io.trident.observe.Tracing;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.server.SharedNotifications;
import io.trident.store.RateBuckets;
import io.trident.store.RedisConnector;
import io.trident.store.RedisSettings;
import io.trident.store.RevocationStore;
import io.trident.store.SharedState;
import io.trident.transport.ListenerHardening;
import io.trident.transport.ListenerLimits;
import io.trident.transport.ServerTls;
import io.trident.transport.TlsRotation;
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
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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

  @CommandLine.Mixin ServeFlags flags = new ServeFlags();

  public static void main(String[] args) {
    // Keep the real stdout for protocol bytes; anything else printing to System.out goes to stderr.
    PrintStream protocolOut = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
    // Starting Vert.x is the slowest step of start-up: overlap it with parsing flags and config.
    CompletableFuture<Vertx> vertx = CompletableFuture.supplyAsync(Main::startVertx);
    CommandLine cli = commandLine(new Main(protocolOut, vertx), args);
    cli.setOut(new java.io.PrintWriter(protocolOut, true));
    int code = cli.execute(args);
    System.exit(code);
  }

  /**
   * The command line as {@code main} runs it: a bad flag, config key or file is one line naming it,
   * exit 2; the usage text follows only when the flag itself is unknown.
   */
  static CommandLine commandLine(Main main) {
    return configure(withSubcommands(new CommandLine(main)));
  }

  /**
   * As {@link #commandLine(Main)}, with the subcommands only when {@code args} may name one: when
   * serving, building their specs (and loading what their fields and methods name) is start-up time
   * spent for nothing. Any word that is not an option or an option's value, and {@code --help}
   * (whose usage lists them), brings them in; so a mistyped subcommand still gets its suggestion.
   */
  static CommandLine commandLine(Main main, String[] args) {
    CommandLine cli = new CommandLine(main);
    return configure(mayNameASubcommand(cli.getCommandSpec(), args) ? withSubcommands(cli) : cli);
  }

  // Before configure(): picocli applies those settings to the subcommands registered by then.
  private static CommandLine withSubcommands(CommandLine cli) {
    return cli.addSubcommand(new RevokeCommand())
        .addSubcommand(new AuditCommand())
        .addSubcommand(new DesktopConfigCommand());
  }

  static boolean mayNameASubcommand(CommandLine.Model.CommandSpec spec, String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-") || arg.equals("-h") || arg.equals("--help")) {
        return true;
      }
      CommandLine.Model.OptionSpec option = arg.contains("=") ? null : spec.findOption(arg);
      if (option != null && option.arity().max() > 0) {
        i++; // its value, which may be any word
      }
    }
    return false;
  }

  private static CommandLine configure(CommandLine cli) {
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine cmd = e.getCommandLine();
          java.io.PrintWriter err = cmd.getErr();
          err.println("trident: " + e.getMessage());
          if (e instanceof CommandLine.UnmatchedArgumentException unknown) {
            CommandLine.UnmatchedArgumentException.printSuggestions(unknown, err);
            cmd.usage(err);
          }
          err.flush();
          return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (!(e instanceof IllegalArgumentException)) {
            throw e;
          }
          cmd.getErr().println("trident: " + e.getMessage());
          cmd.getErr().flush();
          return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
    return cli;
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
   * Vert.x as configured: with {@code metrics.vertx} (and metrics recorded) its meters must be
   * there from the start, so the instance started early (before the configuration was read) gives
   * way to one that has them.
   */
  private Vertx vertx(TridentConfig config, Metrics metrics) {
    if (!metrics.enabled() || !config.metrics().vertx()) {
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
    ServingPlan plan = flags.resolve();
    TridentConfig config = plan.config();
    ServerOptions options = plan.options();
    Observability observability = observability(config, plan.adminPort() != null);
    java.time.Duration shutdownGrace = plan.shutdownGrace();
    java.time.Duration drainGrace = plan.drainGrace();
    List<String> backendNames = plan.backendNames();
    List<UpstreamSettings> upstreams = plan.upstreams();
    AuthSettings authSettings = plan.auth();
    HttpTransportOptions httpOptions = plan.http();
    GrpcTransportOptions grpcOptions = plan.grpc();
    ListenerLimits httpLimits =
        httpOptions == null
            ? null
            : configured(() -> ListenerLimitKeys.http(config.http()))
                // gRPC clients on the HTTP port speak cleartext HTTP/2 by prior knowledge.
                .withH2c(
                    Boolean.TRUE.equals(config.http().h2c())
                        || (grpcOptions != null
                            && grpcOptions.shareHttpPort()
                            && !httpOptions.tls()));
    ListenerLimits grpcLimits =
        grpcOptions == null ? null : configured(() -> ListenerLimitKeys.grpc(config.grpc()));
    java.time.Duration httpTlsReload =
        tlsReloadInterval("http.tlsReloadInterval", config.http().tlsReloadInterval());
    java.time.Duration grpcTlsReload =
        tlsReloadInterval("grpc.tlsReloadInterval", config.grpc().tlsReloadInterval());
    if (httpOptions != null && httpOptions.tls()) {
      configured(
          () -> {
            ServerTls.check(
                "http",
                httpOptions.tlsCertPath(),
                httpOptions.tlsKeyPath(),
                httpOptions.tlsClientCaPath());
            return null;
          });
    }
    if (grpcOptions != null && grpcOptions.tls() && !grpcOptions.shareHttpPort()) {
      configured(
          () -> {
            ServerTls.check(
                "grpc",
                grpcOptions.tlsCertPath(),
                grpcOptions.tlsKeyPath(),
                grpcOptions.tlsClientCaPath());
            return null;
          });
    }
    RedisSettings redisSettings = plan.redis();
    List<String> fileWarnings =
        configured(() -> StartupFiles.check(authSettings, httpOptions, grpcOptions, redisSettings));
    fileWarnings.forEach(w -> log.warn("config: {}", w));
    boolean stdioSelected = plan.stdio();
    if (stdioSelected) {
      System.setOut(System.err);
    }

    Vertx vertx = vertx(config, observability.metrics());
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
    List<String> networkHosts = plan.networkHosts();
    AuthBootstrap.Result auth;
    try {
      auth =
          AuthBootstrap.start(
              vertx,
              authSettings,
              plan.noAuth(),
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
    RedisConnector connector;
    try {
      RedisSettings redis = redisSettings;
      // One connection factory for every store that Redis shares.
      connector = redis.configured() ? RedisConnector.create(vertx, redis) : null;
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
    server.modern().useRequestStates(requestStates(config));
    // With Redis, HTTP sessions, their events and notifications are shared by every instance.
    SharedState shared = SharedState.local(vertx);
    if (connector != null && httpOptions != null) {
      try {
        shared = await(SharedState.redis(connector));
      } catch (Exception e) {
        log.error("cannot join the instances on Redis: {}", rootMessage(e));
        closeQuietly(vertx);
        return 1;
      }
      server.notificationsFrom(SharedNotifications.start(backend, shared.bus()));
      log.info("HTTP sessions shared through Redis {}", connector.settings().safeUrl());
    }
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
    StreamableHttpTransport http =
        httpOptions == null
            ? null
            : new StreamableHttpTransport(vertx, server, httpOptions, network, shared);
    if (httpOptions != null) {
      try {
        boolean sharedPort = grpcOptions != null && grpcOptions.shareHttpPort();
        int httpPort =
            startHttp(
                vertx,
                http,
                httpOptions,
                new Hardening(httpLimits, httpTlsReload),
                sharedPort ? grpc : null,
                listeners,
                log);
        if (sharedPort) {
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
        grpcBoundPort.set(
            startGrpc(
                vertx,
                grpc,
                grpcOptions,
                new Hardening(grpcLimits, grpcTlsReload),
                listeners,
                log));
      } catch (Exception e) {
        log.error("cannot start the grpc transport: {}", rootMessage(e));
        closeQuietly(vertx);
        return 1;
      }
      server.warmUp();
    }
    List<GracefulShutdown.StopsAccepting> stoppers =
        new java.util.ArrayList<>(listeners.stream().map(Listener::shutdown).toList());
    Integer admin = plan.adminPort();
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
                    () ->
                        new io.trident.admin.ServerState(
                            http == null ? 0 : http.sessionCount(),
                            streamGuards.openStreams(),
                            server.requestsInFlight(),
                            io.trident.admin.ServerState.timers(vertx)),
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
    // Leaving the bus at once tells the other instances this one is gone.
    try {
      await(shared.close().timeout(2, TimeUnit.SECONDS));
    } catch (Exception e) {
      log.debug("instance bus close: {}", rootMessage(e));
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

  /**
   * @param served whether an admin listener serves {@code /metrics}: without one nothing could read
   *     the meters, so none are recorded and the registry with its JVM binders (a few hundred
   *     classes, a noticeable slice of a stdio start-up) is never built
   */
  private Observability observability(TridentConfig config, boolean served) {
    Metrics metrics = served && config.metrics().enabled() ? Metrics.create() : Metrics.off();
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
            flags.duration("metrics.eventLoopProbe", config.metrics().eventLoopProbe()));
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

  /** A listener's connection limits and how often its TLS files are checked for changes. */
  private record Hardening(ListenerLimits limits, java.time.Duration tlsReload) {

    ListenerHardening connections(Vertx vertx, String listener) {
      return new ListenerHardening(vertx, listener, limits);
    }

    /** Null without TLS or with reloading off. */
    TlsRotation rotation(Vertx vertx, String listener, String cert, String key, String clientCa)
        throws Exception {
      if (cert == null || tlsReload.isZero()) {
        return null;
      }
      return await(
          new TlsRotation(vertx, listener, cert, key, clientCa, limits.headerTimeout())
              .start(tlsReload));
    }
  }

  /** Starts the gRPC listeners; returns the port bound. */
  private static int startGrpc(
      Vertx vertx,
      GrpcTransport transport,
      GrpcTransportOptions options,
      Hardening hardening,
      List<Listener> started,
      org.slf4j.Logger log)
      throws Exception {
    ListenerHardening connections = hardening.connections(vertx, "grpc");
    TlsRotation rotation =
        hardening.rotation(
            vertx, "grpc", options.tlsCertPath(), options.tlsKeyPath(), options.tlsClientCaPath());
    int port =
        deployListeners(
            vertx,
            options.host(),
            options.port(),
            p -> {
              GrpcVerticle verticle =
                  new GrpcVerticle(transport, options.withPort(p), connections, rotation);
              return new Listener(verticle, verticle::actualPort, verticle::shutdown);
            },
            started);
    log.info("MCP gRPC on {}:{}{}", options.host(), port, options.tls() ? " (TLS)" : " (h2c)");
    return port;
  }

  private static int startHttp(
      Vertx vertx,
      StreamableHttpTransport transport,
      HttpTransportOptions options,
      Hardening hardening,
      GrpcTransport grpcOnSamePort,
      List<Listener> started,
      org.slf4j.Logger log)
      throws Exception {
    ListenerHardening connections = hardening.connections(vertx, "http");
    TlsRotation rotation =
        hardening.rotation(
            vertx, "http", options.tlsCertPath(), options.tlsKeyPath(), options.tlsClientCaPath());
    int port =
        deployListeners(
            vertx,
            options.host(),
            options.port(),
            p -> {
              HttpVerticle verticle =
                  new HttpVerticle(
                      transport, grpcOnSamePort, options.withPort(p), connections, rotation);
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

  private static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Exiting anyway: nothing is left to deliver.
    }
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

  /**
   * The key that signs 2026-07-28 {@code requestState}s (SPEC.md §11.5): from {@code
   * server.requestStateKeyFile} (generated there if absent), else random for this process.
   */
  private io.trident.server.RequestStates requestStates(TridentConfig config) {
    java.time.Duration ttl =
        flags.duration("server.requestStateTtl", config.server().requestStateTtl());
    String file = config.server().requestStateKeyFile();
    if (file == null || file.isBlank()) {
      return io.trident.server.RequestStates.ephemeral(ttl);
    }
    try {
      return io.trident.server.RequestStates.fromFile(java.nio.file.Path.of(file), ttl);
    } catch (java.io.IOException | RuntimeException e) {
      throw new ParameterException(
          spec.commandLine(), "config: server.requestStateKeyFile: " + e.getMessage());
    }
  }

  /** A value built from config, or a one-line error (the builder's message names the key). */
  private <T> T configured(java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "config: " + e.getMessage());
    }
  }

  /** How often TLS files are checked for changes: 10s unless set; 0 turns reloading off. */
  private java.time.Duration tlsReloadInterval(String key, String text) {
    if (text == null) {
      return java.time.Duration.ofSeconds(10);
    }
    try {
      java.time.Duration d = Durations.parse(text);
      if (d.isNegative()) {
        throw new IllegalArgumentException("must not be negative");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "config: " + key + ": " + e.getMessage());
    }
  }
}
