package io.trident.cli;

import io.trident.auth.AuthSettings;
import io.trident.auth.Authenticator;
import io.trident.auth.LimitSettings;
import io.trident.auth.RateLimiter;
import io.trident.auth.RequestGuard;
import io.trident.auth.StreamGuards;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.config.TridentConfig;
import io.trident.context.Principal;
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
    subcommands = {RevokeCommand.class, AuditCommand.class},
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
    return Vertx.vertx(
        new VertxOptions()
            .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors())));
  }

  @Override
  public Integer call() {
    // Looked up here, not in a static field: logging start-up then overlaps with Vert.x start-up.
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
    ServingPlan plan = flags.resolve();
    TridentConfig config = plan.config();
    ServerOptions options = plan.options();
    java.time.Duration shutdownGrace = plan.shutdownGrace();
    java.time.Duration drainGrace = plan.drainGrace();
    List<String> backendNames = plan.backendNames();
    List<UpstreamSettings> upstreams = plan.upstreams();
    AuthSettings authSettings = plan.auth();
    HttpTransportOptions httpOptions = plan.http();
    GrpcTransportOptions grpcOptions = plan.grpc();
    boolean stdioSelected = plan.stdio();
    if (stdioSelected) {
      System.setOut(System.err);
    }

    Vertx vertx = vertxStarting == null ? startVertx() : vertxStarting.join();
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
    try {
      RedisSettings redis = plan.redis();
      // One connection factory for every store that Redis shares.
      RedisConnector connector = redis.configured() ? RedisConnector.create(vertx, redis) : null;
      streamGuards = streamGuards(vertx, config, authSettings, auth, connector, log);
      limiter = limiter(vertx, config.limits(), connector, log);
    } catch (IllegalArgumentException e) {
      closeQuietly(vertx);
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    // Every request and new stream is admitted only while its credential is not revoked.
    Authenticator network = streamGuards.guarding(auth.network());
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
    StreamableHttpTransport http =
        httpOptions == null
            ? null
            : new StreamableHttpTransport(vertx, server, httpOptions, network);
    if (httpOptions != null) {
      try {
        boolean shared = grpcOptions != null && grpcOptions.shareHttpPort();
        int httpPort = startHttp(vertx, http, httpOptions, shared ? grpc : null, listeners, log);
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
                            io.trident.admin.ServerState.timers(vertx))));
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
    if (stdio != null) {
      // EOF ends the process too, once stdio has drained: the other transports then shut down.
      stdio.start(vertx.getOrCreateContext()).onComplete(ar -> shutdown.begin());
    }
    signals.onTerminate(shutdown::begin);
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
    // Closing Vert.x first lets the JVM exit at once; its shutdown hook would otherwise do it
    // slowly.
    closeQuietly(vertx);
    return 0;
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
      StreamableHttpTransport transport,
      HttpTransportOptions options,
      GrpcTransport grpcOnSamePort,
      List<Listener> started,
      org.slf4j.Logger log)
      throws Exception {
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
}
