package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.backend.Tool;
import io.trident.context.Cancellation;
import io.trident.context.DeadlineBudget;
import io.trident.model.CallToolResult;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Caller deadlines on Streamable HTTP: the {@code Mcp-Timeout-Ms} header and {@code _meta}. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpDeadlineTest {

  private Vertx vertx;
  private McpHttpClient client;
  private final BlockingQueue<Cancellation.Reason> cancelled = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    Backend backend = BackendProviders.discover().build(List.of("default"), vertx);
    backend.addTool(
        Tool.builder("slow")
            .description("runs until cancelled, recording why")
            .handler(
                (args, ctx) -> {
                  ctx.cancellation()
                      .future()
                      .onSuccess(
                          reason -> {
                            if (reason != Cancellation.Reason.COMPLETED) {
                              cancelled.add(reason);
                            }
                          });
                  return ctx.sleep(Duration.ofSeconds(30)).map(v -> CallToolResult.text("late"));
                })
            .build());
    backend.tools().forEach(Tool::compileSchemas);
    HttpTransportOptions options = TestHttpOptions.loopback().build();
    ServerOptions server =
        ServerOptions.defaults(Implementation.of("trident-http-deadline-test", "1"))
            .withRequestTimeout(Duration.ofSeconds(30));
    StreamableHttpTransport transport =
        new StreamableHttpTransport(vertx, new McpServer(vertx, backend, server), options);
    HttpVerticle verticle = new HttpVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    client = new McpHttpClient(vertx, verticle.actualPort());
    client.initialize();
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  private Reply post(JsonObject message, String timeoutMs) {
    Map<String, String> headers =
        McpHttpClient.with(client.postHeaders(), StreamableHttpTransport.TIMEOUT_HEADER, timeoutMs);
    return client.exchange(HttpMethod.POST, client.path, headers, message.toBuffer());
  }

  private static JsonObject simulateWork(int id, Object progressToken) {
    return McpHttpClient.toolCall(
        id, "simulate_work", new JsonObject().put("seconds", 5).put("steps", 50), progressToken);
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void theHeaderEndsASlowToolWithTimeoutWithin800Ms() throws Exception {
    long start = System.nanoTime();
    Reply reply = post(McpHttpClient.toolCall(1, "slow", null, null), "300");
    JsonObject body = reply.json();
    assertThat(reply.status).isEqualTo(200);
    assertThat(body.getJsonObject("error").getInteger("code")).isEqualTo(-32001);
    assertThat(millisSince(start)).isBetween(250L, 800L);
    assertThat(cancelled.poll(1, TimeUnit.SECONDS))
        .isEqualTo(Cancellation.Reason.DEADLINE_EXCEEDED);
  }

  @Test
  void aStreamedCallEndsWithTheTimeoutAndNothingFollows() {
    Reply standalone = client.get();
    long start = System.nanoTime();
    Reply reply = post(simulateWork(2, "tok"), "300");
    assertThat(reply.isSse()).isTrue();
    List<SseEvent> events = reply.rest();
    assertThat(millisSince(start)).isLessThan(800L);
    List<JsonObject> messages =
        events.stream().filter(e -> !e.isPriming()).map(SseEvent::json).toList();
    assertThat(messages).isNotEmpty();
    JsonObject last = messages.get(messages.size() - 1);
    assertThat(last.getJsonObject("error").getInteger("code")).isEqualTo(-32001);
    assertThat(messages.subList(0, messages.size() - 1))
        .allSatisfy(m -> assertThat(m.getString("method")).isEqualTo("notifications/progress"));
    // Nor does anything about the request reach the session's other stream afterwards.
    assertThat(standalone.nextMessageOrNothing(600)).isNull();
  }

  @Test
  void metaDeadlineWorksOverHttpToo() {
    JsonObject call = McpHttpClient.toolCall(3, "slow", null, null);
    call.getJsonObject("params")
        .put("_meta", new JsonObject().put(DeadlineBudget.TIMEOUT_META_KEY, 300));
    long start = System.nanoTime();
    JsonObject body = client.post(call).json();
    assertThat(body.getJsonObject("error").getInteger("code")).isEqualTo(-32001);
    assertThat(millisSince(start)).isLessThan(800L);
  }

  @Test
  void theEarlierOfHeaderAndMetaWins() {
    JsonObject call = McpHttpClient.toolCall(4, "slow", null, null);
    call.getJsonObject("params")
        .put("_meta", new JsonObject().put(DeadlineBudget.TIMEOUT_META_KEY, 300));
    long start = System.nanoTime();
    assertThat(post(call, "20000").json().getJsonObject("error").getInteger("code"))
        .isEqualTo(-32001);
    assertThat(millisSince(start)).isLessThan(800L);
  }

  @Test
  void theHeaderAppliesOnlyToItsOwnPost() {
    JsonObject first =
        post(McpHttpClient.toolCall(5, "whoami", null, null), "300")
            .json()
            .getJsonObject("result")
            .getJsonObject("structuredContent");
    assertThat(first.getLong("deadlineRemainingMs")).isBetween(1L, 300L);
    JsonObject second =
        client
            .post(McpHttpClient.toolCall(6, "whoami", null, null))
            .json()
            .getJsonObject("result")
            .getJsonObject("structuredContent");
    assertThat(second.getLong("deadlineRemainingMs")).isGreaterThan(20_000L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "abc", "1.5", "86400001", "99999999999999999999", " "})
  void aMalformedHeaderIsBadRequestWithInvalidParamsNamingIt(String value) throws Exception {
    Reply reply = post(McpHttpClient.toolCall(7, "slow", null, null), value);
    assertThat(reply.status).isEqualTo(400);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(-32602);
    assertThat(error.getString("message")).contains("Mcp-Timeout-Ms");
    assertThat(cancelled.poll(100, TimeUnit.MILLISECONDS)).as("the tool never ran").isNull();
  }

  @Test
  void aMalformedMetaDeadlineIsInvalidParams() {
    JsonObject call = McpHttpClient.toolCall(8, "slow", null, null);
    call.getJsonObject("params")
        .put("_meta", new JsonObject().put(DeadlineBudget.TIMEOUT_META_KEY, "soon"));
    JsonObject error = client.post(call).json().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(-32602);
    assertThat(error.getString("message")).contains("io.trident/timeoutMs");
  }
}
