package io.trident.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trident.backend.BackendProviders;
import io.trident.fuzz.FuzzBudget;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The HTTP door over a real loopback socket: any method, path, headers and body get an answer
 * within the deadline and never a 5xx other than 503 (overload). Callers are let in with every
 * scope so that inputs reach past authentication.
 */
class HttpDoorFuzzTest {

  private static final List<String> METHODS =
      List.of("POST", "GET", "DELETE", "PUT", "OPTIONS", "HEAD", "PATCH", "TRACE", "BREW");
  private static final List<String> PATHS =
      List.of(
          "/mcp",
          "/mcp/",
          "/mcp?x=1",
          "/sse",
          "/messages?sessionId=",
          "/.well-known/oauth-protected-resource",
          "/.well-known/oauth-protected-resource/mcp",
          "/",
          "//mcp",
          "/%2e%2e/mcp");
  private static final List<String> HEADERS =
      List.of(
          "Content-Type",
          "Accept",
          "Mcp-Session-Id",
          "Mcp-Protocol-Version",
          "Origin",
          "Host",
          "Last-Event-ID",
          "Authorization",
          "X-MCP-API-Key",
          "Mcp-Timeout-Ms",
          "Access-Control-Request-Method",
          "Cookie",
          "X-Anything");
  private static final List<String> BODIES =
      List.of(
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"f\",\"version\":\"1\"}}}",
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
              + "\"arguments\":{\"text\":\"x\"}}}",
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
          "[{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"method\":"
              + "\"notifications/initialized\"}]",
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
              + "\"simulate_work\",\"arguments\":{\"ms\":50}}}");

  private static Vertx vertx;
  private static Context context;
  private static HttpClient client;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    // Jazzer's SSRF detector: this test's own loopback server is the one place it may connect.
    try {
      BugDetectors.allowNetworkConnections(
          (host, p) -> host.equals("127.0.0.1") || host.equals("localhost"));
    } catch (IllegalStateException e) {
      // The detector is not loaded (hooks off, as in mvn verify): there is nothing to allow.
    }
    vertx = Vertx.vertx();
    ServerOptions options =
        ServerOptions.defaults(Implementation.of("fuzz", "1"))
            .withRequestTimeout(Duration.ofSeconds(2));
    McpServer server =
        new McpServer(vertx, BackendProviders.discover().build(List.of("default"), vertx), options);
    HttpTransportOptions http = TestHttpOptions.loopback().build();
    HttpVerticle verticle =
        new HttpVerticle(new StreamableHttpTransport(vertx, server, http), http);
    vertx
        .deployVerticle(verticle)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    port = verticle.actualPort();
    context = vertx.getOrCreateContext();
    client = newClient();
  }

  private static HttpClient newClient() {
    return vertx.createHttpClient(
        new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /**
   * Percent-encodes what may not appear raw in a request line (controls, space, {@code "<>\^`{|}}),
   * so that fuzzed paths reach the server instead of being refused by the client.
   */
  static String escaped(String fuzzed) {
    StringBuilder out = new StringBuilder(fuzzed.length());
    for (char c : fuzzed.toCharArray()) {
      if (c <= 0x20 || c >= 0x7f || "\"<>\\^`{|}".indexOf(c) >= 0) {
        out.append('%').append(String.format("%02X", (int) c & 0xff));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void anyRequestGetsAnAnswerAndNeverAServerError(FuzzedDataProvider data) throws Exception {
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(data.pickValue(METHODS)))
            .setURI(
                data.pickValue(PATHS)
                    + (data.consumeBoolean() ? escaped(data.consumeAsciiString(20)) : ""))
            .setTimeout(5_000);
    int headers = data.consumeInt(0, 8);
    try {
      for (int i = 0; i < headers; i++) {
        String name = data.pickValue(HEADERS);
        String value =
            switch (data.consumeInt(0, 3)) {
              case 0 -> "application/json, text/event-stream";
              case 1 -> "http://127.0.0.1:" + port;
              default -> data.consumeAsciiString(40);
            };
        request.addHeader(name, value);
      }
    } catch (IllegalArgumentException e) {
      return; // a header the client itself refuses to send
    }
    Buffer body =
        data.consumeBoolean()
            ? Buffer.buffer(data.pickValue(BODIES))
            : Buffer.buffer(data.consumeRemainingAsBytes());
    int status;
    try {
      status = exchange(request, body);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof HttpClosedException) {
        // The server closes a kept-alive connection after answering a request it cannot parse; a
        // request already on its way over that connection is the one case a client sends again.
        status = exchange(request, body);
      } else if (e.getCause() instanceof IllegalArgumentException
          || e.getCause() instanceof IllegalStateException) {
        // Refused by the client before it reached the wire; a fresh client so that a pooled
        // connection taken for it cannot be held back from the next inputs.
        client.close();
        client = newClient();
        return;
      } else {
        throw e;
      }
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within 6 s to " + describe(request, body), e);
    }
    assertThat(status).as("status").isBetween(200, 599).isNotIn(500, 501, 502, 504, 505);
  }

  public static void fuzzerTestOneInput(FuzzedDataProvider data) throws Exception {
    if (vertx == null) {
      start();
    }
    new HttpDoorFuzzTest().anyRequestGetsAnAnswerAndNeverAServerError(data);
  }

  /**
   * One request and its answer, run on the event loop: handlers attached from this thread could
   * come after an answer that had already come and gone, and the test would wait for nothing.
   */
  private int exchange(RequestOptions request, Buffer body) throws Exception {
    CompletableFuture<Integer> status = new CompletableFuture<>();
    context.runOnContext(
        v ->
            client
                .request(request)
                .compose(r -> r.send(body))
                .compose(this::statusThenClose)
                .onComplete(
                    answer -> {
                      if (answer.succeeded()) {
                        status.complete(answer.result());
                      } else {
                        status.completeExceptionally(answer.cause());
                      }
                    }));
    return status.get(6, TimeUnit.SECONDS);
  }

  private static String describe(RequestOptions request, Buffer body) {
    return request.getMethod()
        + " "
        + request.getURI()
        + " headers ["
        + String.valueOf(request.getHeaders()).replace('\n', ';')
        + "] body of "
        + body.length()
        + " bytes";
  }

  /** The status; a stream (SSE) is not read to its end but closed at once. */
  private Future<Integer> statusThenClose(HttpClientResponse response) {
    int status = response.statusCode();
    String type = response.getHeader("Content-Type");
    if (type != null && type.startsWith("text/event-stream")) {
      response.request().reset();
      return Future.succeededFuture(status);
    }
    return response.body().map(b -> status);
  }
}
