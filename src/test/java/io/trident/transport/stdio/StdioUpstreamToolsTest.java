package io.trident.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.backend.Backend;
import io.trident.context.Principal;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.upstream.UpstreamFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Upstream gRPC tools over the stdio transport (in process, on pipes): the upstream's deadline
 * stays within the request's budget, and {@code notifications/cancelled} and EOF reset the upstream
 * call.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StdioUpstreamToolsTest {

  private static final long WAIT_MS = 5_000;
  private static UpstreamFixture upstream;

  private Vertx vertx;
  private OutputStream toServer;
  private final BlockingQueue<JsonObject> fromServer = new LinkedBlockingQueue<>();

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

  private void start(Duration requestTimeout) throws Exception {
    Backend backend =
        UpstreamFixture.backend(
            vertx,
            "upstreams:\n  - name: inv\n    target: "
                + upstream.target()
                + "\n    descriptorSet: @DS@\n    insecure: true\n    timeout: 20s\n");
    McpServer server =
        new McpServer(
            vertx,
            backend,
            ServerOptions.defaults(Implementation.of("trident-stdio-upstream", "1"))
                .withRequestTimeout(requestTimeout));
    PipedInputStream serverIn = new PipedInputStream(1 << 16);
    toServer = new PipedOutputStream(serverIn);
    PipedInputStream clientIn = new PipedInputStream(1 << 16);
    PipedOutputStream serverOut = new PipedOutputStream(clientIn);
    StdioTransport stdio =
        new StdioTransport(
            server,
            serverIn,
            serverOut,
            1 << 20,
            Principal.local("stdio-user", Set.of("*")),
            DRAIN_GRACE);
    stdio.start(vertx.getOrCreateContext());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(clientIn, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  fromServer.add(new JsonObject(line));
                }
              } catch (Exception e) {
                // The server closed its end.
              }
            },
            "stdio-test-reader");
    reader.setDaemon(true);
    reader.start();
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    assertThat(poll(fromServer).getInteger("id")).isZero();
    send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  }

  private void send(String line) throws Exception {
    toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    toServer.flush();
  }

  private void callTool(int id, String tool, JsonObject args) throws Exception {
    send(
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", id)
            .put("method", "tools/call")
            .put("params", new JsonObject().put("name", tool).put("arguments", args))
            .encode());
  }

  private static <T> T poll(BlockingQueue<T> queue) throws InterruptedException {
    T value = queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(value).as("nothing within %d ms", WAIT_MS).isNotNull();
    return value;
  }

  @Test
  void theUpstreamSeesNoMoreThanTheRequestsBudget() throws Exception {
    start(Duration.ofMillis(1500));
    callTool(1, "inv_GetItem", new JsonObject().put("sku", "S"));
    JsonObject answer = poll(fromServer);
    assertThat(answer.getJsonObject("result").getJsonObject("structuredContent").getString("sku"))
        .isEqualTo("S");
    assertThat(poll(upstream.calls().deadlineMs)).isPositive().isLessThanOrEqualTo(1500L);
  }

  @Test
  void notificationsCancelledResetsTheUpstreamCallWithin100Ms() throws Exception {
    start(Duration.ofSeconds(30));
    callTool(2, "inv_Slow", new JsonObject().put("millis", 20_000));
    poll(upstream.calls().slowStarted);
    long sent = System.nanoTime();
    send(
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":2}}");
    long reached = poll(upstream.calls().slowCancelled);
    assertThat((reached - sent) / 1_000_000).isLessThan(100);
    assertThat(fromServer.poll(300, TimeUnit.MILLISECONDS)).as("no answer after cancel").isNull();
  }

  private static final Duration DRAIN_GRACE = Duration.ofMillis(300);

  @Test
  void eofResetsTheUpstreamCall() throws Exception {
    start(Duration.ofSeconds(30));
    callTool(3, "inv_Slow", new JsonObject().put("millis", 20_000));
    poll(upstream.calls().slowStarted);
    long closed = System.nanoTime();
    toServer.close();
    long reached = poll(upstream.calls().slowCancelled);
    // Requests already read get the drain grace to finish; then they are cancelled, and so is the
    // upstream call they started.
    assertThat((reached - closed) / 1_000_000)
        .isGreaterThanOrEqualTo(DRAIN_GRACE.toMillis() - 50)
        .isLessThan(DRAIN_GRACE.toMillis() + 700);
  }
}
