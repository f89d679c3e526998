package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static io.trident.transport.http.McpHttpClient.notification;
import static io.trident.transport.http.McpHttpClient.request;
import static io.trident.transport.http.McpHttpClient.toolCall;
import static io.trident.transport.http.McpHttpClient.with;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.backend.Backend;
import io.trident.backend.Tool;
import io.trident.context.Cancellation;
import io.trident.model.CallToolResult;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.server.SharedNotifications;
import io.trident.store.RedisConnector;
import io.trident.store.RedisServer;
import io.trident.store.RedisSettings;
import io.trident.store.SharedState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances (each its own Vert.x, Redis connection, instance bus, server and HTTP listener)
 * sharing one real Redis, driven by a client that sends each request to whichever instance the test
 * names: what a load balancer without stickiness does (SPEC.md §5.7).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedSessionsTest {

  private static RedisServer redis;

  /** Why tool calls were cancelled, on any instance. */
  private final BlockingQueue<Cancellation.Reason> cancelled = new LinkedBlockingQueue<>();

  private final List<Instance> instances = new ArrayList<>();
  private final List<McpHttpClient> clients = new ArrayList<>();
  private Vertx clientVertx;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    clientVertx = Vertx.vertx();
    // Each test starts from an empty Redis: caps count every session in it.
    flush();
  }

  /** Empties the Redis the instances share. */
  void flush() throws Exception {
    RedisConnector flush = RedisConnector.create(clientVertx, settings().withTimeout("5s"));
    await(flush.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.FLUSHALL)));
    await(flush.close());
  }

  /** The Redis the instances share: one node here, a cluster in {@link ClusterSessionsTest}. */
  RedisSettings settings() {
    return RedisSettings.none().withUrl(redis.url());
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpHttpClient::close);
    for (Instance i : instances) {
      i.kill();
    }
    await(clientVertx.close());
  }

  /** One Trident instance on its own Vert.x, with the test tools. */
  private final class Instance {
    final Vertx vertx = Vertx.vertx();
    final Backend backend = new Backend();
    final SharedState shared;
    final RedisConnector connector;
    final int port;
    boolean dead;

    Instance(HttpTransportOptions options) {
      backend.addTool(
          Tool.builder("echo")
              .description("test tool")
              .handler(
                  (args, ctx) ->
                      Future.succeededFuture(
                          CallToolResult.text(args.getString("text") + "@" + tag())))
              .build());
      backend.addTool(
          Tool.builder("slow")
              .description("test tool")
              .handler(
                  (args, ctx) -> {
                    ctx.cancellation().future().onSuccess(cancelled::add);
                    return ctx.sleep(Duration.ofSeconds(20)).map(v -> CallToolResult.text("late"));
                  })
              .build());
      backend.addTool(
          Tool.builder("resumable")
              .description("test tool")
              .handler(
                  (args, ctx) -> {
                    ctx.progress().report(1, 4.0, "one");
                    ctx.progress().report(2, 4.0, "two");
                    ctx.closeStream();
                    return ctx.sleep(Duration.ofMillis(args.getLong("delayMs", 300L)))
                        .map(
                            v -> {
                              ctx.progress().report(3, 4.0, "three");
                              ctx.progress().report(4, 4.0, "four");
                              return CallToolResult.text("resumed");
                            });
                  })
              .build());
      backend.addTool(
          Tool.builder("ticker")
              .description("test tool")
              .handler(
                  (args, ctx) -> {
                    for (int n = 1; n <= 3; n++) {
                      ctx.progress().report(n, null, "tick " + n);
                    }
                    return ctx.sleep(Duration.ofSeconds(20)).map(v -> CallToolResult.text("late"));
                  })
              .build());
      backend.addTool(
          Tool.builder("sample")
              .description("test tool")
              .handler(
                  (args, ctx) ->
                      ctx.client()
                          .createMessage(
                              new JsonObject()
                                  .put("messages", new JsonArray())
                                  .put("maxTokens", 10))
                          .map(
                              r ->
                                  CallToolResult.text(
                                      "model said "
                                          + r.getJsonObject("content").getString("text"))))
              .build());
      backend.tools().forEach(Tool::compileSchemas);
      connector = RedisConnector.create(vertx, settings().withTimeout("3s"));
      shared = await(SharedState.redis(connector));
      ServerOptions opts =
          ServerOptions.defaults(Implementation.of("trident-shared-test", "1"))
              .withRequestTimeout(Duration.ofSeconds(30));
      McpServer server = new McpServer(vertx, backend, opts);
      server.notificationsFrom(SharedNotifications.start(backend, shared.bus()));
      StreamableHttpTransport transport =
          new StreamableHttpTransport(
              vertx,
              server,
              options,
              io.trident.auth.Authenticator.open(
                  new io.trident.context.Principal(
                      "anonymous", java.util.Set.of("*"), "none", java.util.Map.of())),
              shared);
      HttpVerticle verticle = new HttpVerticle(transport, options);
      await(vertx.deployVerticle(verticle));
      port = verticle.actualPort();
    }

    int tag() {
      return shared.bus().tag();
    }

    /**
     * Stops at once, as a crash would: no goodbye on the bus (its heartbeat just stops), and no
     * write to Redis once it is dead (the connection goes first).
     */
    void kill() {
      if (!dead) {
        dead = true;
        await(connector.close());
        await(vertx.close());
      }
    }
  }

  private Instance instance() {
    return instance(TestHttpOptions.loopback().build());
  }

  private Instance instance(HttpTransportOptions options) {
    Instance i = new Instance(options);
    instances.add(i);
    return i;
  }

  private McpHttpClient client(Instance at) {
    McpHttpClient c = new McpHttpClient(clientVertx, at.port);
    clients.add(c);
    return c;
  }

  /** A client of the same session, talking to {@code at}. */
  private McpHttpClient sameSession(McpHttpClient of, Instance at) {
    McpHttpClient c = client(at);
    c.sessionId = of.sessionId;
    c.protocolVersion = of.protocolVersion;
    return c;
  }

  private static String text(JsonObject response) {
    assertThat(response.containsKey("error")).as("unexpected error in %s", response).isFalse();
    return response
        .getJsonObject("result")
        .getJsonArray("content")
        .getJsonObject(0)
        .getString("text");
  }

  @Test
  void aSessionOpenedOnOneInstanceIsServedByAnother() {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize();
    McpHttpClient onB = sameSession(onA, b);
    Reply reply = onB.post(toolCall(1, "echo", new JsonObject().put("text", "hi"), null));
    assertThat(reply.status).isEqualTo(200);
    assertThat(text(reply.json())).isEqualTo("hi@" + b.tag());
    assertThat(onB.post(request(2, "tools/list", null)).json().getJsonObject("result")).isNotNull();
    assertThat(text(onA.post(toolCall(3, "echo", new JsonObject().put("text", "x"), null)).json()))
        .isEqualTo("x@" + a.tag());
  }

  @Test
  void deleteOnOneInstanceEndsTheSessionEverywhere() {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize();
    McpHttpClient onB = sameSession(onA, b);
    assertThat(onB.post(request(1, "ping", null)).status).isEqualTo(200);
    assertThat(onB.delete().status).isEqualTo(200);
    assertThat(onA.post(request(2, "ping", null)).status).isEqualTo(404);
    assertThat(onB.post(request(3, "ping", null)).status).isEqualTo(404);
  }

  @Test
  void aSessionUnknownToTheStoreIs404Everywhere() {
    Instance a = instance();
    McpHttpClient c = client(a);
    c.sessionId = "not-a-session";
    assertThat(c.post(request(1, "ping", null)).status).isEqualTo(404);
  }

  @Test
  void capsPerPrincipalCountSessionsOnEveryInstance() {
    TestHttpOptions o = TestHttpOptions.loopback();
    o.maxSessionsPerPrincipal = 2;
    Instance a = instance(o.build());
    Instance b = instance(o.build());
    client(a).initialize();
    client(b).initialize();
    Reply third =
        client(a).post(McpHttpClient.initializeRequest(McpHttpClient.LATEST, new JsonObject()));
    assertThat(third.status).isEqualTo(429);
  }

  @Test
  void aStreamResumedOnAnotherInstanceReplaysThenCarriesTheLiveEvents() {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize();
    Reply first = onA.post(toolCall(9, "resumable", new JsonObject().put("delayMs", 400), "r"));
    List<SseEvent> before = first.rest();
    assertThat(before).hasSize(3);
    McpHttpClient onB = sameSession(onA, b);
    Reply resumed = onB.get(with(onB.getHeaders(), "Last-Event-ID", before.get(1).id()));
    assertThat(resumed.status).isEqualTo(200);
    List<SseEvent> after = resumed.rest().stream().filter(e -> !e.isPriming()).toList();
    assertThat(after.stream().map(SseEvent::seq).toList()).containsExactly(2L, 3L, 4L, 5L);
    assertThat(text(after.get(3).json())).isEqualTo("resumed");
  }

  @Test
  void aFinishedStreamIsReplayedByAnotherInstance() throws Exception {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize();
    Reply first = onA.post(toolCall(9, "resumable", new JsonObject().put("delayMs", 20), "r"));
    List<SseEvent> before = first.rest();
    Thread.sleep(300);
    McpHttpClient onB = sameSession(onA, b);
    Reply resumed = onB.get(with(onB.getHeaders(), "Last-Event-ID", before.get(2).id()));
    List<SseEvent> after = resumed.rest();
    assertThat(after.stream().map(SseEvent::seq).toList()).containsExactly(3L, 4L, 5L);
    assertThat(onB.get(with(onB.getHeaders(), "Last-Event-ID", "12345-1")).status).isEqualTo(400);
  }

  @Test
  void aCancellationSentToAnotherInstanceCancelsTheRequest() throws Exception {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize();
    Future<Reply> call = onA.postAsync(toolCall(5, "slow", null, null));
    // Long enough for the request to be recorded as running on A, even on a busy machine.
    Thread.sleep(1000);
    McpHttpClient onB = sameSession(onA, b);
    Reply cancel =
        onB.post(
            notification(
                "notifications/cancelled",
                new JsonObject().put("requestId", 5).put("reason", "changed my mind")));
    assertThat(cancel.status).isEqualTo(202);
    assertThat(cancelled.poll(5, TimeUnit.SECONDS)).isEqualTo(Cancellation.Reason.CLIENT_CANCELLED);
    call.otherwise((Reply) null);
  }

  @Test
  void theClientsAnswerToSamplingReachesTheInstanceThatAsked() {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize(new JsonObject().put("sampling", new JsonObject()));
    Reply call = onA.post(toolCall(7, "sample", null, null));
    SseEvent ask = call.nextMessage();
    JsonObject sampling = ask.json();
    assertThat(sampling.getString("method")).isEqualTo("sampling/createMessage");
    McpHttpClient onB = sameSession(onA, b);
    JsonObject answer =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", sampling.getValue("id"))
            .put(
                "result",
                new JsonObject()
                    .put("role", "assistant")
                    .put("model", "m")
                    .put("content", new JsonObject().put("type", "text").put("text", "42")));
    assertThat(onB.post(answer).status).isEqualTo(202);
    assertThat(text(call.nextMessage().json())).isEqualTo("model said 42");
  }

  @Test
  void listChangedOnOneInstanceReachesAStandaloneStreamOnAnother() {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize();
    McpHttpClient onB = sameSession(onA, b);
    Reply stream = onB.get();
    assertThat(stream.status).isEqualTo(200);
    a.vertx.runOnContext(
        v ->
            a.backend.addTool(
                Tool.builder("new_tool")
                    .description("test tool")
                    .description("test tool")
                    .handler((args, ctx) -> Future.succeededFuture(CallToolResult.text("n")))
                    .build()));
    assertThat(stream.nextMessage().json().getString("method"))
        .isEqualTo("notifications/tools/list_changed");
  }

  @Test
  void aStreamWhoseInstanceDiedEndsWithTheDocumentedErrorAfterItsStoredEvents() throws Exception {
    Instance a = instance();
    Instance b = instance();
    McpHttpClient onA = client(a);
    onA.initialize();
    Reply call = onA.post(toolCall(11, "ticker", null, "t"));
    List<SseEvent> seen = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      seen.add(call.nextMessage());
    }
    // Events reach the client first and the store a round trip later: let them be stored.
    Thread.sleep(1000);
    a.kill();
    McpHttpClient onB = sameSession(onA, b);
    Reply resumed = onB.get(with(onB.getHeaders(), "Last-Event-ID", seen.get(0).id()));
    assertThat(resumed.status).isEqualTo(200);
    List<SseEvent> after = resumed.rest().stream().filter(e -> !e.isPriming()).toList();
    assertThat(after.stream().map(SseEvent::seq).toList()).containsExactly(2L, 3L, 4L);
    JsonObject error = after.get(2).json();
    assertThat(error.getValue("id")).isEqualTo(11);
    assertThat(error.getJsonObject("error").getInteger("code")).isEqualTo(-32603);
    assertThat(error.getJsonObject("error").getJsonObject("data").getString("reason"))
        .isEqualTo("instance_lost");
    // The session goes on on the survivor.
    assertThat(
            text(onB.post(toolCall(12, "echo", new JsonObject().put("text", "ok"), null)).json()))
        .isEqualTo("ok@" + b.tag());
  }

  @Test
  void withRedisDownNewSessionsGet503AndExistingOnesFailCleanlyThenRecover() throws Exception {
    Instance a = instance();
    McpHttpClient c = client(a);
    c.initialize();
    redis.stop();
    try {
      long t0 = System.nanoTime();
      Reply ping = c.post(request(1, "ping", null));
      assertThat(ping.status).isEqualTo(503);
      assertThat(ping.header("Retry-After")).isNotNull();
      Reply init =
          client(a).post(McpHttpClient.initializeRequest(McpHttpClient.LATEST, new JsonObject()));
      assertThat(init.status).isEqualTo(503);
      assertThat(init.header("Retry-After")).isNotNull();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    } finally {
      redis.restart();
    }
    // Redis came back empty (no persistence): the old session is gone, new ones work.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int status = 0;
    while (System.nanoTime() < deadline && status != 200) {
      status =
          client(a)
              .post(McpHttpClient.initializeRequest(McpHttpClient.LATEST, new JsonObject()))
              .status;
      Thread.sleep(100);
    }
    assertThat(status).isEqualTo(200);
  }
}
