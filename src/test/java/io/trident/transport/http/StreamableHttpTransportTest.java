package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static io.trident.transport.http.McpHttpClient.initializeRequest;
import static io.trident.transport.http.McpHttpClient.notification;
import static io.trident.transport.http.McpHttpClient.request;
import static io.trident.transport.http.McpHttpClient.toolCall;
import static io.trident.transport.http.McpHttpClient.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.backend.Backend;
import io.trident.backend.Tool;
import io.trident.context.Cancellation;
import io.trident.model.CallToolResult;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Streamable HTTP transport end to end: the real request handler on a real socket, driven by a
 * Vert.x HTTP client the way an MCP client drives it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class StreamableHttpTransportTest {

  private static final long SHORT_MS = 3_000;

  private Vertx vertx;
  private Backend backend;
  private int port;
  private StreamableHttpTransport transport;
  private final List<McpHttpClient> clients = new ArrayList<>();

  /** Request ids of tool calls that started. */
  private final BlockingQueue<Object> started = new LinkedBlockingQueue<>();

  /** Why tool calls were cancelled (first reason only). */
  private final BlockingQueue<Cancellation.Reason> cancelled = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.backend = testBackend();
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpHttpClient::close);
  }

  // --- Fixture ----------------------------------------------------------------------------------

  private Backend testBackend() {
    Backend b = new Backend();
    b.addTool(
        Tool.builder("echo")
            .description("echoes text")
            .handler(
                (args, ctx) -> Future.succeededFuture(CallToolResult.text(args.getString("text"))))
            .build());
    b.addTool(
        Tool.builder("slow")
            .description("runs until cancelled")
            .handler(
                (args, ctx) -> {
                  ctx.cancellation().future().onSuccess(cancelled::add);
                  started.add(ctx.requestId());
                  return ctx.sleep(Duration.ofSeconds(30)).map(v -> CallToolResult.text("late"));
                })
            .build());
    b.addTool(
        Tool.builder("sleepy")
            .description("answers its tag after ms milliseconds")
            .handler(
                (args, ctx) ->
                    ctx.sleep(Duration.ofMillis(args.getLong("ms")))
                        .map(v -> CallToolResult.text(args.getString("tag"))))
            .build());
    b.addTool(
        Tool.builder("progress")
            .description("reports progress three times")
            .handler(
                (args, ctx) -> {
                  ctx.progress().report(1, 3.0, "one");
                  ctx.progress().report(2, 3.0, "two");
                  ctx.progress().report(3, 3.0, "three");
                  return Future.succeededFuture(CallToolResult.text("ok"));
                })
            .build());
    b.addTool(
        Tool.builder("resumable")
            .description("progress, closes its stream, more progress, result")
            .handler(
                (args, ctx) -> {
                  ctx.progress().report(1, 4.0, "one");
                  ctx.progress().report(2, 4.0, "two");
                  ctx.closeStream();
                  return ctx.sleep(Duration.ofMillis(args.getLong("delayMs", 200L)))
                      .map(
                          v -> {
                            ctx.progress().report(3, 4.0, "three");
                            ctx.progress().report(4, 4.0, "four");
                            return CallToolResult.text("resumed");
                          });
                })
            .build());
    b.addTool(
        Tool.builder("sample")
            .description("asks the client's model")
            .handler(
                (args, ctx) ->
                    ctx.client()
                        .createMessage(
                            new JsonObject()
                                .put(
                                    "messages",
                                    new JsonArray()
                                        .add(
                                            new JsonObject()
                                                .put("role", "user")
                                                .put(
                                                    "content",
                                                    new JsonObject()
                                                        .put("type", "text")
                                                        .put("text", "hello"))))
                                .put("maxTokens", 10))
                        .map(
                            r ->
                                CallToolResult.text(
                                    "model said " + r.getJsonObject("content").getString("text"))))
            .build());
    b.addTool(
        Tool.builder("progress_then_sleep")
            .description("reports progress once, then sleeps ms milliseconds")
            .handler(
                (args, ctx) -> {
                  ctx.cancellation().future().onSuccess(cancelled::add);
                  started.add(ctx.requestId());
                  ctx.progress().report(1, null, "started");
                  return ctx.sleep(Duration.ofMillis(args.getLong("ms")))
                      .map(v -> CallToolResult.text("slept"));
                })
            .build());
    b.addTool(
        Tool.builder("pollable")
            .description("closes its stream at once (SSE polling), answers 100 ms later")
            .handler(
                (args, ctx) -> {
                  ctx.closeStream();
                  return ctx.sleep(Duration.ofMillis(100)).map(v -> CallToolResult.text("polled"));
                })
            .build());
    b.tools().forEach(Tool::compileSchemas);
    return b;
  }

  private int start(HttpTransportOptions httpOptions) {
    ServerOptions opts =
        ServerOptions.defaults(Implementation.of("trident-http-test", "1"))
            .withRequestTimeout(Duration.ofSeconds(30));
    transport =
        new StreamableHttpTransport(vertx, new McpServer(vertx, backend, opts), httpOptions);
    HttpVerticle verticle = new HttpVerticle(transport, httpOptions);
    await(vertx.deployVerticle(verticle));
    port = verticle.actualPort();
    return port;
  }

  private int start() {
    return start(TestHttpOptions.loopback().build());
  }

  private int start(Consumer<TestHttpOptions> change) {
    TestHttpOptions o = TestHttpOptions.loopback();
    change.accept(o);
    return start(o.build());
  }

  private McpHttpClient client() {
    return client(new HttpClientOptions());
  }

  private McpHttpClient client(HttpClientOptions options) {
    McpHttpClient c = new McpHttpClient(vertx, port, options);
    clients.add(c);
    return c;
  }

  /** A client with an initialized session. */
  private McpHttpClient session() {
    McpHttpClient c = client();
    c.initialize();
    return c;
  }

  private static void assertStatus(Reply reply, int status) {
    assertThat(reply.status)
        .as("status (body: %s)", reply.isSse() ? "<sse>" : reply.body())
        .isEqualTo(status);
  }

  private static int errorCode(JsonObject response) {
    assertThat(response.containsKey("error")).as("expected an error in %s", response).isTrue();
    return response.getJsonObject("error").getInteger("code");
  }

  private static String text(JsonObject response) {
    assertThat(response.containsKey("error")).as("unexpected error in %s", response).isFalse();
    return response
        .getJsonObject("result")
        .getJsonArray("content")
        .getJsonObject(0)
        .getString("text");
  }

  /** The exchange of a cancelled request: reset, or ended without a JSON-RPC response. */
  private static void assertNoJsonRpcResponse(Future<Reply> exchange) {
    try {
      exchange.toCompletionStage().toCompletableFuture().get(Reply.WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return; // the connection was reset: no response either
    }
    Reply reply = exchange.result();
    if (reply.isSse()) {
      assertThat(reply.rest()).noneMatch(e -> !e.isPriming() && !e.json().containsKey("method"));
    } else {
      assertThat(reply.body()).as("no JSON-RPC response").doesNotContain("\"result\"");
    }
  }

  private static <T> T poll(BlockingQueue<T> queue, long ms) throws InterruptedException {
    return queue.poll(ms, TimeUnit.MILLISECONDS);
  }

  // --- Tests ------------------------------------------------------------------------------------

  @Nested
  class Sessions {

    @Test
    void initializeReturnsJsonWithAVisibleAsciiSessionId() {
      start();
      McpHttpClient c = client();
      Reply r = c.post(initializeRequest("2025-11-25", new JsonObject()));
      assertStatus(r, 200);
      assertThat(r.header("Content-Type")).startsWith("application/json");
      assertThat(r.header("Mcp-Session-Id")).matches("[\\x21-\\x7E]{32,}");
      JsonObject json = r.json();
      assertThat(json.getValue("id")).isEqualTo(0);
      assertThat(json.getJsonObject("result").getString("protocolVersion")).isEqualTo("2025-11-25");
    }

    @Test
    void eachInitializeGetsItsOwnSession() {
      start();
      McpHttpClient a = session();
      McpHttpClient b = session();
      assertThat(a.sessionId).isNotEqualTo(b.sessionId);
    }

    @Test
    void notificationIsAcceptedWith202AndNoBody() {
      start();
      McpHttpClient c = session();
      Reply r = c.post(notification("notifications/initialized", null));
      assertStatus(r, 202);
      assertThat(r.body()).isEmpty();
    }

    @Test
    void requestWithoutSessionHeaderIs400() {
      start();
      McpHttpClient c = session();
      Reply r =
          c.post(
              request(1, "tools/list", null).encode(),
              with(c.postHeaders(), "Mcp-Session-Id", null));
      assertStatus(r, 400);
    }

    @Test
    void requestWithUnknownSessionIdIs404() {
      start();
      McpHttpClient c = session();
      c.sessionId = "no-such-session-0123456789abcdefghijklmnopqrstuvwxyz";
      assertStatus(c.post(request(1, "tools/list", null)), 404);
    }

    @Test
    void requestInASessionIsAnsweredAsJson() {
      start();
      McpHttpClient c = session();
      Reply r = c.post(toolCall(1, "echo", new JsonObject().put("text", "hi"), null));
      assertStatus(r, 200);
      assertThat(r.header("Content-Type")).startsWith("application/json");
      assertThat(text(r.json())).isEqualTo("hi");
    }

    @Test
    void deleteEndsTheSessionAndLaterRequestsGet404() {
      start();
      McpHttpClient c = session();
      assertStatus(c.delete(), 200);
      assertStatus(c.post(request(2, "tools/list", null)), 404);
      assertStatus(c.get(), 404);
      assertStatus(c.delete(), 404);
    }

    @Test
    void idleSessionExpiresAndThenGets404() throws Exception {
      start(o -> o.sessionIdleTimeout = Duration.ofMillis(300));
      McpHttpClient c = session();
      assertStatus(c.post(request(1, "ping", null)), 200);
      Thread.sleep(900);
      assertStatus(c.post(request(2, "ping", null)), 404);
    }

    @Test
    void expiryCancelsAToolRunningInTheSession() throws Exception {
      start(o -> o.sessionIdleTimeout = Duration.ofMillis(300));
      McpHttpClient c = session();
      Future<Reply> pending = c.postAsync(toolCall(5, "slow", null, null));
      assertThat(poll(started, SHORT_MS)).isEqualTo(5L);
      assertThat(poll(cancelled, SHORT_MS)).isEqualTo(Cancellation.Reason.DISCONNECTED);
      assertStatus(c.post(request(6, "ping", null)), 404);
      assertNoJsonRpcResponse(pending);
    }

    @Test
    void sessionsPerPrincipalAreCappedWith429() {
      start(o -> o.maxSessionsPerPrincipal = 2);
      session();
      session();
      Reply third = client().post(initializeRequest("2025-11-25", new JsonObject()));
      assertStatus(third, 429);
      assertThat(third.header("Mcp-Session-Id")).isNull();
    }

    @Test
    void deletingASessionFreesItsSlot() {
      start(o -> o.maxSessionsPerPrincipal = 2);
      McpHttpClient a = session();
      session();
      assertStatus(client().post(initializeRequest("2025-11-25", new JsonObject())), 429);
      assertStatus(a.delete(), 200);
      assertStatus(client().post(initializeRequest("2025-11-25", new JsonObject())), 200);
    }

    @Test
    void deleteCancelsToolsRunningInTheSession() throws Exception {
      start();
      McpHttpClient c = session();
      c.postAsync(toolCall(5, "slow", null, null));
      assertThat(poll(started, SHORT_MS)).isEqualTo(5L);
      assertStatus(c.delete(), 200);
      assertThat(poll(cancelled, SHORT_MS)).isEqualTo(Cancellation.Reason.DISCONNECTED);
    }

    @Test
    void failedInitializeCreatesNoSessionAndTakesNoSlot() {
      start(o -> o.maxSessionsPerPrincipal = 1);
      McpHttpClient c = client();
      Reply bad = c.post(request(0, "initialize", new JsonObject().put("capabilities", 1)));
      assertStatus(bad, 200);
      assertThat(errorCode(bad.json())).isEqualTo(-32602);
      assertThat(bad.header("Mcp-Session-Id")).isNull();
      assertThat(transport.sessionCount()).isZero();
      session();
      assertThat(transport.sessionCount()).isEqualTo(1);
    }

    @Test
    void otherPathsAre404() {
      start();
      McpHttpClient c = session();
      Reply r =
          c.exchange(
              HttpMethod.POST, "/other", c.postHeaders(), request(1, "ping", null).toBuffer());
      assertStatus(r, 404);
    }
  }

  @Nested
  class ProtocolVersionHeader {

    @Test
    void unsupportedVersionIs400() {
      start();
      McpHttpClient c = session();
      c.protocolVersion = "1999-01-01";
      assertStatus(c.post(request(1, "ping", null)), 400);
      assertStatus(c.get(), 400);
    }

    @Test
    void supportedVersionsAreAccepted() {
      start();
      McpHttpClient c = session();
      c.protocolVersion = "2025-03-26";
      assertStatus(c.post(request(1, "ping", null)), 200);
      c.protocolVersion = "2025-11-25";
      assertStatus(c.post(request(2, "ping", null)), 200);
    }

    @Test
    void absentVersionIsAccepted() {
      start();
      McpHttpClient c = session();
      c.protocolVersion = null;
      Reply r = c.post(request(1, "ping", null));
      assertStatus(r, 200);
      assertThat(r.json().getJsonObject("result")).isEqualTo(new JsonObject());
    }
  }

  @Nested
  class Door {

    @Test
    void foreignOriginIs403() {
      start();
      McpHttpClient c = client();
      Reply r =
          c.post(
              initializeRequest("2025-11-25", new JsonObject()).encode(),
              with(c.postHeaders(), "Origin", "http://evil.example.com"));
      assertStatus(r, 403);
      assertThat(r.header("Mcp-Session-Id")).isNull();
    }

    @Test
    void foreignHostIs403() {
      start();
      McpHttpClient c = client();
      HttpClientRequest req = c.open(HttpMethod.POST, "/mcp", c.postHeaders());
      req.authority(io.vertx.core.net.HostAndPort.create("evil.example.com", port));
      HttpClientResponse resp =
          await(req.send(initializeRequest("2025-11-25", new JsonObject()).toBuffer()));
      assertThat(resp.statusCode()).isEqualTo(403);
    }

    @Test
    void foreignHostHeaderIs403() {
      start();
      McpHttpClient c = client();
      Reply r =
          c.post(
              initializeRequest("2025-11-25", new JsonObject()).encode(),
              with(c.postHeaders(), "Host", "evil.example.com"));
      assertStatus(r, 403);
    }

    @Test
    void loopbackOriginOnAnyPortIsAllowed() {
      start();
      McpHttpClient c = client();
      Reply r =
          c.post(
              initializeRequest("2025-11-25", new JsonObject()).encode(),
              with(c.postHeaders(), "Origin", "http://localhost:1234"));
      assertStatus(r, 200);
      assertThat(r.header("Mcp-Session-Id")).isNotNull();
    }
  }

  @Nested
  class Framing {

    private static final long CAP = 1024;

    @Test
    void bodyOverTheCapWithContentLengthIs413() {
      start(o -> o.maxBodyBytes = CAP);
      McpHttpClient c = session();
      String big = "{\"pad\":\"" + "x".repeat(2000) + "\"}";
      Reply r = c.post(big, c.postHeaders());
      assertStatus(r, 413);
    }

    @Test
    void chunkedBodyOverTheCapIs413() {
      start(o -> o.maxBodyBytes = CAP);
      McpHttpClient c = session();
      HttpClientRequest req = c.open(HttpMethod.POST, "/mcp", c.postHeaders());
      req.setChunked(true);
      Future<HttpClientResponse> response = req.response();
      req.write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"");
      req.write("x".repeat(1500));
      assertThat(await(response).statusCode()).isEqualTo(413);
    }

    @Test
    void bodyUnderTheCapIsServed() {
      start(o -> o.maxBodyBytes = CAP);
      McpHttpClient c = session();
      JsonObject call = toolCall(1, "echo", new JsonObject().put("text", "y".repeat(700)), null);
      assertThat(call.encode().length()).isLessThan((int) CAP);
      Reply r = c.post(call);
      assertStatus(r, 200);
      assertThat(text(r.json())).hasSize(700);
    }

    @Test
    void wrongContentTypeIs415() {
      start();
      McpHttpClient c = session();
      Reply r =
          c.post(
              request(1, "ping", null).encode(),
              with(c.postHeaders(), "Content-Type", "text/plain"));
      assertStatus(r, 415);
    }

    @Test
    void postAcceptingOnlyJsonIs406() {
      start();
      McpHttpClient c = session();
      Reply r =
          c.post(
              request(1, "ping", null).encode(),
              with(c.postHeaders(), "Accept", "application/json"));
      assertStatus(r, 406);
    }

    @Test
    void getNotAcceptingEventStreamIs406() {
      start();
      McpHttpClient c = session();
      assertStatus(c.get(with(c.getHeaders(), "Accept", "application/json")), 406);
    }

    @Test
    void putIs405() {
      start();
      McpHttpClient c = session();
      Reply r = c.exchange(HttpMethod.PUT, "/mcp", c.postHeaders(), Buffer.buffer("{}"));
      assertStatus(r, 405);
      assertThat(r.header("Allow")).contains("POST");
    }

    @Test
    void malformedJsonIs400WithParseError() {
      start();
      McpHttpClient c = session();
      Reply r = c.post("{\"jsonrpc\": \"2.0\", \"id\": 1, oops", c.postHeaders());
      assertStatus(r, 400);
      JsonObject json = r.json();
      assertThat(errorCode(json)).isEqualTo(-32700);
      assertThat(json.containsKey("id")).isTrue();
      assertThat(json.getValue("id")).isNull();
    }

    @Test
    void unknownToolIs200WithInvalidParams() {
      start();
      McpHttpClient c = session();
      Reply r = c.post(toolCall(3, "no_such_tool", null, null));
      assertStatus(r, 200);
      JsonObject json = r.json();
      assertThat(json.getValue("id")).isEqualTo(3);
      assertThat(errorCode(json)).isEqualTo(-32602);
    }

    @Test
    void unknownMethodIs200WithMethodNotFound() {
      start();
      McpHttpClient c = session();
      Reply r = c.post(request("m-1", "no/such/method", null));
      assertStatus(r, 200);
      JsonObject json = r.json();
      assertThat(json.getValue("id")).isEqualTo("m-1");
      assertThat(errorCode(json)).isEqualTo(-32601);
    }
  }

  @Nested
  class Streaming {

    @Test
    void progressTurnsTheResponseIntoAnEventStream() {
      start();
      McpHttpClient c = session();
      Reply r = c.post(toolCall(5, "progress", null, "tok-1"));
      assertStatus(r, 200);
      assertThat(r.header("Content-Type")).startsWith("text/event-stream");
      List<SseEvent> events = r.rest();
      assertThat(events).hasSize(5);

      SseEvent priming = events.get(0);
      assertThat(priming.id()).isNotBlank();
      assertThat(priming.retry()).isNotBlank();
      assertThat(priming.data()).isEmpty();

      for (int i = 1; i <= 3; i++) {
        JsonObject n = events.get(i).json();
        assertThat(n.getString("method")).isEqualTo("notifications/progress");
        assertThat(n.getJsonObject("params").getString("progressToken")).isEqualTo("tok-1");
        assertThat(n.getJsonObject("params").getDouble("progress")).isEqualTo((double) i);
      }
      JsonObject response = events.get(4).json();
      assertThat(response.getValue("id")).isEqualTo(5);
      assertThat(text(response)).isEqualTo("ok");

      assertThat(events).allSatisfy(e -> assertThat(e.id()).isNotBlank());
      assertThat(events.stream().map(SseEvent::id).distinct()).hasSize(events.size());
    }

    @Test
    void eventIdsAreUniqueAcrossStreamsOfTheSession() {
      start();
      McpHttpClient c = session();
      Set<String> ids = new HashSet<>();
      int count = 0;
      for (int i = 0; i < 3; i++) {
        for (SseEvent e : c.post(toolCall(10 + i, "progress", null, "t" + i)).rest()) {
          ids.add(e.id());
          count++;
        }
      }
      assertThat(ids).hasSize(count);
    }

    @Test
    void concurrentPostsOnOneSessionAreEachAnsweredWithTheirOwnId() {
      start();
      McpHttpClient c = session();
      List<Future<Reply>> replies = new ArrayList<>();
      for (int i = 1; i <= 10; i++) {
        long ms = i == 1 ? 800 : 20;
        replies.add(
            c.postAsync(
                toolCall(i, "sleepy", new JsonObject().put("ms", ms).put("tag", "t" + i), null)));
      }
      for (int i = 2; i <= 10; i++) {
        Reply r = await(replies.get(i - 1));
        assertStatus(r, 200);
        JsonObject json = r.json();
        assertThat(json.getValue("id")).isEqualTo(i);
        assertThat(text(json)).isEqualTo("t" + i);
      }
      assertThat(replies.get(0).isComplete())
          .as("the slow call does not hold up the others")
          .isFalse();
      Reply slow = await(replies.get(0));
      assertStatus(slow, 200);
      assertThat(slow.json().getValue("id")).isEqualTo(1);
      assertThat(text(slow.json())).isEqualTo("t1");
    }

    @Test
    void reusedIdOfARequestInProgressIsRefusedAndTheFirstStillAnswered() {
      start();
      McpHttpClient c = session();
      Future<Reply> first =
          c.postAsync(
              toolCall(7, "sleepy", new JsonObject().put("ms", 500).put("tag", "first"), null));
      sleepQuietly(100);
      Reply reused =
          c.post(toolCall(7, "sleepy", new JsonObject().put("ms", 10).put("tag", "second"), null));
      assertStatus(reused, 200);
      assertThat(reused.json().getJsonObject("error").getInteger("code")).isEqualTo(-32600);
      Reply answer = await(first);
      assertStatus(answer, 200);
      assertThat(text(answer.json())).isEqualTo("first");
    }

    private static void sleepQuietly(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void assertResumesWithoutLossOrDuplicates(long toolDelayMs, long clientDelayMs)
        throws Exception {
      start();
      McpHttpClient c = session();
      Reply first =
          c.post(toolCall(9, "resumable", new JsonObject().put("delayMs", toolDelayMs), "r"));
      assertStatus(first, 200);
      assertThat(first.isSse()).isTrue();
      List<SseEvent> before = first.rest();
      assertThat(before).hasSize(3);
      assertThat(before.get(0).isPriming()).isTrue();
      assertThat(before.get(1).json().getJsonObject("params").getDouble("progress")).isEqualTo(1.0);
      assertThat(before.get(2).json().getJsonObject("params").getDouble("progress")).isEqualTo(2.0);

      Thread.sleep(clientDelayMs);
      String lastId = before.get(before.size() - 1).id();
      Reply resumed = c.get(with(c.getHeaders(), "Last-Event-ID", lastId));
      assertStatus(resumed, 200);
      assertThat(resumed.isSse()).isTrue();
      List<SseEvent> after = resumed.rest().stream().filter(e -> !e.isPriming()).toList();
      assertThat(after).hasSize(3);
      assertThat(after.get(0).json().getJsonObject("params").getDouble("progress")).isEqualTo(3.0);
      assertThat(after.get(1).json().getJsonObject("params").getDouble("progress")).isEqualTo(4.0);
      JsonObject response = after.get(2).json();
      assertThat(response.getValue("id")).isEqualTo(9);
      assertThat(text(response)).isEqualTo("resumed");

      List<SseEvent> all = new ArrayList<>(before.subList(1, before.size()));
      all.addAll(after);
      assertThat(all.stream().map(SseEvent::stream).distinct()).hasSize(1);
      assertThat(all.stream().map(SseEvent::seq).toList())
          .as("no gaps, no duplicates")
          .containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void resumingWhileTheToolRunsLosesNothing() throws Exception {
      assertResumesWithoutLossOrDuplicates(400, 0);
    }

    @Test
    void resumingAfterTheToolFinishedReplaysTheRest() throws Exception {
      assertResumesWithoutLossOrDuplicates(20, 400);
    }

    @Test
    void bogusLastEventIdIs400() {
      start();
      McpHttpClient c = session();
      assertStatus(c.get(with(c.getHeaders(), "Last-Event-ID", "bogus")), 400);
      assertStatus(c.get(with(c.getHeaders(), "Last-Event-ID", "999-1")), 400);
    }

    @Test
    void alwaysSseAnswersEvenAPingAsAnEventStream() {
      start(o -> o.alwaysSse = true);
      McpHttpClient c = session();
      Reply r = c.post(request(1, "ping", null));
      assertStatus(r, 200);
      assertThat(r.isSse()).isTrue();
      List<SseEvent> events = r.rest();
      assertThat(events).hasSize(2);
      assertThat(events.get(0).isPriming()).isTrue();
      assertThat(events.get(1).json().getValue("id")).isEqualTo(1);
      assertThat(events.get(1).json().getJsonObject("result")).isEqualTo(new JsonObject());
    }

    @Test
    void closeStreamBeforeAnyEventIsResumableFromThePrimingEvent() {
      start();
      McpHttpClient c = session();
      Reply first = c.post(toolCall(4, "pollable", null, null));
      assertStatus(first, 200);
      List<SseEvent> before = first.rest();
      assertThat(before).hasSize(1);
      assertThat(before.get(0).isPriming()).isTrue();
      assertThat(before.get(0).retry()).isEqualTo("1000");

      Reply resumed = c.get(with(c.getHeaders(), "Last-Event-ID", before.get(0).id()));
      assertStatus(resumed, 200);
      List<SseEvent> after = resumed.rest();
      assertThat(after).hasSize(1);
      assertThat(after.get(0).json().getValue("id")).isEqualTo(4);
      assertThat(text(after.get(0).json())).isEqualTo("polled");
    }

    @Test
    void resumingBeyondTheReplayWindowIs400NotASilentGap() throws Exception {
      start(o -> o.eventsPerStream = 2);
      McpHttpClient c = session();
      Reply first = c.post(toolCall(9, "resumable", new JsonObject().put("delayMs", 20), "r"));
      List<SseEvent> before = first.rest();
      assertThat(before).hasSize(3);
      Thread.sleep(300);
      // p3, p4 and the result were sent since: only the last two are kept.
      Reply resumed = c.get(with(c.getHeaders(), "Last-Event-ID", before.get(2).id()));
      assertStatus(resumed, 400);
    }

    @Test
    void droppedEventStreamIsCancelledAfterTheResumeGrace() throws Exception {
      start(o -> o.resumeGrace = Duration.ofMillis(300));
      McpHttpClient c = session();
      Reply r = c.post(toolCall(6, "progress_then_sleep", new JsonObject().put("ms", 30_000), "p"));
      assertStatus(r, 200);
      assertThat(r.nextMessage().json().getString("method")).isEqualTo("notifications/progress");
      r.close();
      assertThat(poll(cancelled, SHORT_MS)).isEqualTo(Cancellation.Reason.DISCONNECTED);
    }

    @Test
    void resumingWithinTheGraceKeepsTheToolRunning() throws Exception {
      start(o -> o.resumeGrace = Duration.ofMillis(500));
      McpHttpClient c = session();
      Reply r = c.post(toolCall(6, "progress_then_sleep", new JsonObject().put("ms", 800), "p"));
      assertStatus(r, 200);
      SseEvent progress = r.nextMessage();
      r.close();
      Reply resumed = c.get(with(c.getHeaders(), "Last-Event-ID", progress.id()));
      assertStatus(resumed, 200);
      List<SseEvent> rest = resumed.rest();
      assertThat(rest).hasSize(1);
      assertThat(rest.get(0).json().getValue("id")).isEqualTo(6);
      assertThat(text(rest.get(0).json())).isEqualTo("slept");
      assertThat(poll(cancelled, SHORT_MS)).isEqualTo(Cancellation.Reason.COMPLETED);
    }

    @Test
    void droppingAResumedStreamAlsoCancelsAfterTheResumeGrace() throws Exception {
      start(o -> o.resumeGrace = Duration.ofMillis(500));
      McpHttpClient c = session();
      Reply r = c.post(toolCall(6, "progress_then_sleep", new JsonObject().put("ms", 30_000), "p"));
      assertStatus(r, 200);
      SseEvent progress = r.nextMessage();
      r.close();
      // Resume at once (nothing new to replay, so no response head is awaited here) ...
      HttpClientRequest resume =
          c.open(HttpMethod.GET, "/mcp", with(c.getHeaders(), "Last-Event-ID", progress.id()));
      resume.send();
      Thread.sleep(800);
      assertThat(cancelled).as("resuming within the grace keeps the tool running").isEmpty();
      // ... then lose the resumed connection too: nobody can get the answer once the grace ends.
      await(resume.connection().close());
      assertThat(poll(cancelled, SHORT_MS))
          .as("cancelled %s ms after the resumed stream dropped (resumeGrace 500 ms)", SHORT_MS)
          .isEqualTo(Cancellation.Reason.DISCONNECTED);
    }

    @Test
    void closeStreamForAClientThatCannotResumeStillDeliversTheResult() {
      start();
      McpHttpClient c = client();
      // 2025-06-18 clients get no priming event, so they have no event id to resume from.
      c.initialize("2025-06-18", new JsonObject());
      Reply r = c.post(toolCall(4, "pollable", null, null));
      assertStatus(r, 200);
      JsonObject response;
      if (r.isSse()) {
        response =
            r.rest().stream()
                .map(SseEvent::json)
                .filter(m -> m.containsKey("id") && !m.containsKey("method"))
                .findFirst()
                .orElse(null);
      } else {
        response = r.json();
      }
      assertThat(response).as("the response to request 4 on its POST").isNotNull();
      assertThat(text(response)).isEqualTo("polled");
    }
  }

  @Nested
  class Disconnects {

    @Test
    void closingTheConnectionDuringAPlainJsonCallCancelsTheTool() throws Exception {
      start();
      McpHttpClient c = session();
      HttpClientRequest req = c.open(HttpMethod.POST, "/mcp", c.postHeaders());
      req.send(toolCall(3, "slow", null, null).toBuffer());
      assertThat(poll(started, SHORT_MS)).isEqualTo(3L);
      assertThat(cancelled).isEmpty();
      await(req.connection().close());
      assertThat(poll(cancelled, SHORT_MS)).isEqualTo(Cancellation.Reason.DISCONNECTED);
      // The session itself lives on.
      assertStatus(c.post(request(4, "ping", null)), 200);
    }

    @Test
    void notificationsCancelledStopsTheToolAndItsPostGetsNoJsonRpcResponse() throws Exception {
      start();
      McpHttpClient c = session();
      Future<Reply> pending = c.postAsync(toolCall(8, "slow", null, null));
      assertThat(poll(started, SHORT_MS)).isEqualTo(8L);
      Reply cancel =
          c.post(
              notification(
                  "notifications/cancelled",
                  new JsonObject().put("requestId", 8).put("reason", "user")));
      assertStatus(cancel, 202);
      assertThat(poll(cancelled, SHORT_MS)).isEqualTo(Cancellation.Reason.CLIENT_CANCELLED);
      // SPEC 5.3: still plain JSON when cancelled, so 200 text/event-stream with no event at all.
      Reply original = await(pending);
      assertStatus(original, 200);
      assertThat(original.isSse()).isTrue();
      assertThat(original.rest()).isEmpty();
    }
  }

  @Nested
  class StandaloneStream {

    @Test
    void getOpensTheStreamAndASecondGetIs409() {
      start();
      McpHttpClient c = session();
      Reply stream = c.get();
      assertStatus(stream, 200);
      assertThat(stream.header("Content-Type")).startsWith("text/event-stream");
      SseEvent priming = stream.next();
      assertThat(priming.isPriming()).isTrue();
      assertThat(priming.id()).isNotBlank();

      Reply second = c.get();
      assertStatus(second, 409);
    }

    @Test
    void listChangedArrivesOnTheGetStream() {
      start();
      McpHttpClient c = session();
      Reply stream = c.get();
      assertStatus(stream, 200);
      assertThat(stream.next().isPriming()).isTrue();

      backend.addTool(
          Tool.builder("late")
              .description("added later")
              .handler((args, ctx) -> Future.succeededFuture(CallToolResult.text("late")))
              .build());

      SseEvent e = stream.nextMessage();
      assertThat(e).isNotNull();
      assertThat(e.id()).isNotBlank();
      assertThat(e.json().getString("method")).isEqualTo("notifications/tools/list_changed");
      assertThat(e.json().containsKey("id")).isFalse();
    }

    @Test
    void closedGetStreamCanBeReopened() throws Exception {
      start();
      McpHttpClient c = session();
      Reply first = c.get();
      assertStatus(first, 200);
      first.close();
      int status = 0;
      for (int i = 0; i < 20 && status != 200; i++) {
        Thread.sleep(50);
        Reply again = c.get();
        status = again.status;
      }
      assertThat(status).isEqualTo(200);
    }

    @Test
    void messagesSentWhileTheGetStreamWasDownAreReplayedOnResume() throws Exception {
      start();
      McpHttpClient c = session();
      Reply stream = c.get();
      SseEvent priming = stream.next();
      assertThat(priming.isPriming()).isTrue();
      stream.close();
      Thread.sleep(200);
      backend.addTool(
          Tool.builder("late")
              .description("added while the client was away")
              .handler((args, ctx) -> Future.succeededFuture(CallToolResult.text("late")))
              .build());
      Thread.sleep(100);
      Reply resumed = c.get(with(c.getHeaders(), "Last-Event-ID", priming.id()));
      assertStatus(resumed, 200);
      SseEvent e = resumed.nextMessage();
      assertThat(e.json().getString("method")).isEqualTo("notifications/tools/list_changed");
    }

    @Test
    void getStreamOfAnOlderClientAnswersItsHeadersAtOnce() {
      start();
      McpHttpClient c = client();
      // No priming event for 2025-06-18: the 200 head must still go out without waiting for a
      // first message, or the client cannot tell that its stream is open.
      c.initialize("2025-06-18", new JsonObject());
      Reply stream = await(c.exchangeAsync(HttpMethod.GET, "/mcp", c.getHeaders(), null), 1_500);
      assertStatus(stream, 200);
      assertThat(stream.isSse()).isTrue();
    }
  }

  @Nested
  class ServerToClientRequests {

    @Test
    void samplingRequestTravelsOnThePostStreamAndItsAnswerOnASeparatePost() {
      start();
      McpHttpClient c = client();
      c.initialize(new JsonObject().put("sampling", new JsonObject()));

      Reply call = c.post(toolCall(7, "sample", null, null));
      assertStatus(call, 200);
      assertThat(call.isSse()).isTrue();
      SseEvent requestEvent = call.nextMessage();
      assertThat(requestEvent).isNotNull();
      JsonObject serverRequest = requestEvent.json();
      assertThat(serverRequest.getString("method")).isEqualTo("sampling/createMessage");
      Object id = serverRequest.getValue("id");
      assertThat(id).isInstanceOf(Number.class);

      JsonObject answer =
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("id", id)
              .put(
                  "result",
                  new JsonObject()
                      .put("role", "assistant")
                      .put("content", new JsonObject().put("type", "text").put("text", "hi"))
                      .put("model", "test-model"));
      Reply accepted = c.post(answer);
      assertStatus(accepted, 202);
      assertThat(accepted.body()).isEmpty();

      SseEvent resultEvent = call.nextMessage();
      assertThat(resultEvent).isNotNull();
      JsonObject response = resultEvent.json();
      assertThat(response.getValue("id")).isEqualTo(7);
      assertThat(text(response)).isEqualTo("model said hi");
      assertThat(call.next()).as("the stream ends after the response").isNull();
    }
  }

  @Nested
  class Http2 {

    private HttpClientOptions h2c() {
      return new HttpClientOptions()
          .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
          .setHttp2ClearTextUpgrade(false);
    }

    @Test
    void priorKnowledgeH2cServesASession() {
      start();
      McpHttpClient c = client(h2c());
      c.initialize();
      Reply r = c.post(toolCall(1, "echo", new JsonObject().put("text", "h2"), null));
      assertStatus(r, 200);
      assertThat(text(r.json())).isEqualTo("h2");
      assertThat(r.version).isEqualTo(io.vertx.core.http.HttpVersion.HTTP_2);
    }

    @Test
    void resettingAPlainJsonStreamCancelsTheTool() throws Exception {
      start();
      McpHttpClient c = client(h2c());
      c.initialize();
      HttpClientRequest req = c.open(HttpMethod.POST, "/mcp", c.postHeaders());
      req.send(toolCall(3, "slow", null, null).toBuffer());
      assertThat(poll(started, SHORT_MS)).isEqualTo(3L);
      req.reset();
      assertThat(poll(cancelled, SHORT_MS)).isEqualTo(Cancellation.Reason.DISCONNECTED);
      // Only that stream went away: the connection and the session serve on.
      assertStatus(c.post(request(4, "ping", null)), 200);
    }

    @Test
    void progressStreamsOverH2() {
      start();
      McpHttpClient c = client(h2c());
      c.initialize();
      Reply r = c.post(toolCall(5, "progress", null, 1));
      assertStatus(r, 200);
      List<SseEvent> events = r.rest();
      assertThat(events).hasSize(5);
      assertThat(events.get(4).json().getValue("id")).isEqualTo(5);
    }
  }

  @Nested
  class Cors {

    @Test
    void preflightFromAnAllowedOriginIs204WithCorsHeaders() {
      start(
          o -> {
            o.corsOrigins = List.of("http://app.example");
            o.allowedOrigins = List.of("http://app.example");
          });
      McpHttpClient c = client();
      Reply r =
          c.exchange(
              HttpMethod.OPTIONS,
              "/mcp",
              Map.of(
                  "Origin", "http://app.example",
                  "Access-Control-Request-Method", "POST",
                  "Access-Control-Request-Headers", "content-type, mcp-session-id"),
              null);
      assertStatus(r, 204);
      assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("http://app.example");
      assertThat(r.header("Access-Control-Expose-Headers")).contains("Mcp-Session-Id");
      assertThat(r.header("Access-Control-Allow-Headers")).containsIgnoringCase("Mcp-Session-Id");
      assertThat(r.header("Access-Control-Allow-Methods")).contains("POST");
    }

    @Test
    void initializeFromAnAllowedOriginExposesTheSessionId() {
      start(
          o -> {
            o.corsOrigins = List.of("http://app.example");
            o.allowedOrigins = List.of("http://app.example");
          });
      McpHttpClient c = client();
      Reply r =
          c.post(
              initializeRequest("2025-11-25", new JsonObject()).encode(),
              with(c.postHeaders(), "Origin", "http://app.example"));
      assertStatus(r, 200);
      assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("http://app.example");
      assertThat(r.header("Access-Control-Expose-Headers")).contains("Mcp-Session-Id");
    }
  }

  @Nested
  class LegacySse {

    @Test
    void aPostWithABrokenPercentEscapeIsAnswered400() {
      start();
      Reply posted =
          client()
              .exchange(
                  HttpMethod.POST,
                  "/messages?sessionId=%%0E",
                  Map.of("Content-Type", "application/json"),
                  new JsonObject().toBuffer());
      assertStatus(posted, 400);
    }

    @Test
    void endpointEventThenResultsAsMessageEvents() {
      start();
      McpHttpClient c = client();
      Reply stream =
          c.exchange(HttpMethod.GET, "/sse", Map.of("Accept", "text/event-stream"), null);
      assertStatus(stream, 200);
      SseEvent endpoint = stream.next();
      assertThat(endpoint.event()).isEqualTo("endpoint");
      assertThat(endpoint.data()).startsWith("/messages?sessionId=");

      Reply posted =
          c.exchange(
              HttpMethod.POST,
              endpoint.data(),
              Map.of("Content-Type", "application/json"),
              initializeRequest("2024-11-05", new JsonObject()).toBuffer());
      assertStatus(posted, 202);

      SseEvent message = stream.next();
      assertThat(message.event()).isEqualTo("message");
      JsonObject response = message.json();
      assertThat(response.getValue("id")).isEqualTo(0);
      assertThat(response.getJsonObject("result").getString("protocolVersion"))
          .isEqualTo("2024-11-05");

      assertStatus(
          c.exchange(
              HttpMethod.POST,
              endpoint.data(),
              Map.of("Content-Type", "application/json"),
              toolCall(1, "echo", new JsonObject().put("text", "legacy"), null).toBuffer()),
          202);
      SseEvent echoed = stream.next();
      assertThat(echoed.event()).isEqualTo("message");
      assertThat(text(echoed.json())).isEqualTo("legacy");
    }

    @Test
    void closingTheSseStreamEndsTheLegacySession() throws Exception {
      start();
      McpHttpClient c = client();
      Reply stream =
          c.exchange(HttpMethod.GET, "/sse", Map.of("Accept", "text/event-stream"), null);
      String endpoint = stream.next().data();
      stream.close();
      int status = 0;
      for (int i = 0; i < 20 && status != 404; i++) {
        Thread.sleep(50);
        status =
            c.exchange(
                    HttpMethod.POST,
                    endpoint,
                    Map.of("Content-Type", "application/json"),
                    request(1, "ping", null).toBuffer())
                .status;
      }
      assertThat(status).isEqualTo(404);
    }
  }

  @Nested
  class Tls {

    @TempDir Path dir;

    private void startTls() throws Exception {
      Path key = dir.resolve("key.pem");
      Path cert = dir.resolve("cert.pem");
      Process openssl =
          new ProcessBuilder(
                  "openssl",
                  "req",
                  "-x509",
                  "-newkey",
                  "ec",
                  "-pkeyopt",
                  "ec_paramgen_curve:prime256v1",
                  "-nodes",
                  "-keyout",
                  key.toString(),
                  "-out",
                  cert.toString(),
                  "-days",
                  "1",
                  "-subj",
                  "/CN=localhost")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("openssl.log").toFile())
              .start();
      assertThat(openssl.waitFor(15, TimeUnit.SECONDS)).isTrue();
      assertThat(openssl.exitValue())
          .as("openssl: %s", Files.readString(dir.resolve("openssl.log")))
          .isZero();
      start(
          o -> {
            o.tlsCertPath = cert.toString();
            o.tlsKeyPath = key.toString();
          });
    }

    private HttpClientOptions tlsClient(String protocol) {
      return new HttpClientOptions()
          .setSsl(true)
          .setTrustAll(true)
          .setVerifyHost(false)
          .setEnabledSecureTransportProtocols(Set.of(protocol));
    }

    @Test
    void tls12ClientInitializes() throws Exception {
      startTls();
      McpHttpClient c = client(tlsClient("TLSv1.2"));
      Reply r = c.post(initializeRequest("2025-11-25", new JsonObject()));
      assertStatus(r, 200);
      assertThat(r.header("Mcp-Session-Id")).isNotNull();
      assertThat(r.connection.isSsl()).isTrue();
      assertThat(r.connection.sslSession().getProtocol()).isEqualTo("TLSv1.2");
    }

    @Test
    void tls13ClientInitializes() throws Exception {
      startTls();
      McpHttpClient c = client(tlsClient("TLSv1.3"));
      Reply r = c.post(initializeRequest("2025-11-25", new JsonObject()));
      assertStatus(r, 200);
      assertThat(r.connection.sslSession().getProtocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void tls11ClientIsRefused() throws Exception {
      startTls();
      McpHttpClient c = client(tlsClient("TLSv1.1"));
      assertThatThrownBy(() -> c.post(initializeRequest("2025-11-25", new JsonObject())))
          .isInstanceOf(AssertionError.class)
          .hasCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class);

      // The JDK client above refuses TLS 1.1 on its own; OpenSSL, told to allow it, shows that the
      // server refuses it too.
      Process sClient =
          new ProcessBuilder(
                  "openssl",
                  "s_client",
                  "-connect",
                  "127.0.0.1:" + port,
                  "-tls1_1",
                  "-cipher",
                  "DEFAULT@SECLEVEL=0")
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(dir.resolve("s_client.log").toFile())
              .start();
      assertThat(sClient.waitFor(10, TimeUnit.SECONDS)).isTrue();
      String log = Files.readString(dir.resolve("s_client.log"));
      assertThat(sClient.exitValue()).as("openssl s_client -tls1_1: %s", log).isNotZero();
      assertThat(log).contains("alert protocol version").contains("Cipher is (NONE)");
    }

    @Test
    void tlsClientOfferingH2GetsHttp2() throws Exception {
      // SPEC 5: "HTTP/1.1 and HTTP/2"; over TLS, HTTP/2 needs ALPN.
      startTls();
      McpHttpClient c =
          client(
              tlsClient("TLSv1.3")
                  .setUseAlpn(true)
                  .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2));
      Reply r = c.post(initializeRequest("2025-11-25", new JsonObject()));
      assertStatus(r, 200);
      assertThat(r.version).isEqualTo(io.vertx.core.http.HttpVersion.HTTP_2);
    }

    @Test
    void plainHttpToTheTlsPortIsDropped() throws Exception {
      startTls();
      McpHttpClient c = client();
      assertThatThrownBy(() -> c.post(initializeRequest("2025-11-25", new JsonObject())))
          .isInstanceOf(AssertionError.class);
      assertThat(transport.sessionCount()).isZero();
    }
  }
}
