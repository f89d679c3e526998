package io.trident.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.admin.AdminServer;
import io.trident.auth.AuditLog;
import io.trident.auth.Authenticator;
import io.trident.auth.RevocationSettings;
import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.context.Principal;
import io.trident.store.RedisConnector;
import io.trident.store.RedisServer;
import io.trident.store.RedisSettings;
import io.trident.transport.grpc.GrpcTransport;
import io.trident.transport.grpc.GrpcTransportOptions;
import io.trident.transport.grpc.GrpcVerticle;
import io.trident.transport.http.HttpTransportOptions;
import io.trident.transport.http.HttpVerticle;
import io.trident.transport.http.StreamableHttpTransport;
import io.trident.transport.stdio.StdioTransport;
import io.trident.upstream.UpstreamFixture;
import io.trident.upstream.UpstreamTools;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC.md §12 over real sockets: one server on stdio (pipes), Streamable HTTP and gRPC, with an
 * upstream gRPC service, scraped on the admin listener's {@code /metrics}; spans received by a test
 * OTLP receiver; {@code /readyz} and gRPC health following Redis and an upstream going away.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ObservabilityTest {

  static final String TOOL = "inv_GetItem";
  static final JsonObject ARGS = new JsonObject().put("sku", "H-1");

  @TempDir static Path dir;
  static Vertx vertx;
  static UpstreamFixture upstream;
  static StreamGuardFixture fixture;
  static HttpClient http;
  static McpGrpcClient grpc;
  static int httpPort;
  static int grpcPort;
  static int adminPort;
  static String token;
  static Metrics metrics;
  static OutputStream toStdio;
  static final BlockingQueue<JsonObject> fromStdio = new LinkedBlockingQueue<>();
  static int nextId = 1;

  @BeforeAll
  static void start() throws Exception {
    metrics = Metrics.create();
    Observe.install(metrics, Tracing.off(), Readiness.create());
    vertx = Vertx.vertx();
    EventLoopDelay.start(vertx, metrics, Duration.ofMillis(20));
    upstream = UpstreamFixture.plaintext();
    fixture =
        StreamGuardFixture.create(
            vertx, dir, TestKeys.secret(), null, RevocationSettings.defaults(), false);
    new UpstreamTools(
            UpstreamFixture.settings(
                "upstreams:\n  - name: inv\n    target: "
                    + upstream.target()
                    + "\n    descriptorSet: @DS@\n    insecure: true\n    timeout: 20s\n"))
        .register(fixture.backend, vertx);
    Authenticator auth = Observe.countingFailures(fixture.authenticator);
    HttpTransportOptions httpOptions = HttpTransportOptions.defaults().withPort(0);
    HttpVerticle httpVerticle =
        new HttpVerticle(
            new StreamableHttpTransport(vertx, fixture.server, httpOptions, auth), httpOptions);
    await(vertx.deployVerticle(httpVerticle));
    httpPort = httpVerticle.actualPort();
    GrpcTransportOptions grpcOptions = GrpcTransportOptions.defaults().withPort(0);
    GrpcVerticle grpcVerticle =
        new GrpcVerticle(
            new GrpcTransport(
                vertx,
                fixture.server,
                grpcOptions,
                auth,
                GrpcTransport.resourceMetadata(grpcOptions, () -> 0, auth)),
            grpcOptions);
    await(vertx.deployVerticle(grpcVerticle));
    grpcPort = grpcVerticle.actualPort();
    adminPort =
        await(AdminServer.start(vertx, "127.0.0.1", 0, auth, fixture.guards.store())).port();
    http = vertx.createHttpClient();
    token = fixture.token("alice", "*", null);
    grpc =
        McpGrpcClient.create(
            vertx,
            SocketAddress.inetSocketAddress(grpcPort, "127.0.0.1"),
            new McpGrpcClientOptions().setBearerToken(token));
    startStdio();
  }

  @AfterAll
  static void stop() throws Exception {
    Observe.install(Metrics.off(), Tracing.off(), Readiness.create());
    toStdio.close();
    await(grpc.close());
    fixture.close();
    upstream.close();
    await(vertx.close());
  }

  @Nested
  class Metering {

    @Test
    void requestsOnEveryTransportMoveTheirCountersAndHistograms() throws Exception {
      String before = scrape();
      String session = httpSession();
      JsonObject reply = httpPost(session, token, toolCall(TOOL, ARGS, null), Map.of()).body;
      assertThat(reply.getJsonObject("result").getBoolean("isError", false)).isFalse();
      assertThat(await(grpc.callTool(TOOL, ARGS)).getIsError()).isFalse();
      JsonObject viaStdio = stdio(toolCall(TOOL, ARGS, null));
      assertThat(viaStdio.getJsonObject("result").getBoolean("isError", false)).isFalse();
      String after = scrape();

      for (String transport : List.of("stdio", "http", "grpc")) {
        Map<String, String> labels =
            Map.of("transport", transport, "method", "tools/call", "tool", TOOL, "outcome", "ok");
        assertThat(delta(before, after, "trident_requests_seconds_count", labels))
            .as(transport)
            .isEqualTo(1);
        assertThat(
                delta(before, after, "trident_requests_seconds_bucket", with(labels, "le", "+Inf")))
            .as(transport)
            .isEqualTo(1);
        assertThat(delta(before, after, "trident_requests_seconds_sum", labels)).isPositive();
      }
      assertThat(
              delta(
                  before,
                  after,
                  "trident_upstream_calls_seconds_count",
                  Map.of(
                      "upstream",
                      "inv",
                      "method",
                      "trident.test.upstream.v1.Inventory.GetItem",
                      "status",
                      "OK")))
          .isEqualTo(3);
      assertThat(value(after, "trident_sessions_open", Map.of("transport", "stdio"))).isOne();
      assertThat(value(after, "trident_sessions_open", Map.of("transport", "http")))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(after, "trident_requests_in_flight", Map.of("transport", "http"))).isZero();
      assertThat(value(after, "trident_event_loop_delay_seconds_count", Map.of())).isPositive();
      assertThat(value(after, "jvm_memory_used_bytes", Map.of())).isPositive();
    }

    @Test
    void authFailuresAndToolErrorsAreCountedByReason() throws Exception {
      String before = scrape();
      assertThat(httpPost(null, null, initialize(), Map.of()).status).isEqualTo(401);
      assertThat(httpPost(null, "not-a-jwt", initialize(), Map.of()).status).isEqualTo(401);
      JsonObject failed =
          stdio(toolCall("inv_Fail", new JsonObject().put("status", "NOT_FOUND"), null));
      assertThat(failed.getJsonObject("result").getBoolean("isError")).isTrue();
      String after = scrape();
      assertThat(delta(before, after, "trident_auth_failures_total", Map.of("reason", "missing")))
          .isEqualTo(1);
      assertThat(delta(before, after, "trident_auth_failures_total", Map.of("reason", "invalid")))
          .isEqualTo(1);
      assertThat(
              delta(
                  before,
                  after,
                  "trident_requests_seconds_count",
                  Map.of("transport", "stdio", "tool", "inv_Fail", "outcome", "tool_error")))
          .isEqualTo(1);
      assertThat(
              delta(
                  before,
                  after,
                  "trident_upstream_calls_seconds_count",
                  Map.of("upstream", "inv", "status", "NOT_FOUND")))
          .isEqualTo(1);
    }

    @Test
    void aCancelledCallIsCountedByCauseAndItsUpstreamCallAsCancelled() throws Exception {
      String before = scrape();
      JsonObject slow = toolCall("inv_Slow", new JsonObject().put("millis", 10_000), null);
      sendStdio(slow);
      assertThat(upstream.calls().slowStarted.poll(5, TimeUnit.SECONDS)).isNotNull();
      sendStdio(
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("method", "notifications/cancelled")
              .put("params", new JsonObject().put("requestId", slow.getValue("id"))));
      assertThat(upstream.calls().slowCancelled.poll(5, TimeUnit.SECONDS)).isNotNull();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      String after;
      do {
        after = scrape();
      } while (delta(
                  before,
                  after,
                  "trident_upstream_calls_seconds_count",
                  Map.of("status", "CANCELLED"))
              < 1
          && System.nanoTime() < until);
      assertThat(
              delta(
                  before,
                  after,
                  "trident_request_cancellations_total",
                  Map.of("cause", "client_cancelled")))
          .isEqualTo(1);
      assertThat(
              delta(
                  before,
                  after,
                  "trident_requests_seconds_count",
                  Map.of("transport", "stdio", "tool", "inv_Slow", "outcome", "cancelled")))
          .isEqualTo(1);
      assertThat(
              delta(
                  before,
                  after,
                  "trident_upstream_calls_seconds_count",
                  Map.of("upstream", "inv", "status", "CANCELLED")))
          .isEqualTo(1);
    }

    @Test
    void aThousandBogusToolNamesAddOneSeriesAtMost() throws Exception {
      String before = scrape();
      int seriesBefore = series(before, "trident_requests_seconds_count");
      for (int i = 0; i < 1000; i++) {
        sendStdio(
            toolCall("bogus-tool-" + i + "-" + ThreadLocalRandom.current().nextLong(), null, null));
      }
      for (int i = 0; i < 100; i++) {
        sendStdio(
            new JsonObject()
                .put("jsonrpc", "2.0")
                .put("id", nextId++)
                .put("method", "bogus/method-" + i)
                .put("params", new JsonObject()));
      }
      for (int i = 0; i < 1100; i++) {
        assertThat(fromStdio.poll(10, TimeUnit.SECONDS)).isNotNull();
      }
      String after = scrape();
      assertThat(series(after, "trident_requests_seconds_count") - seriesBefore)
          .isLessThanOrEqualTo(2);
      assertThat(after).doesNotContain("bogus");
      assertThat(
              delta(
                  before,
                  after,
                  "trident_requests_seconds_count",
                  Map.of(
                      "transport", "stdio", "tool", Metrics.UNKNOWN, "outcome", "invalid_params")))
          .isEqualTo(1000);
      assertThat(
              delta(
                  before,
                  after,
                  "trident_requests_seconds_count",
                  Map.of("transport", "stdio", "method", Metrics.UNKNOWN)))
          .isEqualTo(100);
    }

    @Test
    void healthzAnswersAliveAndUnknownAdminPathsStayNotFound() throws Exception {
      Reply alive = admin("/healthz");
      assertThat(alive.status).isEqualTo(200);
      assertThat(alive.body.getString("status")).isEqualTo("alive");
      assertThat(admin("/nothing-here").status).isEqualTo(404);
    }
  }

  @Nested
  class Traces {

    @Test
    void serverAndUpstreamSpansContinueTheCallersTrace() throws Exception {
      OtlpReceiver receiver = await(OtlpReceiver.start(vertx, true));
      Tracing tracing =
          Tracing.start(
              new ObserveSettings.Tracing(true, 1.0, false),
              Map.of(
                  "otel.exporter.otlp.traces.endpoint",
                  receiver.endpoint(),
                  "otel.bsp.schedule.delay",
                  "50"));
      Observe.install(metrics, tracing, Readiness.create());
      try {
        upstream.calls().clear();
        // HTTP: the traceparent header.
        String httpTrace = randomHex(16);
        String httpParent = randomHex(8);
        String session = httpSession();
        httpPost(
            session,
            token,
            toolCall(TOOL, ARGS, null),
            Map.of("traceparent", "00-" + httpTrace + "-" + httpParent + "-01"));
        assertTraceReachedUpstream(httpTrace);
        // stdio: _meta.traceparent (the reserved key of 2026-07-28).
        String stdioTrace = randomHex(16);
        String stdioParent = randomHex(8);
        stdio(
            toolCall(
                TOOL,
                ARGS,
                new JsonObject()
                    .put("traceparent", "00-" + stdioTrace + "-" + stdioParent + "-01")));
        assertTraceReachedUpstream(stdioTrace);
        // gRPC: the traceparent metadata of a typed CallTool.
        String grpcTrace = randomHex(16);
        String grpcParent = randomHex(8);
        await(
            grpc.callTool(
                TOOL,
                ARGS,
                new CallOptions()
                    .addMetadata("traceparent", "00-" + grpcTrace + "-" + grpcParent + "-01")));
        assertTraceReachedUpstream(grpcTrace);
        tracing.flush();

        for (String[] caller :
            new String[][] {
              {httpTrace, httpParent, "http"},
              {stdioTrace, stdioParent, "stdio"},
              {grpcTrace, grpcParent, "grpc"}
            }) {
          var server =
              span(
                  receiver,
                  s ->
                      hex(s.getTraceId().toByteArray()).equals(caller[0])
                          && s.getKind()
                              == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
          assertThat(hex(server.getParentSpanId().toByteArray())).isEqualTo(caller[1]);
          assertThat(server.getName()).isEqualTo("tools/call " + TOOL);
          Map<String, String> attrs = attributes(server);
          assertThat(attrs)
              .containsEntry("mcp.method.name", "tools/call")
              .containsEntry("gen_ai.tool.name", TOOL)
              .containsEntry("trident.transport", caller[2])
              .containsEntry("trident.outcome", "ok")
              .doesNotContainKey("enduser.id");
          assertThat(attrs.values()).noneMatch(v -> v.contains("H-1"));
          var client =
              span(
                  receiver,
                  s ->
                      hex(s.getTraceId().toByteArray()).equals(caller[0])
                          && s.getKind()
                              == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
          assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
          assertThat(client.getName()).isEqualTo("trident.test.upstream.v1.Inventory/GetItem");
          assertThat(attributes(client)).containsEntry("trident.upstream", "inv");
        }
      } finally {
        Observe.install(metrics, Tracing.off(), Readiness.create());
        tracing.close();
        receiver.close();
      }
    }

    /** The upstream saw a traceparent of {@code traceId}, whose parent is a span of ours. */
    private void assertTraceReachedUpstream(String traceId) throws Exception {
      Map<String, String> md = upstream.calls().metadata.poll(5, TimeUnit.SECONDS);
      assertThat(md).isNotNull();
      String tp = md.get("traceparent");
      assertThat(tp).isNotNull().startsWith("00-" + traceId + "-");
    }
  }

  @Nested
  class ReadinessChecks {

    @Test
    void readyzFollowsRedisAndAnUpstreamGoingAwayAndComingBack() throws Exception {
      RedisServer redis = RedisServer.start();
      UpstreamFixture second = UpstreamFixture.plaintext();
      int secondPort =
          Integer.parseInt(second.target().substring(second.target().lastIndexOf(':') + 1));
      RedisConnector connector =
          RedisConnector.create(vertx, RedisSettings.none().withUrl(redis.url()));
      Readiness readiness =
          Readiness.create()
              .requireRedis(connector)
              .requireUpstream(vertx, "second", "127.0.0.1", secondPort);
      Observe.install(metrics, Tracing.off(), readiness);
      try {
        assertReady(true, null);
        redis.stop();
        Reply down = assertReady(false, "redis");
        assertThat(down.body.getJsonObject("checks").getString("upstream:second")).isEqualTo("ok");
        assertThat(grpcHealth()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
        redis.restart();
        assertReady(true, null);
        assertThat(grpcHealth()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        second.close();
        assertReady(false, "upstream:second");
        second = UpstreamFixture.plaintext(secondPort);
        assertReady(true, null);
        readiness.draining();
        assertReady(false, "listeners");
      } finally {
        Observe.install(metrics, Tracing.off(), Readiness.create());
        await(connector.close());
        second.close();
        redis.close();
      }
    }

    /** Polls /readyz until it says {@code ready} (Redis reconnects in its own time). */
    private Reply assertReady(boolean ready, String failing) throws Exception {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      Reply r;
      do {
        r = admin("/readyz");
        if ((r.status == 200) == ready) {
          break;
        }
        Thread.sleep(100);
      } while (System.nanoTime() < until);
      assertThat(r.status).as(String.valueOf(r.body)).isEqualTo(ready ? 200 : 503);
      assertThat(r.body.getString("status")).isEqualTo(ready ? "ready" : "not ready");
      if (failing != null) {
        assertThat(r.body.getJsonObject("checks").getString(failing)).startsWith("not ready");
      }
      return r;
    }

    private HealthCheckResponse.ServingStatus grpcHealth() throws Exception {
      GrpcClient client = GrpcClient.client(vertx);
      try {
        io.vertx.grpc.client.GrpcClientRequest<HealthCheckRequest, HealthCheckResponse> request =
            await(
                client.request(
                    SocketAddress.inetSocketAddress(grpcPort, "127.0.0.1"),
                    ServiceMethod.client(
                        ServiceName.create("grpc.health.v1", "Health"),
                        "Check",
                        GrpcMessageEncoder.<HealthCheckRequest>encoder(),
                        GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()))));
        request.end(HealthCheckRequest.newBuilder().setService("mcp.v1.Mcp").build());
        return await(request.response().compose(GrpcClientResponse::last)).getStatus();
      } finally {
        client.close();
      }
    }
  }

  @Nested
  class AuditTrail {

    @Test
    void auditLinesGoToAFileRotatedBySize() throws Exception {
      Path file = dir.resolve("audit.log");
      AuditFile.install(new ObserveSettings.Audit(file.toString(), "1KB", 2));
      for (int i = 0; i < 200; i++) {
        AuditLog.limited(
            new JsonObject().put("event", "test").put("n", i).put("pad", "x".repeat(80)));
        if (i % 20 == 0) {
          Thread.sleep(130);
        }
      }
      assertThat(Files.exists(dir.resolve("audit.log.1"))).isTrue();
      assertThat(Files.exists(dir.resolve("audit.log.3"))).isFalse();
      for (String line : Files.readAllLines(file)) {
        assertThat(new JsonObject(line).getString("event")).isEqualTo("test");
      }
    }
  }

  // --- Helpers -----------------------------------------------------------------------------------

  static void startStdio() throws Exception {
    PipedInputStream serverIn = new PipedInputStream(1 << 20);
    toStdio = new PipedOutputStream(serverIn);
    PipedInputStream clientIn = new PipedInputStream(1 << 20);
    PipedOutputStream serverOut = new PipedOutputStream(clientIn);
    new StdioTransport(
            fixture.server,
            serverIn,
            serverOut,
            1 << 20,
            Principal.local("stdio-user", Set.of("*")),
            Duration.ofSeconds(1))
        .start(vertx.getOrCreateContext());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(clientIn, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  fromStdio.add(new JsonObject(line));
                }
              } catch (Exception e) {
                // The server closed its end.
              }
            },
            "observe-test-stdio");
    reader.setDaemon(true);
    reader.start();
    assertThat(stdio(initialize()).getJsonObject("result")).isNotNull();
    sendStdio(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
  }

  static synchronized void sendStdio(JsonObject message) throws Exception {
    toStdio.write((message.encode() + "\n").getBytes(StandardCharsets.UTF_8));
    toStdio.flush();
  }

  static JsonObject stdio(JsonObject request) throws Exception {
    sendStdio(request);
    JsonObject reply = fromStdio.poll(10, TimeUnit.SECONDS);
    assertThat(reply).as("stdio reply").isNotNull();
    return reply;
  }

  static JsonObject initialize() {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", 0)
        .put("method", "initialize")
        .put(
            "params",
            new JsonObject()
                .put("protocolVersion", "2025-11-25")
                .put("capabilities", new JsonObject())
                .put(
                    "clientInfo",
                    new JsonObject().put("name", "observe-test").put("version", "1")));
  }

  static synchronized JsonObject toolCall(String name, JsonObject args, JsonObject meta) {
    JsonObject params = new JsonObject().put("name", name);
    if (args != null) {
      params.put("arguments", args);
    }
    if (meta != null) {
      params.put("_meta", meta);
    }
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", nextId++)
        .put("method", "tools/call")
        .put("params", params);
  }

  record Reply(int status, MultiMap headers, JsonObject body) {}

  static Reply httpPost(
      String session, String bearer, JsonObject message, Map<String, String> extra)
      throws Exception {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setServer(SocketAddress.inetSocketAddress(httpPort, "127.0.0.1"))
            .setHost("127.0.0.1")
            .setPort(httpPort)
            .setURI("/mcp")
            .putHeader("Content-Type", "application/json")
            .putHeader("Accept", "application/json, text/event-stream");
    if (bearer != null) {
      options.putHeader("Authorization", "Bearer " + bearer);
    }
    if (session != null) {
      options.putHeader("Mcp-Session-Id", session).putHeader("MCP-Protocol-Version", "2025-11-25");
    }
    extra.forEach(options::putHeader);
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
                                            new Reply(
                                                resp.statusCode(),
                                                resp.headers(),
                                                b.length() == 0 ? null : new JsonObject(b))))));
  }

  static String httpSession() throws Exception {
    Reply init = httpPost(null, token, initialize(), Map.of());
    assertThat(init.status).isEqualTo(200);
    String id = init.headers.get("Mcp-Session-Id");
    httpPost(
        id,
        token,
        new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"),
        Map.of());
    return id;
  }

  static Reply admin(String path) throws Exception {
    return await(
        http.request(HttpMethod.GET, adminPort, "127.0.0.1", path)
            .compose(
                req ->
                    req.send()
                        .compose(
                            resp ->
                                resp.body()
                                    .map(
                                        b ->
                                            new Reply(
                                                resp.statusCode(),
                                                resp.headers(),
                                                resp.getHeader("Content-Type") != null
                                                        && resp.getHeader("Content-Type")
                                                            .startsWith("application/json")
                                                    ? new JsonObject(b)
                                                    : new JsonObject()
                                                        .put("text", b.toString()))))));
  }

  static String scrape() throws Exception {
    Reply r = admin("/metrics");
    assertThat(r.status).isEqualTo(200);
    assertThat(r.headers.get("Content-Type")).startsWith("text/plain");
    return r.body.getString("text");
  }

  /** The sum of the samples of {@code name} whose labels include {@code labels}. */
  static double value(String text, String name, Map<String, String> labels) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String metric = brace < 0 ? line.substring(0, space) : line.substring(0, brace);
      if (!metric.equals(name)) {
        continue;
      }
      String labelText = brace < 0 ? "" : line.substring(brace + 1, line.lastIndexOf('}'));
      boolean matches = true;
      for (Map.Entry<String, String> e : labels.entrySet()) {
        if (!labelText.contains(e.getKey() + "=\"" + e.getValue() + "\"")) {
          matches = false;
          break;
        }
      }
      if (matches) {
        sum += Double.parseDouble(line.substring(space + 1));
      }
    }
    return sum;
  }

  static double delta(String before, String after, String name, Map<String, String> labels) {
    return value(after, name, labels) - value(before, name, labels);
  }

  static int series(String text, String name) {
    int n = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{")) {
        n++;
      }
    }
    return n;
  }

  static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> out = new java.util.HashMap<>(base);
    out.put(key, value);
    return out;
  }

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] |= 1;
    return HexFormat.of().formatHex(b);
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  static io.opentelemetry.proto.trace.v1.Span span(
      OtlpReceiver receiver, Predicate<io.opentelemetry.proto.trace.v1.Span> which)
      throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      for (var s : receiver.spans) {
        if (which.test(s)) {
          return s;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no such span among " + receiver.spans.size());
  }

  static Map<String, String> attributes(io.opentelemetry.proto.trace.v1.Span span) {
    Map<String, String> out = new java.util.HashMap<>();
    span.getAttributesList()
        .forEach(
            kv ->
                out.put(
                    kv.getKey(),
                    kv.getValue().hasStringValue()
                        ? kv.getValue().getStringValue()
                        : String.valueOf(kv.getValue().getIntValue())));
    return out;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
