package io.trident.upstream;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.trident.upstream.testproto.AuditGrpc;
import io.trident.upstream.testproto.Category;
import io.trident.upstream.testproto.FailRequest;
import io.trident.upstream.testproto.GetItemRequest;
import io.trident.upstream.testproto.InventoryGrpc;
import io.trident.upstream.testproto.Item;
import io.trident.upstream.testproto.Rich;
import io.trident.upstream.testproto.SlowReply;
import io.trident.upstream.testproto.SlowRequest;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Real upstream gRPC servers for tests and benches: grpc-java serving the sample {@code
 * trident.test.upstream.v1.Inventory} (and {@code Audit}) service on 127.0.0.1, on a free port, in
 * plaintext, over TLS, or over TLS requiring a client certificate. Every server records what each
 * call received, so a test can check exactly what reached the upstream:
 *
 * <ul>
 *   <li>{@link Calls#metadata}: the ASCII metadata of each call (all keys, values as sent);
 *   <li>{@link Calls#deadlineMs}: the deadline the call arrived with, in ms left (-1 for none);
 *   <li>{@link Calls#echoed}: each {@code Echo} request as received;
 *   <li>{@link Calls#slowStarted} / {@link Calls#slowCancelled}: {@code System.nanoTime()} when a
 *       {@code Slow} call started and when the client cancelled it (RST_STREAM or deadline).
 * </ul>
 *
 * <p>{@code Slow} waits {@code millis} (or until cancelled); {@code Fail} fails with the status it
 * is asked for and a message full of details that must never reach an MCP client ({@link
 * #LEAKY_DETAIL}). Use {@link #descriptorSet()} for the descriptor set of the service (built by
 * Maven with imports and source info).
 */
public final class UpstreamFixture implements AutoCloseable {

  /** Words of the {@code Fail} status message and trailers: none may reach a client. */
  public static final String LEAKY_DETAIL =
      "db-7.internal.example:5432 password=hunter2 at com.acme.InventoryDao.load";

  /** The descriptor set of src/test/proto (protoc --include_imports, with source info). */
  public static Path descriptorSet() {
    Path p = Path.of("target", "test-descriptors", "upstream-test.binpb").toAbsolutePath();
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " is missing: build the test sources with Maven first");
    }
    return p;
  }

  /**
   * The upstreams of a YAML snippet ({@code upstreams: [...]}), validated as at start-up;
   * {@code @DS@} stands for {@link #descriptorSet()}.
   */
  public static java.util.List<UpstreamSettings> settings(String yaml) {
    String text = yaml.replace("@DS@", descriptorSet().toString());
    return UpstreamSettings.fromConfig(
        io.trident.config.ConfigLoader.parse(text, "test").upstreams());
  }

  /** A backend holding the tools of the upstreams in {@code yaml}, schemas compiled. */
  public static io.trident.backend.Backend backend(io.vertx.core.Vertx vertx, String yaml) {
    io.trident.backend.Backend backend = new io.trident.backend.Backend();
    new UpstreamTools(settings(yaml)).register(backend, vertx);
    backend.tools().forEach(io.trident.backend.Tool::compileSchemas);
    return backend;
  }

  /**
   * A Vert.x gRPC server on 127.0.0.1:{@code port} with server reflection ({@code
   * grpc.reflection.v1}) and {@code Inventory/GetItem} only: an upstream known by reflection.
   */
  public static io.vertx.core.Future<io.vertx.core.http.HttpServer> reflecting(
      io.vertx.core.Vertx vertx, int port) {
    io.vertx.grpc.server.GrpcServer grpc = io.vertx.grpc.server.GrpcServer.server(vertx);
    grpc.addService(io.vertx.grpc.reflection.ReflectionService.v1());
    io.vertx.grpc.common.ServiceName name =
        io.vertx.grpc.common.ServiceName.create("trident.test.upstream.v1", "Inventory");
    io.vertx.grpc.common.ServiceMethod<GetItemRequest, Item> getItem =
        io.vertx.grpc.common.ServiceMethod.server(
            name,
            "GetItem",
            io.vertx.grpc.common.GrpcMessageEncoder.encoder(),
            io.vertx.grpc.common.GrpcMessageDecoder.decoder(GetItemRequest.newBuilder()));
    grpc.addService(
        io.vertx.grpc.server.Service.service(
                name,
                io.trident.upstream.testproto.InventoryOuterClass.getDescriptor()
                    .findServiceByName("Inventory"))
            .bind(
                getItem,
                request ->
                    request.handler(
                        msg ->
                            request
                                .response()
                                .end(
                                    Item.newBuilder()
                                        .setSku(msg.getSku())
                                        .setName("Reflected")
                                        .build())))
            .build());
    return vertx
        .createHttpServer(
            new io.vertx.core.http.HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(grpc)
        .listen();
  }

  /** What the calls to one server received. */
  public static final class Calls {
    public final BlockingQueue<Map<String, String>> metadata = new LinkedBlockingQueue<>();
    public final BlockingQueue<Long> deadlineMs = new LinkedBlockingQueue<>();
    public final BlockingQueue<Rich> echoed = new LinkedBlockingQueue<>();
    public final BlockingQueue<Long> slowStarted = new LinkedBlockingQueue<>();
    public final BlockingQueue<Long> slowCancelled = new LinkedBlockingQueue<>();

    public void clear() {
      metadata.clear();
      deadlineMs.clear();
      echoed.clear();
      slowStarted.clear();
      slowCancelled.clear();
    }
  }

  private final Server server;
  private final Calls calls;
  private final ScheduledExecutorService timers;

  private UpstreamFixture(Server server, Calls calls, ScheduledExecutorService timers) {
    this.server = server;
    this.calls = calls;
    this.timers = timers;
  }

  /** Plaintext (h2c) on 127.0.0.1, on {@code port} (0: a free one). */
  public static UpstreamFixture plaintext(int port) throws IOException {
    return start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)));
  }

  public static UpstreamFixture plaintext() throws IOException {
    return plaintext(0);
  }

  /** TLS with {@code certPem}/{@code keyPem}; no client certificate asked for. */
  public static UpstreamFixture tls(String certPem, String keyPem) throws IOException {
    ServerCredentials creds =
        TlsServerCredentials.newBuilder().keyManager(new File(certPem), new File(keyPem)).build();
    return start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), creds));
  }

  /** TLS that requires a client certificate signed by {@code clientCaPem}. */
  public static UpstreamFixture mutualTls(String certPem, String keyPem, String clientCaPem)
      throws IOException {
    ServerCredentials creds =
        TlsServerCredentials.newBuilder()
            .keyManager(new File(certPem), new File(keyPem))
            .trustManager(new File(clientCaPem))
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build();
    return start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), creds));
  }

  private static UpstreamFixture start(NettyServerBuilder builder) throws IOException {
    Calls calls = new Calls();
    ScheduledExecutorService timers =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "upstream-fixture-timer");
              t.setDaemon(true);
              return t;
            });
    Recorder recorder = new Recorder(calls);
    Server server =
        builder
            .addService(ServerInterceptors.intercept(new InventoryService(calls, timers), recorder))
            .addService(ServerInterceptors.intercept(new AuditService(calls), recorder))
            .build()
            .start();
    return new UpstreamFixture(server, calls, timers);
  }

  public int port() {
    return server.getPort();
  }

  /** {@code 127.0.0.1:<port>}, as an upstream's {@code target}. */
  public String target() {
    return "127.0.0.1:" + port();
  }

  public Calls calls() {
    return calls;
  }

  @Override
  public void close() {
    server.shutdownNow();
    timers.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Records each call's metadata and deadline before the service sees it. */
  private static final class Recorder implements ServerInterceptor {
    private final Calls calls;

    Recorder(Calls calls) {
      this.calls = calls;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Map<String, String> seen = new TreeMap<>();
      for (String key : headers.keys()) {
        if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          seen.put(
              key.toLowerCase(Locale.ROOT),
              headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
        }
      }
      calls.metadata.add(seen);
      Deadline deadline = Context.current().getDeadline();
      calls.deadlineMs.add(deadline == null ? -1L : deadline.timeRemaining(TimeUnit.MILLISECONDS));
      return Contexts.interceptCall(Context.current(), call, headers, next);
    }
  }

  private static final class InventoryService extends InventoryGrpc.InventoryImplBase {
    private final Calls calls;
    private final ScheduledExecutorService timers;

    InventoryService(Calls calls, ScheduledExecutorService timers) {
      this.calls = calls;
      this.timers = timers;
    }

    @Override
    public void getItem(GetItemRequest request, StreamObserver<Item> out) {
      if (request.getSku().isEmpty()) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("sku is required").asException());
        return;
      }
      out.onNext(
          Item.newBuilder()
              .setSku(request.getSku())
              .setName("Claw hammer")
              .setQuantity(9_007_199_254_740_993L) // above 2^53: survives only as a string
              .setCategory(Category.CATEGORY_TOOLS)
              .setUpdatedAt(Timestamp.newBuilder().setSeconds(1_767_225_600L).setNanos(5_000_000))
              .build());
      out.onCompleted();
    }

    @Override
    public void echo(Rich request, StreamObserver<Rich> out) {
      calls.echoed.add(request);
      out.onNext(request);
      out.onCompleted();
    }

    @Override
    public void slow(SlowRequest request, StreamObserver<SlowReply> out) {
      long started = System.nanoTime();
      calls.slowStarted.add(started);
      ServerCallStreamObserver<SlowReply> call = (ServerCallStreamObserver<SlowReply>) out;
      call.setOnCancelHandler(() -> calls.slowCancelled.add(System.nanoTime()));
      timers.schedule(
          () -> {
            if (!call.isCancelled()) {
              call.onNext(
                  SlowReply.newBuilder()
                      .setSleptMillis((System.nanoTime() - started) / 1_000_000)
                      .build());
              call.onCompleted();
            }
          },
          request.getMillis(),
          TimeUnit.MILLISECONDS);
    }

    @Override
    public void fail(FailRequest request, StreamObserver<Empty> out) {
      Status.Code code;
      try {
        code =
            Status.Code.valueOf(request.getStatus().isEmpty() ? "INTERNAL" : request.getStatus());
      } catch (IllegalArgumentException e) {
        code = Status.Code.UNKNOWN;
      }
      Metadata trailers = new Metadata();
      trailers.put(
          Metadata.Key.of("x-debug-detail", Metadata.ASCII_STRING_MARSHALLER), LEAKY_DETAIL);
      out.onError(
          Status.fromCode(code)
              .withDescription("query failed on " + LEAKY_DETAIL)
              .asException(trailers));
    }

    @Override
    public void watch(GetItemRequest request, StreamObserver<Item> out) {
      out.onCompleted();
    }
  }

  private static final class AuditService extends AuditGrpc.AuditImplBase {
    private final Calls calls;

    AuditService(Calls calls) {
      this.calls = calls;
    }

    @Override
    public void echo(Rich request, StreamObserver<Rich> out) {
      calls.echoed.add(request);
      out.onNext(request);
      out.onCompleted();
    }
  }
}
