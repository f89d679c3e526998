package io.trident.admin;

import static io.trident.auth.StreamGuardFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.AuthorizationEnded;
import io.trident.auth.StreamGuard;
import io.trident.auth.StreamGuardFixture;
import io.trident.auth.TestKeys;
import io.trident.context.Principal;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /admin/revocations} on the admin listener: scope {@code trident:admin} only. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminServerTest {

  @TempDir Path dir;
  private Vertx vertx;
  private StreamGuardFixture fixture;
  private AdminServer admin;
  private HttpClient http;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    fixture = StreamGuardFixture.create(vertx, dir, TestKeys.secret(), null, null, false);
    admin =
        await(
            AdminServer.start(
                vertx,
                "127.0.0.1",
                0,
                fixture.authenticator,
                fixture.guards.store(),
                () ->
                    new ServerState(0, fixture.guards.openStreams(), 0, ServerState.timers(vertx)),
                false));
    http = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() throws Exception {
    await(http.close());
    await(admin.close());
    fixture.close();
    await(vertx.close());
  }

  record Answer(int status, String body, String challenge) {}

  Answer call(HttpMethod method, String path, String token, String body) throws Exception {
    RequestOptions o =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(admin.port())
            .setURI(path);
    if (token != null) {
      o.putHeader("Authorization", "Bearer " + token);
    }
    // The body is asked for in the callback that delivers the response (nested, not chained): a
    // body() asked for a turn later may find the response already read, and wait forever.
    return await(
        http.request(o)
            .compose(
                req ->
                    (body == null ? req.send() : req.send(Buffer.buffer(body)))
                        .compose(
                            (HttpClientResponse r) ->
                                r.body()
                                    .map(
                                        b ->
                                            new Answer(
                                                r.statusCode(),
                                                b.toString(),
                                                r.getHeader("WWW-Authenticate"))))));
  }

  @Test
  void adminTokenRevokesAndTheRevocationEndsOpenStreams() throws Exception {
    Principal victim =
        await(
            fixture.chain.authenticate(
                io.trident.auth.Credentials.of(
                    "Bearer " + fixture.token("mallory", "*", "adm-1"), null, null)));
    StreamGuard guard = fixture.guards.open(victim, vertx.getOrCreateContext());
    Answer a =
        call(
            HttpMethod.POST,
            "/admin/revocations",
            fixture.token("ops", AdminServer.ADMIN_SCOPE, "adm-ops"),
            "{\"jti\":\"adm-1\"}");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).contains("adm-1");
    assertThat(await(fixture.guards.store().isRevoked("adm-1", "mallory", 0))).isTrue();
    long deadline = System.currentTimeMillis() + 2000;
    while (guard.admits() && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertThat(guard.endedBecause()).isEqualTo(AuthorizationEnded.REVOKED);
  }

  @Test
  void stateCountsWhatIsOpenForAdminsOnly() throws Exception {
    String ops = fixture.token("ops", AdminServer.ADMIN_SCOPE, "adm-state");
    Answer before = call(HttpMethod.GET, "/admin/state", ops, null);
    assertThat(before.status()).isEqualTo(200);
    io.vertx.core.json.JsonObject b = new io.vertx.core.json.JsonObject(before.body());
    assertThat(b.fieldNames())
        .containsExactlyInAnyOrder("httpSessions", "guardedStreams", "requestsInFlight", "timers");
    assertThat(b.getInteger("timers")).isGreaterThanOrEqualTo(0);
    Principal p =
        await(
            fixture.chain.authenticate(
                io.trident.auth.Credentials.of(
                    "Bearer " + fixture.token("alice", "*", "st-1"), null, null)));
    StreamGuard guard = fixture.guards.open(p, vertx.getOrCreateContext());
    io.vertx.core.json.JsonObject during =
        new io.vertx.core.json.JsonObject(call(HttpMethod.GET, "/admin/state", ops, null).body());
    assertThat(during.getInteger("guardedStreams")).isEqualTo(b.getInteger("guardedStreams") + 1);
    guard.close();
    assertThat(call(HttpMethod.GET, "/admin/state", null, null).status()).isEqualTo(401);
    assertThat(
            call(HttpMethod.GET, "/admin/state", fixture.token("u", "tools:call", "u2"), null)
                .status())
        .isEqualTo(403);
    assertThat(call(HttpMethod.POST, "/admin/state", ops, "{}").status()).isEqualTo(405);
  }

  @Test
  void callersWithoutTheAdminScopeAreRefused() throws Exception {
    Answer none = call(HttpMethod.POST, "/admin/revocations", null, "{\"jti\":\"x\"}");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.challenge()).contains("invalid_token");
    Answer user =
        call(
            HttpMethod.POST,
            "/admin/revocations",
            fixture.token("user", "tools:list tools:call", "u"),
            "{\"jti\":\"x\"}");
    assertThat(user.status()).isEqualTo(403);
    assertThat(user.challenge()).contains("trident:admin");
    assertThat(await(fixture.guards.store().isRevoked("x", "user", 0))).isFalse();
  }

  @Test
  void badRequestsGetTheirOwnAnswers() throws Exception {
    String ops = fixture.token("ops", AdminServer.ADMIN_SCOPE, "adm-ops2");
    for (Map.Entry<String, Integer> bad :
        Map.of(
                "not json", 400,
                "{}", 400,
                "{\"jti\":\"a\",\"sub\":\"b\"}", 400,
                "{\"sub\":\"b\",\"before\":\"yesterday\"}", 400,
                "{\"jti\":3}", 400)
            .entrySet()) {
      assertThat(call(HttpMethod.POST, "/admin/revocations", ops, bad.getKey()).status())
          .as(bad.getKey())
          .isEqualTo(bad.getValue());
    }
    assertThat(call(HttpMethod.GET, "/admin/revocations", ops, null).status()).isEqualTo(405);
    assertThat(call(HttpMethod.GET, "/admin/other", ops, null).status()).isEqualTo(404);
    Answer sub =
        call(
            HttpMethod.POST,
            "/admin/revocations",
            ops,
            "{\"sub\":\"b\",\"before\":\"2030-01-01T00:00:00Z\"}");
    assertThat(sub.status()).isEqualTo(200);
    assertThat(await(fixture.guards.store().isRevoked(null, "b", 0))).isTrue();
  }
}
