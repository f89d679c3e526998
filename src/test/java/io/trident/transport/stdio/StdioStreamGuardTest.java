package io.trident.transport.stdio;

import static io.trident.auth.StreamGuardFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream guard on stdio with a JWT from {@code auth.local.tokenEnv} (SPEC.md §7.7): at the
 * token's {@code exp} the request in progress gets the auth error with {@code data.reason},
 * notifications stop, later requests get the same error, and the session keeps running.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StdioStreamGuardTest {

  @TempDir Path dir;
  private Vertx vertx;
  private StreamGuardFixture fixture;
  private StdioTransport stdio;
  private OutputStream toServer;
  private final BlockingQueue<JsonObject> fromServer = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    fixture = StreamGuardFixture.create(vertx, dir, TestKeys.secret(), null, null, false);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (stdio != null) {
      stdio.stop();
    }
    fixture.close();
    await(vertx.close());
  }

  Future<Void> start(String token) throws Exception {
    Principal local = await(fixture.chain.authenticateLocal(name -> token));
    PipedInputStream stdin = new PipedInputStream(1 << 16);
    toServer = new PipedOutputStream(stdin);
    PipedOutputStream stdout = new PipedOutputStream();
    PipedInputStream readBack = new PipedInputStream(stdout, 1 << 16);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(readBack, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  fromServer.add(new JsonObject(line));
                }
              } catch (Exception ignored) {
                // The pipe closes when the transport stops.
              }
            });
    reader.setDaemon(true);
    reader.start();
    stdio =
        new StdioTransport(
            fixture.server, stdin, stdout, 1 << 20, local, java.time.Duration.ofSeconds(1));
    return stdio.start(vertx.getOrCreateContext());
  }

  void send(JsonObject message) throws Exception {
    toServer.write((message.encode() + "\n").getBytes(StandardCharsets.UTF_8));
    toServer.flush();
  }

  /** The next message that is not a progress notification; counts those it skips. */
  JsonObject nextAnswer(int[] progress) throws Exception {
    while (true) {
      JsonObject m = fromServer.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("a message from the server").isNotNull();
      if ("notifications/progress".equals(m.getString("method"))) {
        progress[0]++;
      } else {
        return m;
      }
    }
  }

  static JsonObject request(int id, String method, JsonObject params) {
    JsonObject r = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
    return params == null ? r : r.put("params", params);
  }

  @Test
  void expiredLocalTokenRefusesRequestsStopsNotificationsAndKeepsRunning() throws Exception {
    long exp = StreamGuardFixture.soon();
    Future<Void> running = start(fixture.token("local-user", "*", exp, "s-1"));
    int[] progress = {0};
    send(
        request(
            1,
            "initialize",
            new JsonObject()
                .put("protocolVersion", "2025-11-25")
                .put("capabilities", new JsonObject())
                .put("clientInfo", new JsonObject().put("name", "t").put("version", "1"))));
    assertThat(nextAnswer(progress).containsKey("result")).isTrue();
    send(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
    send(
        request(
            2,
            "tools/call",
            new JsonObject()
                .put("name", "simulate_work")
                .put("arguments", new JsonObject().put("seconds", 20).put("steps", 200))
                .put("_meta", new JsonObject().put("progressToken", "p"))));
    JsonObject ended = nextAnswer(progress);
    long at = System.currentTimeMillis();
    assertThat(ended.getValue("id")).isEqualTo(2);
    assertThat(ended.getJsonObject("error").getInteger("code")).isEqualTo(-32004);
    assertThat(ended.getJsonObject("error").getJsonObject("data").getString("reason"))
        .isEqualTo("token_expiry");
    assertThat(at - exp * 1000).as("ms after exp").isBetween(0L, 1100L);
    assertThat(progress[0]).isPositive();
    // Notifications have stopped: nothing arrives unasked.
    assertThat(fromServer.poll(300, TimeUnit.MILLISECONDS)).isNull();
    // Requests get the error; the process (here: the transport) keeps running.
    send(request(3, "ping", null));
    JsonObject pong = nextAnswer(progress);
    assertThat(pong.getValue("id")).isEqualTo(3);
    assertThat(pong.getJsonObject("error").getJsonObject("data").getString("reason"))
        .isEqualTo("token_expiry");
    assertThat(running.isComplete()).isFalse();
  }
}
