package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static io.trident.transport.http.McpHttpClient.notification;
import static io.trident.transport.http.McpHttpClient.request;
import static io.trident.transport.http.McpHttpClient.toolCall;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.LogCapture;
import io.trident.auth.TestCerts;
import io.trident.backend.Backend;
import io.trident.backend.JsonSchema;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.upstream.UpstreamFixture;
import io.trident.upstream.testproto.Rich;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream gRPC tools over Streamable HTTP: real grpc-java upstreams on loopback ({@link
 * UpstreamFixture}), the real HTTP transport, a real HTTP client. What the upstream receives
 * (arguments, metadata, deadline, cancellation) is read from the upstream's own records.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpUpstreamToolsTest {

  private static final long WAIT_MS = 5_000;
  private static UpstreamFixture upstream;

  private Vertx vertx;
  private final List<McpHttpClient> clients = new ArrayList<>();

  @BeforeAll
  static void startUpstream() throws Exception {
    upstream = UpstreamFixture.plaintext();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream.calls().clear();
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpHttpClient::close);
  }

  private static String plain(String extra) {
    return "upstreams:\n"
        + "  - name: inv\n"
        + "    target: "
        + upstream.target()
        + "\n"
        + "    descriptorSet: @DS@\n"
        + "    insecure: true\n"
        + extra;
  }

  /** An initialized session on a server with the upstreams of {@code yaml}. */
  private McpHttpClient session(String yaml, Duration requestTimeout) {
    Backend backend = UpstreamFixture.backend(vertx, yaml);
    ServerOptions opts =
        ServerOptions.defaults(Implementation.of("trident-upstream-test", "1"))
            .withRequestTimeout(requestTimeout);
    HttpTransportOptions http = TestHttpOptions.loopback().build();
    StreamableHttpTransport transport =
        new StreamableHttpTransport(vertx, new McpServer(vertx, backend, opts), http);
    HttpVerticle verticle = new HttpVerticle(transport, http);
    await(vertx.deployVerticle(verticle));
    McpHttpClient c = new McpHttpClient(vertx, verticle.actualPort());
    clients.add(c);
    c.initialize();
    return c;
  }

  private McpHttpClient session(String yaml) {
    return session(yaml, Duration.ofSeconds(30));
  }

  private static JsonObject result(Reply reply) {
    JsonObject json = reply.isSse() ? reply.nextMessage().json() : reply.json();
    assertThat(json.containsKey("error")).as("unexpected error: %s", json).isFalse();
    return json.getJsonObject("result");
  }

  private static JsonObject call(McpHttpClient c, String tool, JsonObject args) {
    return result(c.post(toolCall(7, tool, args, null)));
  }

  private static String text(JsonObject result) {
    return result.getJsonArray("content").getJsonObject(0).getString("text");
  }

  private static <T> T poll(BlockingQueue<T> queue) throws InterruptedException {
    T value = queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(value).as("nothing within %d ms", WAIT_MS).isNotNull();
    return value;
  }

  static final List<String> LEAKS =
      List.of(
          "hunter2", "db-7", "internal.example", "com.acme", "127.0.0.1", "localhost", "Exception");

  private static void assertNoLeak(String text) {
    for (String leak : LEAKS) {
      assertThat(text).as("tool error text").doesNotContainIgnoringCase(leak);
    }
    assertThat(text).doesNotContain(String.valueOf(upstream.port()));
  }

  @Nested
  class Listing {
    @Test
    void unaryMethodsBecomeToolsWithSchemasAndStreamingMethodsAreSkipped() {
      McpHttpClient c = session(plain(""));
      JsonArray tools = result(c.post(request(2, "tools/list", null))).getJsonArray("tools");
      List<String> names = new ArrayList<>();
      tools.forEach(t -> names.add(((JsonObject) t).getString("name")));
      assertThat(names)
          .containsExactlyInAnyOrder(
              "inv_GetItem", "inv_Inventory_Echo", "inv_Audit_Echo", "inv_Slow", "inv_Fail");
      JsonObject getItem =
          tools.stream()
              .map(JsonObject.class::cast)
              .filter(t -> t.getString("name").equals("inv_GetItem"))
              .findFirst()
              .orElseThrow();
      assertThat(getItem.getString("description")).isEqualTo("Looks up one item by its SKU.");
      assertThat(getItem.getJsonObject("outputSchema").getJsonObject("properties").fieldNames())
          .containsExactlyInAnyOrder("sku", "name", "quantity", "category", "updatedAt");
    }

    @Test
    void servicesAndMethodsFilterAndOverridesApply() {
      McpHttpClient c =
          session(
              plain(
                  "    services: [trident.test.upstream.v1.Inventory]\n"
                      + "    methods: [GetItem, trident.test.upstream.v1.Inventory/Echo]\n"
                      + "    tools:\n"
                      + "      GetItem: { description: Finds an item., scope: inv:read }\n"));
      JsonArray tools = result(c.post(request(2, "tools/list", null))).getJsonArray("tools");
      assertThat(tools.stream().map(t -> ((JsonObject) t).getString("name")))
          .containsExactlyInAnyOrder("inv_GetItem", "inv_Echo");
      assertThat(tools.getJsonObject(0).getString("description")).isEqualTo("Finds an item.");
    }
  }

  @Nested
  class RoundTrip {
    @Test
    void getItemAnswersStructuredContentWithInt64AsStringAndEnumByName() {
      McpHttpClient c = session(plain(""));
      JsonObject r = call(c, "inv_GetItem", new JsonObject().put("sku", "H-1"));
      assertThat(r.getBoolean("isError", false)).isFalse();
      JsonObject item = r.getJsonObject("structuredContent");
      assertThat(item.getString("quantity")).isEqualTo("9007199254740993");
      assertThat(item.getString("category")).isEqualTo("CATEGORY_TOOLS");
      assertThat(item.getString("updatedAt")).isEqualTo("2026-01-01T00:00:00.005Z");
      assertThat(new JsonObject(text(r))).isEqualTo(item);
    }

    @Test
    void richMessageRoundTripsAndTheUpstreamReceivesExactlyTheArguments() throws Exception {
      McpHttpClient c = session(plain(""));
      JsonObject args =
          new JsonObject()
              .put("title", "crate")
              .put("count", 3)
              .put("big", "-9007199254740993")
              .put("unsignedBig", 18446744073709551615.0 > 0 ? "18446744073709551615" : "")
              .put("fixedBig", 42)
              .put("flag", true)
              .put("ratio", 0.5)
              .put("precise", "NaN")
              .put("blob", "aGVsbG8=")
              .put("shade", "SHADE_DARK")
              .put("dimensions", new JsonObject().put("widthCm", 1.5).put("heightCm", 2))
              .put("tags", new JsonArray().add("a").add("b"))
              .put("boxes", new JsonArray().add(new JsonObject().put("widthCm", 3)))
              .put("stockBySite", new JsonObject().put("north", "12").put("south", 7))
              .put("boxesById", new JsonObject().put("5", new JsonObject().put("heightCm", 9)))
              .put("choiceNumber", "77")
              .put("nickname", "")
              .put("createdAt", "2026-12-01T10:00:00Z")
              .put("ttl", "1.500s")
              .put("attributes", new JsonObject().put("k", new JsonArray().add(1).add("x")))
              .put("anything", new JsonObject().put("nested", true))
              .put("list", new JsonArray().add(1).add("two"))
              .put("mask", "title,dimensions.widthCm")
              .put("maybeBig", "5")
              .put("maybeText", "present")
              .put(
                  "extra",
                  new JsonObject()
                      .put("@type", "type.googleapis.com/trident.test.upstream.v1.Node")
                      .put("label", "in any"))
              .put(
                  "tree",
                  new JsonObject()
                      .put("label", "root")
                      .put(
                          "children",
                          new JsonArray()
                              .add(
                                  new JsonObject()
                                      .put("label", "kid")
                                      .put(
                                          "children",
                                          new JsonArray()
                                              .add(
                                                  new JsonObject()
                                                      .put("label", "grandkid")
                                                      .put(
                                                          "children",
                                                          new JsonArray()
                                                              .add(
                                                                  new JsonObject()
                                                                      .put("label", "deep"))))))))
              .put("shades", new JsonArray().add("SHADE_LIGHT").add("SHADE_DARK"));
      JsonObject r = call(c, "inv_Inventory_Echo", args);
      assertThat(r.getBoolean("isError", false)).as("%s", r).isFalse();

      Rich got = poll(upstream.calls().echoed);
      assertThat(got.getTitle()).isEqualTo("crate");
      assertThat(got.getBig()).isEqualTo(-9_007_199_254_740_993L);
      assertThat(got.getUnsignedBig()).isEqualTo(-1L); // 2^64-1 as unsigned
      assertThat(got.getFixedBig()).isEqualTo(42L);
      assertThat(Double.isNaN(got.getPrecise())).isTrue();
      assertThat(got.getBlob().toStringUtf8()).isEqualTo("hello");
      assertThat(got.getShade()).isEqualTo(Rich.Shade.SHADE_DARK);
      assertThat(got.getStockBySiteMap()).containsEntry("north", 12L).containsEntry("south", 7L);
      assertThat(got.getBoxesByIdMap().get(5).getHeightCm()).isEqualTo(9.0);
      assertThat(got.getChoiceNumber()).isEqualTo(77L);
      assertThat(got.hasNickname()).as("proto3 optional keeps presence").isTrue();
      assertThat(got.hasRank()).isFalse();
      assertThat(got.getCreatedAt().getSeconds()).isEqualTo(1_796_119_200L);
      assertThat(got.getTtl().getSeconds()).isEqualTo(1L);
      assertThat(got.getTtl().getNanos()).isEqualTo(500_000_000);
      assertThat(got.getMask().getPathsList()).containsExactly("title", "dimensions.width_cm");
      assertThat(got.getMaybeBig().getValue()).isEqualTo(5L);
      assertThat(got.hasMaybeFlag()).isFalse();
      assertThat(got.getExtra().getTypeUrl()).endsWith("trident.test.upstream.v1.Node");
      assertThat(got.getTree().getChildren(0).getChildren(0).getChildren(0).getLabel())
          .isEqualTo("deep");

      JsonObject out = r.getJsonObject("structuredContent");
      assertThat(out.getString("big")).isEqualTo("-9007199254740993");
      assertThat(out.getString("unsignedBig")).isEqualTo("18446744073709551615");
      assertThat(out.getString("precise")).isEqualTo("NaN");
      assertThat(out.getString("choiceNumber")).isEqualTo("77");
      assertThat(out.getString("ttl")).isEqualTo("1.500s");
      assertThat(out.getString("mask")).isEqualTo("title,dimensions.widthCm");
      assertThat(out.getJsonObject("extra").getString("label")).isEqualTo("in any");
      assertThat(out.getJsonObject("stockBySite").getString("north")).isEqualTo("12");

      // The server checked structuredContent against outputSchema already; check it here too.
      JsonArray tools = result(c.post(request(3, "tools/list", null))).getJsonArray("tools");
      JsonObject echo =
          tools.stream()
              .map(JsonObject.class::cast)
              .filter(t -> t.getString("name").equals("inv_Inventory_Echo"))
              .findFirst()
              .orElseThrow();
      assertThat(JsonSchema.compile(echo.getJsonObject("outputSchema")).validate(out)).isEmpty();
      assertThat(JsonSchema.compile(echo.getJsonObject("inputSchema")).validate(args)).isEmpty();
    }

    @Test
    void badArgumentsAreAToolErrorNamingTheField() {
      McpHttpClient c = session(plain(""));
      JsonObject wrongType = call(c, "inv_Inventory_Echo", new JsonObject().put("big", "12x"));
      assertThat(wrongType.getBoolean("isError")).isTrue();
      assertThat(text(wrongType)).contains("big");
      JsonObject unknown = call(c, "inv_Inventory_Echo", new JsonObject().put("bogus", 1));
      assertThat(unknown.getBoolean("isError")).isTrue();
      assertThat(text(unknown)).contains("bogus");
      JsonObject twoOfOneof =
          call(
              c,
              "inv_Inventory_Echo",
              new JsonObject().put("choiceText", "a").put("choiceNumber", 1));
      assertThat(twoOfOneof.getBoolean("isError")).isTrue();
      assertThat(upstream.calls().echoed).isEmpty();
    }
  }

  @Nested
  class Metadata {
    @Test
    void onlyAllowlistedKeysAndTheServiceCredentialReachTheUpstream() throws Exception {
      McpHttpClient c =
          session(
              plain(
                  "    forwardMetadata: [traceparent, x-request-id]\n"
                      + "    metadata: { x-service-token: svc-secret-1 }\n"
                      + "    callerIdentity: x-caller-sub\n"));
      c.credentials.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      c.credentials.put("Authorization", "Bearer caller-token-123456");
      c.credentials.put("Cookie", "session=abc");
      c.credentials.put("X-Mcp-Api-Key", "tk_callerkey");
      c.credentials.put("X-Other", "not-allowlisted");
      c.credentials.put("X-Service-Token", "caller-spoof");
      c.credentials.put("X-Caller-Sub", "spoofed-subject");
      upstream.calls().clear();
      JsonObject r = call(c, "inv_GetItem", new JsonObject().put("sku", "A"));
      assertThat(r.getBoolean("isError", false)).isFalse();
      Map<String, String> seen = poll(upstream.calls().metadata);
      assertThat(seen)
          .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
          .containsEntry("x-service-token", "svc-secret-1")
          .doesNotContainKeys(
              "authorization", "cookie", "x-mcp-api-key", "x-other", "x-request-id");
      assertThat(seen.get("x-caller-sub")).isNotEqualTo("spoofed-subject").isNotNull();
      assertThat(seen.values()).noneMatch(v -> v.contains("caller-token") || v.contains("tk_"));
    }

    @Test
    void forwardCallerTokenSendsExactlyTheCallersBearerToken() throws Exception {
      McpHttpClient c = session(plain("    forwardCallerToken: true\n"));
      c.credentials.put("Authorization", "Bearer caller-token-123456");
      c.credentials.put("Cookie", "session=abc");
      upstream.calls().clear();
      call(c, "inv_GetItem", new JsonObject().put("sku", "A"));
      Map<String, String> seen = poll(upstream.calls().metadata);
      assertThat(seen).containsEntry("authorization", "Bearer caller-token-123456");
      assertThat(seen).doesNotContainKey("cookie");
    }

    @Test
    void metaCannotStandInForTheCallersToken() throws Exception {
      McpHttpClient c = session(plain("    forwardCallerToken: true\n"));
      upstream.calls().clear();
      JsonObject msg = toolCall(7, "inv_GetItem", new JsonObject().put("sku", "A"), null);
      msg.getJsonObject("params")
          .put("_meta", new JsonObject().put("authorization", "Bearer forged-token-999"));
      result(c.post(msg));
      assertThat(poll(upstream.calls().metadata)).doesNotContainKey("authorization");
    }
  }

  @Nested
  class Deadlines {
    @Test
    void theUpstreamSeesNoMoreThanTheCallersBudget() throws Exception {
      McpHttpClient c = session(plain("    timeout: 20s\n"), Duration.ofMillis(1500));
      call(c, "inv_GetItem", new JsonObject().put("sku", "A"));
      assertThat(poll(upstream.calls().deadlineMs)).isPositive().isLessThanOrEqualTo(1500L);
    }

    @Test
    void theUpstreamSeesNoMoreThanTheMcpTimeoutMsHeader() throws Exception {
      McpHttpClient c = session(plain("    timeout: 20s\n"));
      upstream.calls().clear();
      Map<String, String> headers =
          McpHttpClient.with(c.postHeaders(), StreamableHttpTransport.TIMEOUT_HEADER, "1200");
      c.exchange(
          HttpMethod.POST,
          c.path,
          headers,
          toolCall(8, "inv_GetItem", new JsonObject().put("sku", "A"), null).toBuffer());
      assertThat(poll(upstream.calls().deadlineMs)).isPositive().isLessThanOrEqualTo(1200L);
    }

    @Test
    void theUpstreamSeesNoMoreThanTheMetaTimeout() throws Exception {
      McpHttpClient c = session(plain("    timeout: 20s\n"));
      upstream.calls().clear();
      JsonObject msg = toolCall(9, "inv_GetItem", new JsonObject().put("sku", "A"), null);
      msg.getJsonObject("params").put("_meta", new JsonObject().put("io.trident/timeoutMs", 900));
      result(c.post(msg));
      assertThat(poll(upstream.calls().deadlineMs)).isPositive().isLessThanOrEqualTo(900L);
    }

    @Test
    void theUpstreamTimeoutCapsTheCallAndAnswersDeadlineExceeded() throws Exception {
      McpHttpClient c = session(plain("    timeout: 300ms\n"));
      // The channel's first call also connects: warm it (whatever the outcome), so that the
      // 300 ms are the slow call's alone.
      for (int i = 0; i < 3; i++) {
        c.post(toolCall(6, "inv_GetItem", new JsonObject().put("sku", "A"), null));
      }
      upstream.calls().clear();
      long start = System.nanoTime();
      Reply reply = c.post(toolCall(7, "inv_Slow", new JsonObject().put("millis", 5000), null));
      JsonObject answer = reply.isSse() ? reply.nextMessage().json() : reply.json();
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(poll(upstream.calls().deadlineMs)).isLessThanOrEqualTo(300L);
      // The tool's own cap answers as a DEADLINE_EXCEEDED tool error, or as the server's -32001
      // where the server enforces tool timeouts itself: a timeout either way, never a result.
      if (answer.containsKey("error")) {
        assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(-32001);
      } else {
        JsonObject r = answer.getJsonObject("result");
        assertThat(r.getBoolean("isError")).isTrue();
        assertThat(text(r)).startsWith("DEADLINE_EXCEEDED: ");
      }
      assertThat(ms).isLessThan(800);
    }
  }

  @Nested
  class Cancellation {
    @Test
    void notificationsCancelledResetsTheUpstreamCallWithin100Ms() throws Exception {
      McpHttpClient c = session(plain(""));
      Future<Reply> pending =
          c.postAsync(toolCall(9, "inv_Slow", new JsonObject().put("millis", 20000), null));
      poll(upstream.calls().slowStarted);
      long sent = System.nanoTime();
      c.post(notification("notifications/cancelled", new JsonObject().put("requestId", 9)));
      long cancelled = poll(upstream.calls().slowCancelled);
      assertThat((cancelled - sent) / 1_000_000).isLessThan(100);
      Reply original = await(pending);
      assertThat(original.body()).doesNotContain("\"result\"");
    }

    @Test
    void aDisconnectingClientResetsTheUpstreamCallWithin100Ms() throws Exception {
      McpHttpClient c = session(plain(""));
      c.postAsync(toolCall(10, "inv_Slow", new JsonObject().put("millis", 20000), null));
      poll(upstream.calls().slowStarted);
      long closed = System.nanoTime();
      c.http.close();
      long cancelled = poll(upstream.calls().slowCancelled);
      assertThat((cancelled - closed) / 1_000_000).isLessThan(100);
    }
  }

  @Nested
  class Failures {
    @Test
    void anUpstreamStatusBecomesASafeToolErrorAndTheAuditLineNamesIt() throws Exception {
      try (LogCapture logs = LogCapture.debugEverything()) {
        McpHttpClient c = session(plain(""));
        JsonObject r = call(c, "inv_Fail", new JsonObject().put("status", "INTERNAL"));
        assertThat(r.getBoolean("isError")).isTrue();
        assertThat(text(r)).startsWith("INTERNAL: the upstream service failed the call");
        assertThat(text(r)).contains("correlation id");
        assertNoLeak(r.encode());
        List<JsonObject> audit =
            logs.awaitAudit(e -> e.getFormattedMessage().contains("inv_Fail"), 1);
        assertThat(audit.get(0).getString("detail")).isEqualTo("upstream inv: INTERNAL");
        JsonObject ok = call(c, "inv_GetItem", new JsonObject().put("sku", "A"));
        assertThat(ok.getBoolean("isError", false)).isFalse();
        assertThat(
                logs.awaitAudit(e -> e.getFormattedMessage().contains("inv_GetItem"), 1)
                    .get(0)
                    .getString("detail"))
            .isEqualTo("upstream inv: OK");
      }
    }

    @Test
    void anUpstreamThatIsDownFailsUnavailableWithoutDetail() throws Exception {
      int port;
      try (java.net.ServerSocket probe =
          new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      McpHttpClient c =
          session(
              "upstreams:\n  - name: gone\n    target: 127.0.0.1:"
                  + port
                  + "\n    descriptorSet: @DS@\n    insecure: true\n");
      JsonObject r = call(c, "gone_GetItem", new JsonObject().put("sku", "A"));
      assertThat(r.getBoolean("isError")).isTrue();
      assertThat(text(r)).startsWith("UNAVAILABLE: the upstream service cannot be reached");
      assertNoLeak(text(r));
    }
  }

  @Nested
  class Tls {
    @TempDir Path dir;
    private TestCerts certs;

    @BeforeEach
    void certs() throws Exception {
      certs = new TestCerts(dir);
      certs.selfSigned("server", "/CN=localhost", false);
      certs.selfSigned("other", "/CN=localhost", false);
      certs.selfSigned("clientca", "/CN=Client CA", true);
      certs.clientCert("trident", "/CN=trident", "clientca");
    }

    private String tls(UpstreamFixture server, String tls) {
      return "upstreams:\n  - name: sec\n    target: "
          + server.target()
          + "\n    descriptorSet: @DS@\n    tls: "
          + tls
          + "\n";
    }

    @Test
    void callsGoOverTlsTrustingTheConfiguredCa() throws Exception {
      try (UpstreamFixture server =
          UpstreamFixture.tls(certs.path("server.pem"), certs.path("server.key"))) {
        McpHttpClient c = session(tls(server, "{ caFile: " + certs.path("server.pem") + " }"));
        JsonObject r = call(c, "sec_GetItem", new JsonObject().put("sku", "T"));
        assertThat(r.getBoolean("isError", false)).as("%s", r).isFalse();
        JsonObject named =
            call(
                session(
                    tls(
                        server,
                        "{ caFile: " + certs.path("server.pem") + ", serverName: localhost }")),
                "sec_GetItem",
                new JsonObject().put("sku", "T"));
        assertThat(named.getBoolean("isError", false)).as("%s", named).isFalse();
      }
    }

    @Test
    void aWrongCaOrServerNameFailsTheHandshakeWithoutDetail() throws Exception {
      try (UpstreamFixture server =
          UpstreamFixture.tls(certs.path("server.pem"), certs.path("server.key"))) {
        JsonObject r =
            call(
                session(tls(server, "{ caFile: " + certs.path("other.pem") + " }")),
                "sec_GetItem",
                new JsonObject().put("sku", "T"));
        assertThat(r.getBoolean("isError")).isTrue();
        assertThat(text(r)).startsWith("UNAVAILABLE: the secure (TLS) connection");
        assertNoLeak(text(r));
        JsonObject wrongName =
            call(
                session(
                    tls(
                        server,
                        "{ caFile: " + certs.path("server.pem") + ", serverName: wrong.example }")),
                "sec_GetItem",
                new JsonObject().put("sku", "T"));
        assertThat(wrongName.getBoolean("isError")).isTrue();
        assertThat(text(wrongName)).startsWith("UNAVAILABLE: the secure (TLS) connection");
        assertThat(server.calls().metadata).isEmpty();
      }
    }

    @Test
    void mutualTlsNeedsTheClientCertificate() throws Exception {
      try (UpstreamFixture server =
          UpstreamFixture.mutualTls(
              certs.path("server.pem"), certs.path("server.key"), certs.path("clientca.pem"))) {
        JsonObject ok =
            call(
                session(
                    tls(
                        server,
                        "{ caFile: "
                            + certs.path("server.pem")
                            + ", certFile: "
                            + certs.path("trident.pem")
                            + ", keyFile: "
                            + certs.path("trident.key")
                            + " }")),
                "sec_GetItem",
                new JsonObject().put("sku", "M"));
        assertThat(ok.getBoolean("isError", false)).as("%s", ok).isFalse();
        JsonObject missing =
            call(
                session(tls(server, "{ caFile: " + certs.path("server.pem") + " }")),
                "sec_GetItem",
                new JsonObject().put("sku", "M"));
        assertThat(missing.getBoolean("isError")).isTrue();
        assertThat(text(missing)).startsWith("UNAVAILABLE: ");
        assertNoLeak(text(missing));
      }
    }
  }

  @Nested
  class Reflection {
    @Test
    void toolsAppearWhenTheUpstreamIsFirstReachedAndAreAnnounced() throws Exception {
      int port;
      try (java.net.ServerSocket probe =
          new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      Backend backend =
          UpstreamFixture.backend(
              vertx,
              "upstreams:\n  - name: refl\n    target: 127.0.0.1:"
                  + port
                  + "\n    reflection: true\n    insecure: true\n");
      java.util.concurrent.atomic.AtomicInteger changes =
          new java.util.concurrent.atomic.AtomicInteger();
      backend.addListener(
          new io.trident.backend.BackendListener() {
            @Override
            public void toolsChanged() {
              changes.incrementAndGet();
            }
          });
      assertThat(backend.tools()).as("the upstream is down: nothing yet").isEmpty();
      await(UpstreamFixture.reflecting(vertx, port));
      long until = System.currentTimeMillis() + 8_000;
      while (backend.tool("refl_GetItem").isEmpty() && System.currentTimeMillis() < until) {
        Thread.sleep(50);
      }
      assertThat(backend.tools().stream().map(t -> t.name()))
          .as("the services it serves: not the reflection service, nor Audit (defined, not served)")
          .containsExactlyInAnyOrder("refl_GetItem", "refl_Echo", "refl_Slow", "refl_Fail");
      assertThat(changes.get()).isPositive();
      // and the tool works through the transport
      ServerOptions opts = ServerOptions.defaults(Implementation.of("t", "1"));
      HttpTransportOptions http = TestHttpOptions.loopback().build();
      HttpVerticle verticle =
          new HttpVerticle(
              new StreamableHttpTransport(vertx, new McpServer(vertx, backend, opts), http), http);
      await(vertx.deployVerticle(verticle));
      McpHttpClient c = new McpHttpClient(vertx, verticle.actualPort());
      clients.add(c);
      c.initialize();
      JsonObject r = call(c, "refl_GetItem", new JsonObject().put("sku", "R"));
      assertThat(r.getJsonObject("structuredContent").getString("name")).isEqualTo("Reflected");
    }
  }
}
