package io.trident.transport.http;

import static io.trident.auth.StreamGuardFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.store.Revocation;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream guard on Streamable HTTP (SPEC.md §7.7): SSE streams (a request's, the standalone GET
 * stream) end at their token's {@code exp} with a last event carrying the reason; a revoked token's
 * session gets 401 on its next request, while a fresh token carries the session on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpStreamGuardTest {

  @TempDir Path dir;
  private Vertx vertx;
  private StreamGuardFixture fixture;
  private int port;
  private final List<McpHttpClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    fixture = StreamGuardFixture.create(vertx, dir, TestKeys.secret(), null, null, false);
    HttpTransportOptions options = TestHttpOptions.loopback().build();
    StreamableHttpTransport transport =
        new StreamableHttpTransport(vertx, fixture.server, options, fixture.authenticator);
    HttpVerticle verticle = new HttpVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    port = verticle.actualPort();
  }

  @AfterEach
  void tearDown() throws Exception {
    clients.forEach(McpHttpClient::close);
    fixture.close();
    await(vertx.close());
  }

  McpHttpClient client(String token) {
    McpHttpClient c = new McpHttpClient(vertx, port);
    c.credentials.put("Authorization", "Bearer " + token);
    clients.add(c);
    return c;
  }

  /** Reads events up to the first JSON-RPC error; returns it. */
  static JsonObject errorEvent(Reply stream) {
    for (SseEvent e = stream.nextMessage(); e != null; e = stream.nextMessage()) {
      JsonObject m = e.json();
      if (m.containsKey("error")) {
        return m.getJsonObject("error");
      }
    }
    throw new AssertionError("the stream ended without an error event");
  }

  @Test
  void idleStandaloneStreamEndsAtExpiryWithALastEvent() {
    long exp = StreamGuardFixture.soon();
    McpHttpClient c = client(fixture.token("alice", "*", exp, "h-idle"));
    c.initialize();
    Reply stream = c.get();
    assertThat(stream.isSse()).isTrue();
    JsonObject error = errorEvent(stream);
    long at = System.currentTimeMillis();
    assertThat(error.getInteger("code")).isEqualTo(-32004);
    assertThat(error.getJsonObject("data").getString("reason")).isEqualTo("token_expiry");
    assertThat(stream.awaitEnd()).isNull();
    assertThat(at - exp * 1000).as("ms after exp").isBetween(0L, 1100L);
  }

  @Test
  void busyRequestStreamEndsAtExpiryWithTheReasonAsItsResponse() {
    long exp = StreamGuardFixture.soon();
    McpHttpClient c = client(fixture.token("alice", "*", exp, "h-busy"));
    c.initialize();
    Reply stream =
        c.post(
            McpHttpClient.toolCall(
                7, "simulate_work", new JsonObject().put("seconds", 20).put("steps", 200), "p"));
    assertThat(stream.isSse()).isTrue();
    SseEvent last = null;
    int progress = 0;
    for (SseEvent e = stream.nextMessage(); e != null; e = stream.nextMessage()) {
      if (e.json().containsKey("error")) {
        last = e;
        break;
      }
      progress++;
    }
    long at = System.currentTimeMillis();
    assertThat(last).isNotNull();
    JsonObject response = last.json();
    assertThat(response.getValue("id")).isEqualTo(7);
    assertThat(response.getJsonObject("error").getJsonObject("data").getString("reason"))
        .isEqualTo("token_expiry");
    assertThat(progress).isPositive();
    assertThat(stream.awaitEnd()).isNull();
    assertThat(at - exp * 1000).as("ms after exp").isBetween(0L, 1100L);
    // The expired token is refused; a fresh one carries the same session on.
    Reply refused = c.post(McpHttpClient.request(8, "ping", null));
    assertThat(refused.status).isEqualTo(401);
    c.credentials.put("Authorization", "Bearer " + fixture.token("alice", "*", "h-fresh"));
    assertThat(c.post(McpHttpClient.request(9, "ping", null)).status).isEqualTo(200);
  }

  @Test
  void revokedTokenGets401AndItsStreamsEnd() throws Exception {
    McpHttpClient c = client(fixture.token("alice", "*", "h-revoked"));
    McpHttpClient bob = client(fixture.token("bob", "*", "h-bob"));
    c.initialize();
    bob.initialize();
    Reply stream = c.get();
    Reply bobStream = bob.get();
    await(fixture.guards.store().revoke(Revocation.token("h-revoked")));
    JsonObject error = errorEvent(stream);
    assertThat(error.getJsonObject("data").getString("reason")).isEqualTo("revoked");
    assertThat(stream.awaitEnd()).isNull();
    Reply next = c.post(McpHttpClient.request(2, "ping", null));
    assertThat(next.status).isEqualTo(401);
    assertThat(next.header("WWW-Authenticate")).contains("invalid_token");
    assertThat(bob.post(McpHttpClient.request(2, "ping", null)).status).isEqualTo(200);
    assertThat(bobStream.hasEnded()).isFalse();
  }
}
