package io.trident.transport.http;

import static io.trident.auth.StreamGuardFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.backend.Tool;
import io.trident.model.CallToolResult;
import io.trident.store.Revocation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCP 2026-07-28 on the Streamable HTTP endpoint (SPEC.md §11), with the JDK's HTTP client on a
 * real socket and real tokens: era routing, the order of checks and their HTTP statuses, results,
 * listen streams under the stream guard, and the integrity of {@code requestState}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModernHttpTest {

  private static final String V = "2026-07-28";

  @TempDir Path dir;
  private Vertx vertx;
  private StreamGuardFixture fixture;
  private URI endpoint;
  private final HttpClient http = HttpClient.newHttpClient();
  private String alice;
  private String bob;
  private int nextId = 1;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    fixture = StreamGuardFixture.create(vertx, dir, TestKeys.secret(), null, null, false);
    fixture.backend.addTool(
        Tool.builder("ask_name")
            .description("asks the user's name, then greets")
            .handler(
                (args, ctx) ->
                    ctx.client()
                        .elicit(
                            "who",
                            new JsonObject()
                                .put("message", "Name?")
                                .put("requestedSchema", new JsonObject().put("type", "object")))
                        .map(
                            r ->
                                CallToolResult.text(
                                    "Hello, " + r.getJsonObject("content").getString("name")))
                        .recover(
                            e ->
                                e instanceof java.util.concurrent.CancellationException
                                    ? Future.failedFuture(e)
                                    : Future.succeededFuture(CallToolResult.error(e.getMessage()))))
            .build());
    fixture.backend.addTool(
        Tool.builder("chatty")
            .description("logs twice")
            .handler(
                (args, ctx) -> {
                  ctx.log().log("debug", null, "detail");
                  ctx.log().log("warning", null, "careful");
                  return ctx.sleep(Duration.ofMillis(20)).map(v -> CallToolResult.text("done"));
                })
            .build());
    HttpTransportOptions options = TestHttpOptions.loopback().build();
    StreamableHttpTransport transport =
        new StreamableHttpTransport(vertx, fixture.server, options, fixture.authenticator);
    HttpVerticle verticle = new HttpVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    endpoint = URI.create("http://127.0.0.1:" + verticle.actualPort() + "/mcp");
    alice = fixture.token("alice", "*", "m-alice");
    bob = fixture.token("bob", "*", "m-bob");
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
    await(vertx.close());
  }

  // --- Helpers
  // ------------------------------------------------------------------------------------

  private static JsonObject meta(JsonObject capabilities) {
    return new JsonObject()
        .put("io.modelcontextprotocol/protocolVersion", V)
        .put("io.modelcontextprotocol/clientCapabilities", capabilities);
  }

  private JsonObject request(String method, JsonObject params) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", nextId++)
        .put("method", method)
        .put("params", params);
  }

  /** Headers a conforming client sends for {@code body}. */
  private static Map<String, String> headers(JsonObject body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("MCP-Protocol-Version", V);
    h.put("Mcp-Method", body.getString("method"));
    JsonObject params = body.getJsonObject("params", new JsonObject());
    String name = params.getString("name", params.getString("uri"));
    if (name != null) {
      h.put("Mcp-Name", name);
    }
    return h;
  }

  record Got(int status, HttpResponse<String> raw, JsonObject json, List<JsonObject> events) {}

  private Got post(String token, JsonObject body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(endpoint)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    List<JsonObject> events = new ArrayList<>();
    JsonObject json = null;
    if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
      for (String line : r.body().split("\n")) {
        if (line.startsWith("data: ")) {
          events.add(new JsonObject(line.substring(6)));
        }
      }
      json = events.isEmpty() ? null : events.get(events.size() - 1);
    } else if (!r.body().isEmpty()) {
      json = new JsonObject(r.body());
    }
    return new Got(r.statusCode(), r, json, events);
  }

  private Got post(String token, JsonObject body) throws Exception {
    return post(token, body, headers(body));
  }

  private static int code(Got r) {
    return r.json().getJsonObject("error").getInteger("code");
  }

  // --- Routing, checks, results ---------------------------------------------------------------

  @Test
  void discoverAnswersWithVersionsCapabilitiesAndCacheHintsAndNoSession() throws Exception {
    Got r =
        post(
            alice,
            request("server/discover", new JsonObject().put("_meta", meta(new JsonObject()))));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("Mcp-Session-Id")).isEmpty();
    JsonObject result = r.json().getJsonObject("result");
    assertThat(result.getJsonArray("supportedVersions").getList()).containsExactly(V);
    assertThat(result.getString("resultType")).isEqualTo("complete");
    assertThat(result.getLong("ttlMs")).isNotNegative();
    assertThat(result.getString("cacheScope")).isIn("public", "private");
    assertThat(result.getJsonObject("capabilities").containsKey("tools")).isTrue();
    assertThat(
            result
                .getJsonObject("_meta")
                .getJsonObject("io.modelcontextprotocol/serverInfo")
                .getString("name"))
        .isEqualTo("trident-stream-guard-test");
  }

  @Test
  void checksRunInTheSpecifiedOrderWithTheirStatuses() throws Exception {
    // _meta missing -> -32602 / 400, even with a bad header and an unknown method.
    JsonObject noMeta = request("initialize", new JsonObject());
    Got r = post(alice, noMeta, Map.of("MCP-Protocol-Version", V, "Mcp-Method", "wrong"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(code(r)).isEqualTo(-32602);
    assertThat(r.json().getValue("id")).isEqualTo(noMeta.getValue("id"));
    // header vs _meta version -> -32020 before the version check.
    JsonObject v999 =
        request(
            "server/discover",
            new JsonObject()
                .put(
                    "_meta",
                    meta(new JsonObject())
                        .put("io.modelcontextprotocol/protocolVersion", "v999.0.0")));
    r = post(alice, v999);
    assertThat(r.status()).isEqualTo(400);
    assertThat(code(r)).isEqualTo(-32020);
    // consistent but unsupported -> -32022 with data.
    Map<String, String> h = headers(v999);
    h.put("MCP-Protocol-Version", "v999.0.0");
    r = post(alice, v999, h);
    assertThat(r.status()).isEqualTo(400);
    assertThat(code(r)).isEqualTo(-32022);
    JsonObject data = r.json().getJsonObject("error").getJsonObject("data");
    assertThat(data.getJsonArray("supported").getList()).containsExactly(V);
    assertThat(data.getString("requested")).isEqualTo("v999.0.0");
    // removed methods under the 2026 marker -> 404 / -32601.
    for (String removed :
        List.of("initialize", "ping", "logging/setLevel", "resources/subscribe", "unknown/x")) {
      r = post(alice, request(removed, new JsonObject().put("_meta", meta(new JsonObject()))));
      assertThat(r.status()).as(removed).isEqualTo(404);
      assertThat(code(r)).as(removed).isEqualTo(-32601);
    }
    // undeclared capability -> -32021 / 400 with a ClientCapabilities object.
    fixture.backend.addTool(
        Tool.builder("needs_sampling")
            .description("samples")
            .handler(
                (args, ctx) ->
                    ctx.client().createMessage(new JsonObject()).map(x -> CallToolResult.text("x")))
            .build());
    r =
        post(
            alice,
            request(
                "tools/call",
                new JsonObject()
                    .put("name", "needs_sampling")
                    .put("_meta", meta(new JsonObject()))));
    assertThat(r.status()).isEqualTo(400);
    assertThat(code(r)).isEqualTo(-32021);
    assertThat(
            r.json()
                .getJsonObject("error")
                .getJsonObject("data")
                .getJsonObject("requiredCapabilities")
                .getJsonObject("sampling"))
        .isNotNull();
  }

  @Test
  void routingHeadersAreCheckedAgainstTheBody() throws Exception {
    JsonObject call =
        request(
            "tools/call",
            new JsonObject().put("name", "chatty").put("_meta", meta(new JsonObject())));
    Map<String, String> h = headers(call);
    h.put("Mcp-Method", "tools/list");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
    h = headers(call);
    h.remove("Mcp-Name");
    assertThat(post(alice, call, h).status()).isEqualTo(400);
    h = headers(call);
    h.put("Mcp-Name", "Chatty");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
    // base64-wrapped names are decoded; bad base64 is a mismatch.
    h = headers(call);
    h.put("Mcp-Name", "=?base64?Y2hhdHR5?=");
    assertThat(post(alice, call, h).status()).isEqualTo(200);
    h.put("Mcp-Name", "=?base64?Y2hhdHR5?!=");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
    h.put("Mcp-Name", "=?base64?Y2hhdHR?=");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
    assertThat(ModernHttp.decode("=?base64?SGVsbG8=?=")).isEqualTo("Hello");
    assertThat(ModernHttp.decode("=?base64?SGVsbG8")).isEqualTo("=?base64?SGVsbG8");
    // No MCP-Protocol-Version at all (era known from _meta): -32020.
    h = headers(call);
    h.remove("MCP-Protocol-Version");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
  }

  @Test
  void xMcpHeaderArgumentsMustMatchTheirParamHeaders() throws Exception {
    fixture.backend.addTool(
        Tool.builder("regional")
            .description("has a header-mirrored argument")
            .inputSchema(
                new JsonObject()
                    .put("type", "object")
                    .put(
                        "properties",
                        new JsonObject()
                            .put(
                                "region",
                                new JsonObject()
                                    .put("type", "string")
                                    .put("x-mcp-header", "Region"))
                            .put(
                                "count",
                                new JsonObject()
                                    .put("type", "integer")
                                    .put("x-mcp-header", "Count"))))
            .handler((a, ctx) -> Future.succeededFuture(CallToolResult.text("ok")))
            .build());
    JsonObject call =
        request(
            "tools/call",
            new JsonObject()
                .put("name", "regional")
                .put("arguments", new JsonObject().put("region", "Hello").put("count", 10))
                .put("_meta", meta(new JsonObject())));
    Map<String, String> h = headers(call);
    h.put("Mcp-Param-Region", "=?base64?SGVsbG8=?=");
    h.put("Mcp-Param-Count", "1e1");
    assertThat(post(alice, call, h).status()).isEqualTo(200);
    h.put("Mcp-Param-Region", "=?base64?SGVsbG8?=");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
    h.put("Mcp-Param-Region", "Hello");
    h.remove("Mcp-Param-Count");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
    h.put("Mcp-Param-Count", "11");
    assertThat(code(post(alice, call, h))).isEqualTo(-32020);
  }

  @Test
  void getAndDeleteAre405AndSessionsAreUntouched() throws Exception {
    for (String method : List.of("GET", "DELETE")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(endpoint)
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .header("Accept", "text/event-stream")
                  .header("Authorization", "Bearer " + alice)
                  .header("MCP-Protocol-Version", V)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(method).isEqualTo(405);
    }
  }

  @Test
  void errorsFollowTheRevisionOfTheRequest() throws Exception {
    String uri = "test://nothing-here";
    Got r =
        post(
            alice,
            request(
                "resources/read",
                new JsonObject().put("uri", uri).put("_meta", meta(new JsonObject()))));
    assertThat(r.status()).isEqualTo(200);
    assertThat(code(r)).isEqualTo(-32602);
    assertThat(r.json().getJsonObject("error").getJsonObject("data").getString("uri"))
        .isEqualTo(uri);
    // The same read in a 2025 session keeps -32002.
    McpHttpClient legacy = new McpHttpClient(vertx, endpoint.getPort());
    legacy.credentials.put("Authorization", "Bearer " + alice);
    try {
      legacy.initialize();
      JsonObject reply =
          legacy
              .post(McpHttpClient.request(7, "resources/read", new JsonObject().put("uri", uri)))
              .json();
      assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32002);
    } finally {
      legacy.close();
    }
  }

  @Test
  void logsOnlyWhenTheRequestAsksAndAtItsLevel() throws Exception {
    JsonObject params = new JsonObject().put("name", "chatty").put("_meta", meta(new JsonObject()));
    Got quiet = post(alice, request("tools/call", params.copy()));
    assertThat(quiet.events()).isEmpty();
    assertThat(quiet.json().getJsonObject("result").getString("resultType")).isEqualTo("complete");
    params.getJsonObject("_meta").put("io.modelcontextprotocol/logLevel", "info");
    Got loud = post(alice, request("tools/call", params));
    List<String> levels =
        loud.events().stream()
            .filter(e -> "notifications/message".equals(e.getString("method")))
            .map(e -> e.getJsonObject("params").getString("level"))
            .toList();
    assertThat(levels).containsExactly("warning");
    assertThat(loud.json().getJsonObject("result").getString("resultType")).isEqualTo("complete");
  }

  @Test
  void listsCarryCacheHintsAndEveryResultAResultType() throws Exception {
    for (String m :
        List.of("tools/list", "prompts/list", "resources/list", "resources/templates/list")) {
      JsonObject result =
          post(alice, request(m, new JsonObject().put("_meta", meta(new JsonObject()))))
              .json()
              .getJsonObject("result");
      assertThat(result.getString("resultType")).as(m).isEqualTo("complete");
      assertThat(result.getString("cacheScope")).as(m).isEqualTo("private");
      assertThat(result.getLong("ttlMs")).as(m).isNotNegative();
    }
  }

  @Test
  void aLongCallEndsWithItsCredentialAndTheReason() throws Exception {
    long exp = StreamGuardFixture.soon();
    String token = fixture.token("frank", "*", exp, "m-frank");
    JsonObject params =
        new JsonObject()
            .put("name", "simulate_work")
            .put("arguments", new JsonObject().put("seconds", 20).put("steps", 200))
            .put("_meta", meta(new JsonObject()).put("progressToken", "p"));
    Got r = post(token, request("tools/call", params));
    long at = System.currentTimeMillis();
    assertThat(r.events()).isNotEmpty();
    assertThat(r.json().getJsonObject("error").getJsonObject("data").getString("reason"))
        .isEqualTo("token_expiry");
    assertThat(at - exp * 1000).as("ms after exp").isBetween(0L, 1500L);
    // Nothing after the answer, and no progress after the expiry.
    assertThat(r.events().get(r.events().size() - 1)).isEqualTo(r.json());
  }

  // --- Multi-round-trip -----------------------------------------------------------------------

  private JsonObject askName(String token, JsonObject extra) throws Exception {
    JsonObject params =
        new JsonObject()
            .put("name", "ask_name")
            .put("arguments", new JsonObject().put("x", 1))
            .put("_meta", meta(new JsonObject().put("elicitation", new JsonObject())));
    extra.forEach(e -> params.put(e.getKey(), e.getValue()));
    return post(token, request("tools/call", params)).json();
  }

  private static JsonObject answer(String name) {
    return new JsonObject()
        .put(
            "who",
            new JsonObject()
                .put("action", "accept")
                .put("content", new JsonObject().put("name", name)));
  }

  @Test
  void inputRequiredCompletesOnRetryWithTheAnswer() throws Exception {
    JsonObject first = askName(alice, new JsonObject()).getJsonObject("result");
    assertThat(first.getString("resultType")).isEqualTo("input_required");
    assertThat(first.getJsonObject("inputRequests").getJsonObject("who").getString("method"))
        .isEqualTo("elicitation/create");
    assertThat(first.containsKey("ttlMs")).isFalse();
    String state = first.getString("requestState");
    JsonObject done =
        askName(
                alice,
                new JsonObject().put("inputResponses", answer("Ada")).put("requestState", state))
            .getJsonObject("result");
    assertThat(done.getString("resultType")).isEqualTo("complete");
    assertThat(done.getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("Hello, Ada");
  }

  @Test
  void forgedReplayedForeignAndExpiredStatesAreRefused() throws Exception {
    String state =
        askName(alice, new JsonObject()).getJsonObject("result").getString("requestState");
    // Forged: one character of the payload changed (the MAC no longer matches).
    char c = state.charAt(5);
    String forged = state.substring(0, 5) + (c == 'A' ? 'B' : 'A') + state.substring(6);
    JsonObject reply =
        askName(
            alice, new JsonObject().put("inputResponses", answer("x")).put("requestState", forged));
    assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    // Another principal's state.
    reply =
        askName(
            bob, new JsonObject().put("inputResponses", answer("x")).put("requestState", state));
    assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    // (That attempt used it up: states are single-use whoever presents them.)
    String fresh =
        askName(alice, new JsonObject()).getJsonObject("result").getString("requestState");
    reply =
        askName(
            alice,
            new JsonObject().put("inputResponses", answer("Ada")).put("requestState", fresh));
    assertThat(reply.getJsonObject("result").getString("resultType")).isEqualTo("complete");
    // Replayed.
    reply =
        askName(
            alice,
            new JsonObject().put("inputResponses", answer("Ada")).put("requestState", fresh));
    assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    assertThat(reply.getJsonObject("error").getString("message")).contains("already used");
    // Other arguments than the state was issued for.
    String other =
        askName(alice, new JsonObject()).getJsonObject("result").getString("requestState");
    JsonObject params =
        new JsonObject()
            .put("name", "ask_name")
            .put("arguments", new JsonObject().put("x", 2))
            .put("inputResponses", answer("Ada"))
            .put("requestState", other)
            .put("_meta", meta(new JsonObject().put("elicitation", new JsonObject())));
    reply = post(alice, request("tools/call", params)).json();
    assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    // Expired: a short-lived key set.
    fixture
        .server
        .modern()
        .useRequestStates(
            io.trident.server.RequestStates.fromFile(
                dir.resolve("state.key"), Duration.ofMillis(1)));
    assertThat(dir.resolve("state.key")).exists();
    String expiring =
        askName(alice, new JsonObject()).getJsonObject("result").getString("requestState");
    Thread.sleep(20);
    reply =
        askName(
            alice,
            new JsonObject().put("inputResponses", answer("Ada")).put("requestState", expiring));
    assertThat(reply.getJsonObject("error").getString("message")).contains("expired");
  }

  // --- Listen ---------------------------------------------------------------------------------

  /** Opens a listen stream; returns its lines' JSON messages as they come. */
  private final class Listen implements AutoCloseable {
    final HttpResponse<InputStream> response;
    final BufferedReader reader;

    Listen(String token, JsonObject notifications) throws Exception {
      JsonObject body =
          request(
              "subscriptions/listen",
              new JsonObject()
                  .put("notifications", notifications)
                  .put("_meta", meta(new JsonObject())));
      HttpRequest.Builder b =
          HttpRequest.newBuilder(endpoint)
              .header("Content-Type", "application/json")
              .header("Accept", "application/json, text/event-stream")
              .header("Authorization", "Bearer " + token)
              .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
      headers(body).forEach(b::header);
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    JsonObject next() throws Exception {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith("data: ")) {
          return new JsonObject(line.substring(6));
        }
      }
      return null;
    }

    @Override
    public void close() throws Exception {
      response.body().close();
    }
  }

  @Test
  void listenAcknowledgesFirstAndSendsOnlyWhatWasAskedTagged() throws Exception {
    long exp = StreamGuardFixture.expIn(600);
    String token = fixture.token("carol", "*", exp, "m-carol");
    try (Listen listen = new Listen(token, new JsonObject().put("toolsListChanged", true))) {
      assertThat(listen.response.statusCode()).isEqualTo(200);
      JsonObject ack = listen.next();
      assertThat(ack.getString("method")).isEqualTo("notifications/subscriptions/acknowledged");
      JsonObject params = ack.getJsonObject("params");
      assertThat(params.getJsonObject("notifications").fieldNames())
          .containsExactly("toolsListChanged");
      assertThat(Instant.parse(params.getString("authorizedUntil")))
          .isEqualTo(Instant.ofEpochSecond(exp));
      Object id = params.getJsonObject("_meta").getValue("io.modelcontextprotocol/subscriptionId");
      assertThat(id).isNotNull();
      // A prompt change is not asked for; a tool change is.
      fixture.backend.prompt("nothing").ifPresent(fixture.backend::addPrompt);
      fixture.backend.addPrompt(
          io.trident.backend.Prompt.of(
              new io.trident.model.PromptInfo("p", null, "a prompt", null, null),
              (a, ctx) ->
                  Future.succeededFuture(new io.trident.model.GetPromptResult(null, List.of()))));
      fixture.backend.addTool(
          Tool.builder("new_tool")
              .description("new")
              .handler((a, ctx) -> Future.succeededFuture(CallToolResult.text("n")))
              .build());
      JsonObject change = listen.next();
      assertThat(change.getString("method")).isEqualTo("notifications/tools/list_changed");
      assertThat(
              change
                  .getJsonObject("params")
                  .getJsonObject("_meta")
                  .getValue("io.modelcontextprotocol/subscriptionId"))
          .isEqualTo(id);
    }
  }

  @Test
  void listenEndsWithAuthorizationEndedAtExpiryAndOnRevocation() throws Exception {
    long exp = StreamGuardFixture.soon();
    try (Listen listen =
        new Listen(
            fixture.token("dave", "*", exp, "m-dave"),
            new JsonObject().put("toolsListChanged", true))) {
      assertThat(listen.next().getString("method"))
          .isEqualTo("notifications/subscriptions/acknowledged");
      JsonObject last = listen.next();
      assertThat(last.getJsonObject("error").getInteger("code")).isEqualTo(-32028);
      assertThat(last.getJsonObject("error").getJsonObject("data").getString("reason"))
          .isEqualTo("token_expiry");
      assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(exp * 1000);
      assertThat(listen.next()).isNull();
    }
    try (Listen listen =
        new Listen(
            fixture.token("erin", "*", "m-erin"), new JsonObject().put("toolsListChanged", true))) {
      assertThat(listen.next().getString("method"))
          .isEqualTo("notifications/subscriptions/acknowledged");
      await(fixture.guards.store().revoke(Revocation.token("m-erin")));
      JsonObject last = listen.next();
      assertThat(last.getJsonObject("error").getInteger("code")).isEqualTo(-32028);
      assertThat(last.getJsonObject("error").getJsonObject("data").getString("reason"))
          .isEqualTo("revoked");
    }
  }

  @Test
  void serverEndsListenStreamsWithTheirResultOnShutdown() throws Exception {
    try (Listen listen = new Listen(alice, new JsonObject().put("promptsListChanged", true))) {
      assertThat(listen.next().getString("method"))
          .isEqualTo("notifications/subscriptions/acknowledged");
      fixture.server.drain(Duration.ofMillis(10));
      JsonObject last = listen.next();
      assertThat(last.getJsonObject("result").getString("resultType")).isEqualTo("complete");
      assertThat(
              last.getJsonObject("result")
                  .getJsonObject("_meta")
                  .getValue("io.modelcontextprotocol/subscriptionId"))
          .isEqualTo(last.getValue("id"));
    }
  }
}
