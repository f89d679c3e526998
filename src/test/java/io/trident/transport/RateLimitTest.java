package io.trident.transport;

import static io.trident.auth.StreamGuardFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.trident.auth.LimitSettings;
import io.trident.auth.RateLimiter;
import io.trident.auth.RequestGuard;
import io.trident.auth.RevocationSettings;
import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.JsonRpcException;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.McpGrpc;
import io.trident.grpc.v1.PingRequest;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.store.RateBuckets;
import io.trident.store.RedisConnector;
import io.trident.store.RedisServer;
import io.trident.store.RedisSettings;
import io.trident.transport.grpc.GrpcTransport;
import io.trident.transport.grpc.GrpcTransportOptions;
import io.trident.transport.grpc.GrpcVerticle;
import io.trident.transport.http.HttpTransportOptions;
import io.trident.transport.http.HttpVerticle;
import io.trident.transport.http.StreamableHttpTransport;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits across transports and instances (SPEC.md §7.8), over real sockets: one principal on
 * Streamable HTTP and gRPC {@code Connect} at once is held to rate × window + burst (+ the lease
 * slack with Redis), the rest refused with a retry hint on each wire while streams stay open; a
 * second principal is unaffected; a {@code Connect} flood is limited per envelope.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RateLimitTest {

  static final String SECRET = TestKeys.secret();
  @TempDir Path dir;
  private Vertx vertx;
  private HttpClient http;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final List<McpGrpcClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    http = vertx.createHttpClient(new HttpClientOptions());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (McpGrpcClient c : clients) {
      c.close();
    }
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    await(vertx.close());
  }

  /** One instance: a server with the limiter, HTTP and gRPC on their own free ports. */
  record Instance(StreamGuardFixture fixture, RateLimiter limiter, int httpPort, int grpcPort) {}

  Instance start(LimitSettings limits, RateBuckets buckets) throws Exception {
    StreamGuardFixture f =
        StreamGuardFixture.create(vertx, dir, SECRET, null, RevocationSettings.defaults(), false);
    closing.add(f);
    RateLimiter limiter = RateLimiter.create(vertx, limits, buckets);
    closing.add(() -> await(limiter.close()));
    McpServer server =
        new McpServer(
            vertx,
            f.backend,
            ServerOptions.defaults(Implementation.of("trident-limits-test", "1"))
                .withRequestTimeout(Duration.ofSeconds(60)),
            RequestGuard.of(f.chain.scopes(), f.backend).limitedBy(limiter),
            f.guards);
    HttpTransportOptions httpOptions = HttpTransportOptions.defaults().withPort(0);
    HttpVerticle httpVerticle =
        new HttpVerticle(
            new StreamableHttpTransport(vertx, server, httpOptions, f.authenticator), httpOptions);
    await(vertx.deployVerticle(httpVerticle));
    GrpcTransportOptions grpcOptions = GrpcTransportOptions.defaults().withPort(0);
    GrpcVerticle grpcVerticle =
        new GrpcVerticle(
            new GrpcTransport(
                vertx,
                server,
                grpcOptions,
                f.authenticator,
                GrpcTransport.resourceMetadata(grpcOptions, () -> 0, f.authenticator)),
            grpcOptions);
    await(vertx.deployVerticle(grpcVerticle));
    return new Instance(f, limiter, httpVerticle.actualPort(), grpcVerticle.actualPort());
  }

  static LimitSettings limits(String rate, int burst) {
    return new LimitSettings(
        true, new LimitSettings.Limit(rate, burst), null, null, null, 0, null, null);
  }

  String token(Instance i, String sub) {
    return i.fixture().token(sub, "*", null);
  }

  // --- HTTP --------------------------------------------------------------------------------------

  record HttpReply(int status, MultiMap headers, JsonObject body) {}

  HttpReply post(int port, String token, String session, JsonObject message) throws Exception {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/mcp")
            .putHeader("Content-Type", "application/json")
            .putHeader("Accept", "application/json, text/event-stream")
            .putHeader("Authorization", "Bearer " + token);
    if (session != null) {
      options.putHeader("Mcp-Session-Id", session).putHeader("MCP-Protocol-Version", "2025-11-25");
    }
    // The body is asked for in the callback that delivers the response (nested, not chained): a
    // body() asked for a turn later may find the response already read, and wait forever.
    return await(
        http.request(options)
            .compose(
                req ->
                    req.send(Buffer.buffer(message.encode()))
                        .compose(
                            resp ->
                                resp.body()
                                    .map(
                                        b ->
                                            new HttpReply(
                                                resp.statusCode(),
                                                resp.headers(),
                                                b.length() == 0 ? null : new JsonObject(b))))));
  }

  /** Opens an HTTP session; returns its id. */
  String httpSession(int port, String token) throws Exception {
    HttpReply init =
        post(
            port,
            token,
            null,
            request(
                0,
                "initialize",
                new JsonObject()
                    .put("protocolVersion", "2025-11-25")
                    .put("capabilities", new JsonObject())
                    .put("clientInfo", new JsonObject().put("name", "t").put("version", "1"))));
    assertThat(init.status()).isEqualTo(200);
    String id = init.headers().get("Mcp-Session-Id");
    assertThat(post(port, token, id, notification("notifications/initialized")).status())
        .isEqualTo(202);
    return id;
  }

  static JsonObject request(Object id, String method, JsonObject params) {
    JsonObject r = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
    return params == null ? r : r.put("params", params);
  }

  static JsonObject notification(String method) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", method);
  }

  static JsonObject echo(Object id) {
    return request(
        id,
        "tools/call",
        new JsonObject().put("name", "echo").put("arguments", new JsonObject().put("text", "hi")));
  }

  // --- gRPC Connect ------------------------------------------------------------------------------

  ConnectSession connect(int grpcPort, String token) throws Exception {
    McpGrpcClient c =
        McpGrpcClient.create(
            vertx,
            SocketAddress.inetSocketAddress(grpcPort, "127.0.0.1"),
            new McpGrpcClientOptions().setBearerToken(token));
    clients.add(c);
    ConnectSession s = await(c.connect());
    await(s.initialize("2025-11-25", new JsonObject().put("name", "t"), null));
    return s;
  }

  /** Tallies of one caller: admitted, refused with the documented hint, anything else. */
  static final class Tally {
    final AtomicInteger admitted = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger other = new AtomicInteger();

    void http(HttpReply r) {
      if (r.status() == 200 && r.body().containsKey("result")) {
        admitted.incrementAndGet();
      } else if (r.status() == 429
          && r.headers().get("Retry-After") != null
          && Integer.parseInt(r.headers().get("Retry-After")) >= 1
          && r.body().getJsonObject("error").getInteger("code") == -32030
          && r.body().getJsonObject("error").getJsonObject("data").getLong("retryAfterMs") > 0) {
        refused.incrementAndGet();
      } else {
        System.out.println("unexpected HTTP answer: " + r);
        other.incrementAndGet();
      }
    }

    void connect(Future<JsonObject> reply) throws Exception {
      try {
        reply.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        admitted.incrementAndGet();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof JsonRpcException j
            && j.code() == -32030
            && j.data() instanceof JsonObject d
            && d.getLong("retryAfterMs") > 0) {
          refused.incrementAndGet();
        } else {
          System.out.println("unexpected Connect answer: " + e.getCause());
          other.incrementAndGet();
        }
      } catch (java.util.concurrent.TimeoutException e) {
        System.out.println("Connect answer timed out");
        other.incrementAndGet();
      }
    }
  }

  /**
   * Alice floods over HTTP (on {@code httpAt}) and Connect (on {@code connectAt}) for about {@code
   * seconds}, while Bob makes a few spaced calls over HTTP; checks the bound and returns nothing.
   */
  void floodBothTransports(Instance httpAt, Instance connectAt, double rate, int burst, int slack)
      throws Exception {
    String alice = token(httpAt, "alice");
    String bob = token(httpAt, "bob");
    String aliceSession = httpSession(httpAt.httpPort(), alice);
    ConnectSession aliceStream = connect(connectAt.grpcPort(), alice);
    String bobSession = httpSession(httpAt.httpPort(), bob);
    // The bucket holds at most burst tokens when the flood starts, whatever came before.
    long start = System.nanoTime();
    Tally a = new Tally();
    Tally b = new Tally();
    long until = System.nanoTime() + 2_000_000_000L;
    Thread httpFlood =
        new Thread(
            () -> {
              int id = 1;
              try {
                while (System.nanoTime() < until) {
                  a.http(post(httpAt.httpPort(), alice, aliceSession, echo(++id)));
                }
              } catch (Exception e) {
                System.out.println("HTTP flood failed: " + e + " at request id " + id);
                a.other.incrementAndGet();
              }
            });
    httpFlood.start();
    int bobCalls = 0;
    while (System.nanoTime() < until) {
      // Connect: a few requests in flight at a time, as fast as they come back.
      List<Future<JsonObject>> batch = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        batch.add(
            aliceStream.request(
                "tools/call",
                new JsonObject()
                    .put("name", "echo")
                    .put("arguments", new JsonObject().put("text", "hi"))));
      }
      for (Future<JsonObject> f : batch) {
        a.connect(f);
      }
      if (bobCalls < 8) {
        b.http(post(httpAt.httpPort(), bob, bobSession, echo(1000 + bobCalls++)));
      }
    }
    httpFlood.join();
    double window = (System.nanoTime() - start) / 1e9;
    int admitted = a.admitted.get();
    System.out.printf(
        "rate limit flood: %.2f s, Alice admitted %d, refused %d; bound %d%n",
        window, admitted, a.refused.get(), (int) Math.floor(rate * window) + burst + slack);
    assertThat(a.other.get()).as("answers that are neither result nor refusal").isZero();
    assertThat(admitted)
        .as("admitted in %.2f s at %s/s, burst %d", window, rate, burst)
        .isLessThanOrEqualTo((int) Math.floor(rate * window) + burst + slack);
    assertThat(a.refused.get()).as("refused with a retry hint").isPositive();
    assertThat(b.admitted.get()).as("Bob is unaffected").isEqualTo(bobCalls);
    assertThat(b.refused.get()).isZero();
    // Both streams stay open: after a pause Alice is served on each again.
    Thread.sleep((long) Math.ceil(1000 * 2 / rate) + 100);
    Tally after = new Tally();
    after.http(post(httpAt.httpPort(), alice, aliceSession, echo("after")));
    after.connect(
        aliceStream.request(
            "tools/call", new JsonObject().put("name", "echo").put("arguments", new JsonObject())));
    assertThat(after.admitted.get()).isEqualTo(2);
  }

  @Test
  void onePrincipalOnHttpAndConnectIsHeldToOneBucketInOneInstance() throws Exception {
    Instance one = start(limits("20/s", 10), RateBuckets.memory(vertx));
    floodBothTransports(one, one, 20, 10, 0);
  }

  @Test
  void onePrincipalOnTwoInstancesSharingRedisIsHeldToOneBucket() throws Exception {
    RedisServer redis = RedisServer.start();
    closing.add(redis);
    Instance a = start(limits("20/s", 10), RateBuckets.redis(connector(redis)));
    Instance b = start(limits("20/s", 10), RateBuckets.redis(connector(redis)));
    // Slack of leases: at 20/s a lease is 1 token; at most 1.5 leases per instance held over.
    floodBothTransports(a, b, 20, 10, 4);
  }

  RedisConnector connector(RedisServer redis) {
    RedisConnector c =
        RedisConnector.create(
            vertx, new RedisSettings(redis.url(), null, null, "500ms", null, null));
    closing.add(() -> await(c.close()));
    return c;
  }

  @Test
  void connectStreamSendingAThousandEnvelopesIsLimitedPerEnvelope() throws Exception {
    Instance one = start(limits("50/s", 20), RateBuckets.memory(vertx));
    ConnectSession stream = connect(one.grpcPort(), token(one, "carol"));
    long start = System.nanoTime();
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      replies.add(stream.request("ping", new JsonObject()));
    }
    Tally t = new Tally();
    for (Future<JsonObject> f : replies) {
      t.connect(f);
    }
    double window = (System.nanoTime() - start) / 1e9;
    assertThat(t.other.get()).isZero();
    assertThat(t.admitted.get() + 1).isLessThanOrEqualTo((int) (50 * window) + 20 + 1);
    assertThat(t.refused.get()).isGreaterThan(900 - (int) (50 * window));
    Thread.sleep(100);
    Tally after = new Tally();
    after.connect(stream.request("ping", new JsonObject()));
    assertThat(after.admitted.get()).as("the stream stays open").isEqualTo(1);
  }

  @Test
  void toolUpstreamAndInFlightLimitsAreSeparate() throws Exception {
    LimitSettings settings =
        new LimitSettings(
            true,
            new LimitSettings.Limit("1000/s", 1000),
            null,
            Map.of("echo", new LimitSettings.Limit("1/s", 2)),
            Map.of("simulate", new LimitSettings.Limit("1/m", 1)),
            2,
            null,
            null);
    Instance one = start(settings, RateBuckets.memory(vertx));
    String dave = token(one, "dave");
    String session = httpSession(one.httpPort(), dave);
    List<HttpReply> echoes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      echoes.add(post(one.httpPort(), dave, session, echo(i)));
    }
    assertThat(echoes).extracting(HttpReply::status).containsExactly(200, 200, 429, 429);
    assertThat(echoes.get(2).body().getJsonObject("error").getJsonObject("data").getString("limit"))
        .isEqualTo("tools.echo");
    // whoami is not limited per tool; simulate_work counts against the "simulate" upstream.
    assertThat(post(one.httpPort(), dave, session, call(10, "whoami", new JsonObject())).status())
        .isEqualTo(200);
    HttpReply first = post(one.httpPort(), dave, session, call(11, "simulate_work", work(0)));
    assertThat(first.status()).isEqualTo(200);
    HttpReply second = post(one.httpPort(), dave, session, call(12, "simulate_work", work(0)));
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.body().getJsonObject("error").getJsonObject("data").getString("limit"))
        .isEqualTo("upstreams.simulate");
  }

  @Test
  void inFlightLimitRefusesTheRequestOverItUntilOneEnds() throws Exception {
    LimitSettings settings =
        new LimitSettings(
            true, new LimitSettings.Limit("1000/s", 1000), null, null, null, 2, null, null);
    Instance one = start(settings, RateBuckets.memory(vertx));
    String erin = token(one, "erin");
    ConnectSession stream = connect(one.grpcPort(), erin);
    String session = httpSession(one.httpPort(), erin);
    JsonObject slow = new JsonObject().put("name", "simulate_work").put("arguments", work(1.5));
    Future<JsonObject> slow1 = stream.request("tools/call", slow);
    Future<JsonObject> slow2 = stream.request("tools/call", slow);
    Thread.sleep(300);
    HttpReply third = post(one.httpPort(), erin, session, echo(1));
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.body().getJsonObject("error").getJsonObject("data").getString("limit"))
        .isEqualTo("maxInFlightPerPrincipal");
    // Another principal has places of its own.
    String frank = token(one, "frank");
    assertThat(post(one.httpPort(), frank, httpSession(one.httpPort(), frank), echo(2)).status())
        .isEqualTo(200);
    await(slow1);
    await(slow2);
    assertThat(post(one.httpPort(), erin, session, echo(3)).status()).isEqualTo(200);
  }

  static JsonObject call(Object id, String tool, JsonObject args) {
    return request(id, "tools/call", new JsonObject().put("name", tool).put("arguments", args));
  }

  static JsonObject work(double seconds) {
    return new JsonObject().put("seconds", seconds).put("steps", 1);
  }

  @Test
  void typedCallOverTheLimitIsResourceExhaustedWithRetryInfoAndTheMcpCode() throws Exception {
    Instance one = start(limits("1/m", 2), RateBuckets.memory(vertx));
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", one.grpcPort()).usePlaintext().build();
    closing.add(channel::shutdownNow);
    Metadata auth = new Metadata();
    auth.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token(one, "oscar"));
    McpGrpc.McpBlockingStub stub =
        McpGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
    CallToolRequest echo =
        CallToolRequest.newBuilder()
            .setName("echo")
            .setArguments(
                Struct.newBuilder()
                    .putFields("text", Value.newBuilder().setStringValue("hi").build()))
            .build();
    for (int i = 0; i < 2; i++) {
      List<CallToolEvent> events = new ArrayList<>();
      stub.withDeadlineAfter(10, TimeUnit.SECONDS).callTool(echo).forEachRemaining(events::add);
      assertThat(events.get(events.size() - 1).hasResult()).isTrue();
    }
    StatusRuntimeException refused = null;
    try {
      stub.withDeadlineAfter(10, TimeUnit.SECONDS).callTool(echo).forEachRemaining(e -> {});
    } catch (StatusRuntimeException e) {
      refused = e;
    }
    assertThat(refused).as("the third call is refused").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    Metadata trailers = Status.trailersFromThrowable(refused);
    assertThat(trailers.get(Metadata.Key.of("mcp-error-code", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("-32030");
    com.google.rpc.Status details = StatusProto.fromThrowable(refused);
    assertThat(details).as("grpc-status-details-bin").isNotNull();
    assertThat(details.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    RetryInfo retry = details.getDetails(0).unpack(RetryInfo.class);
    long delayMs =
        retry.getRetryDelay().getSeconds() * 1000 + retry.getRetryDelay().getNanos() / 1_000_000;
    assertThat(delayMs).as("retry hint: about 30 s for a token at 1/m").isBetween(1L, 60_000L);
    // Typed Ping counts too, and the channel keeps working for other callers.
    assertThatThrownByStatus(
        () -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance()),
        Status.Code.RESOURCE_EXHAUSTED);
  }

  static void assertThatThrownByStatus(Runnable call, Status.Code code) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      return;
    }
    throw new AssertionError("succeeded");
  }
}
