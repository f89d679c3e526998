package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static io.trident.transport.http.McpHttpClient.initializeRequest;
import static io.trident.transport.http.McpHttpClient.toolCall;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.ApiKeyStore;
import io.trident.auth.AuditEvent;
import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.LogCapture;
import io.trident.auth.RequestGuard;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.backend.Tool;
import io.trident.context.Principal;
import io.trident.model.CallToolResult;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the server writes about a request: with every logger at DEBUG, no credential or secret
 * argument appears in any log line; and the audit trail has one JSON line per tool call and per
 * denied request.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpAuditAndRedactionTest {

  @TempDir Path dir;

  private Vertx vertx;
  private String secret;
  private final String apiKey = ApiKeyStore.generateKey();
  private AuthChain chain;
  private int port;
  private final List<McpHttpClient> clients = new ArrayList<>();
  private LogCapture logs;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    logs = LogCapture.debugEverything();

    secret = TestKeys.secret();
    Path secretFile = TestKeys.write(dir, "jwt.secret", secret);
    Path keys =
        TestKeys.write(
            dir,
            "keys.yaml",
            "keys:\n  - hash: "
                + ApiKeyStore.hash(apiKey)
                + "\n    subject: ci-bot\n    scopes: [tools:list, tools:call]\n");
    AuthSettings settings =
        new AuthSettings(
            null,
            null,
            TestKeys.jwt(secretFile.toString(), null, null, null),
            new AuthSettings.ApiKeys(keys.toString(), null),
            null,
            null,
            null,
            null);
    Backend backend = HttpAuthTest.backend(vertx);
    backend.addTool(
        Tool.builder("login")
            .description("takes credentials as arguments")
            .handler((args, ctx) -> Future.succeededFuture(CallToolResult.text("logged in")))
            .build());
    chain = await(AuthChain.create(vertx, settings, Principal.local("nobody", Set.of())));
    McpServer server =
        new McpServer(
            vertx,
            backend,
            ServerOptions.defaults(Implementation.of("audit-test", "1")),
            RequestGuard.of(chain.scopes(), backend));
    HttpTransportOptions options = TestHttpOptions.loopback().build();
    HttpVerticle verticle =
        new HttpVerticle(new StreamableHttpTransport(vertx, server, options, chain), options);
    await(vertx.deployVerticle(verticle));
    port = verticle.actualPort();
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpHttpClient::close);
    await(chain.close());
    logs.close();
  }

  private McpHttpClient client(Map<String, String> credentials) {
    McpHttpClient c = new McpHttpClient(vertx, port);
    c.credentials.putAll(credentials);
    clients.add(c);
    return c;
  }

  private String token(String sub, String scope) {
    return TestKeys.signHs(vertx, secret, TestKeys.claims(sub, scope));
  }

  // --- Redaction --------------------------------------------------------------------------------

  @Test
  void noCredentialOrSecretArgumentReachesAnyLogLine() throws Exception {
    String jwt = token("bob", "tools:list tools:call");
    String cookie = "sid-" + TestKeys.secret();
    String password = "pw-" + TestKeys.secret();
    String argToken = "tok-" + TestKeys.secret();
    String expiredJwt =
        TestKeys.signHs(
            vertx,
            secret,
            TestKeys.claims("bob", null).put("exp", System.currentTimeMillis() / 1000 - 3600));
    String forgedJwt = TestKeys.signHs(vertx, TestKeys.secret(), TestKeys.claims("bob", null));
    List<String> secrets =
        List.of(jwt, apiKey, cookie, password, argToken, expiredJwt, forgedJwt, secret);

    JsonObject args =
        new JsonObject()
            .put("user", "bob")
            .put("password", password)
            .put("token", argToken)
            .put("nested", new JsonObject().put("Authorization", "Bearer " + jwt));

    McpHttpClient bob =
        client(Map.of("Authorization", "Bearer " + jwt, "Cookie", "session=" + cookie));
    bob.initialize();
    assertThat(bob.post(toolCall(1, "login", args, null)).status).isEqualTo(200);
    // A tool that refuses the arguments, and one the caller may not call.
    bob.post(toolCall(2, "echo", args, null));
    assertThat(bob.post(toolCall(3, HttpAuthTest.ADMIN_TOOL, args, null)).status).isEqualTo(403);
    bob.delete();

    McpHttpClient bot = client(Map.of("X-MCP-API-Key", apiKey, "Cookie", "session=" + cookie));
    bot.initialize();
    assertThat(bot.post(toolCall(1, "login", args, null)).status).isEqualTo(200);

    for (String refused : List.of(expiredJwt, forgedJwt)) {
      McpHttpClient bad = client(Map.of("Authorization", "Bearer " + refused));
      assertThat(
              bad.post(
                      initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(),
                      bad.postHeaders())
                  .status)
          .isEqualTo(401);
    }
    McpHttpClient badKey = client(Map.of("X-MCP-API-Key", apiKey + "x"));
    assertThat(
            badKey.post(
                    initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(),
                    badKey.postHeaders())
                .status)
        .isEqualTo(401);

    logs.awaitAudit(e -> e.getFormattedMessage().contains("\"outcome\":\"unauthenticated\""), 3);
    logs.assertNoLineContains(secrets);
  }

  // --- Audit ------------------------------------------------------------------------------------

  @Test
  void everyToolCallIsOneAuditLineWithWhoWhatAndHowItEnded() throws Exception {
    McpHttpClient bob = client(Map.of("Authorization", "Bearer " + token("bob", "tools:call")));
    bob.initialize();
    JsonObject args = new JsonObject().put("text", "hello").put("b", 1);
    Map<String, Object> reordered = new LinkedHashMap<>();
    reordered.put("b", 1);
    reordered.put("text", "hello");
    assertThat(bob.post(toolCall(1, "echo", args, null)).status).isEqualTo(200);
    // Same arguments in another order: same digest.
    bob.post(toolCall(2, "echo", new JsonObject(reordered), null));
    bob.post(toolCall(3, "whoami", null, null));

    List<JsonObject> lines =
        logs.awaitAudit(e -> e.getFormattedMessage().contains("tools/call"), 3);
    assertThat(lines).hasSize(3);
    JsonObject echo = lines.get(0);
    assertThat(echo.fieldNames())
        .contains(
            "time",
            "transport",
            "subject",
            "credentialKind",
            "method",
            "tool",
            "argumentDigest",
            "outcome",
            "durationMs",
            "deadlineLeftMs");
    assertThat(java.time.Instant.parse(echo.getString("time"))).isNotNull();
    assertThat(echo.getString("transport")).isEqualTo("http");
    assertThat(echo.getString("subject")).isEqualTo("bob");
    assertThat(echo.getString("credentialKind")).isEqualTo("jwt");
    assertThat(echo.getString("method")).isEqualTo("tools/call");
    assertThat(echo.getString("tool")).isEqualTo("echo");
    // Schema validation refuses the extra "b": still a tool call, ending in a tool error.
    assertThat(echo.getString("outcome")).isIn("ok", "tool_error");
    assertThat(echo.getString("argumentDigest"))
        .isEqualTo(AuditEvent.argumentDigest(args))
        .isEqualTo(lines.get(1).getString("argumentDigest"))
        .doesNotContain("hello");
    assertThat(echo.getLong("durationMs")).isNotNegative();
    assertThat(echo.getLong("deadlineLeftMs")).isPositive();
    assertThat(echo.encode()).doesNotContain("hello");
    assertThat(lines.get(2).getString("tool")).isEqualTo("whoami");
    assertThat(lines.get(2).getString("outcome")).isEqualTo("ok");
  }

  @Test
  void deniedRequestsAreAudited401And403() throws Exception {
    McpHttpClient nobody = client(Map.of());
    assertThat(
            nobody.post(
                    initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(),
                    nobody.postHeaders())
                .status)
        .isEqualTo(401);
    McpHttpClient forged =
        client(
            Map.of(
                "Authorization",
                "Bearer "
                    + TestKeys.signHs(vertx, TestKeys.secret(), TestKeys.claims("bob", null))));
    assertThat(
            forged.post(
                    initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(),
                    forged.postHeaders())
                .status)
        .isEqualTo(401);

    List<JsonObject> unauthenticated =
        logs.awaitAudit(e -> e.getFormattedMessage().contains("\"unauthenticated\""), 2);
    assertThat(unauthenticated).hasSize(2);
    assertThat(unauthenticated)
        .allSatisfy(
            line -> {
              assertThat(line.getString("transport")).isEqualTo("http");
              assertThat(line.getString("outcome")).isEqualTo("unauthenticated");
              assertThat(line.containsKey("subject")).isFalse();
              assertThat(line.getString("time")).isNotNull();
            });
    assertThat(unauthenticated.get(0).getString("detail")).isEqualTo("missing");
    assertThat(unauthenticated.get(1).getString("detail")).isEqualTo("invalid");

    McpHttpClient lister = client(Map.of("X-MCP-API-Key", apiKey));
    lister.initialize();
    assertThat(lister.post(toolCall(1, HttpAuthTest.ADMIN_TOOL, null, null)).status).isEqualTo(403);
    List<JsonObject> forbidden =
        logs.awaitAudit(e -> e.getFormattedMessage().contains("\"forbidden\""), 1);
    assertThat(forbidden).hasSize(1);
    JsonObject line = forbidden.get(0);
    assertThat(line.getString("transport")).isEqualTo("http");
    assertThat(line.getString("subject")).isEqualTo("ci-bot");
    assertThat(line.getString("credentialKind")).isEqualTo("apiKey");
    assertThat(line.getString("method")).isEqualTo("tools/call");
    assertThat(line.getString("tool")).isEqualTo(HttpAuthTest.ADMIN_TOOL);
    assertThat(line.getString("detail")).isEqualTo("missing scope admin");
    // A denied call never ran: no tool-call line for it.
    assertThat(logs.auditLines())
        .noneMatch(
            l ->
                HttpAuthTest.ADMIN_TOOL.equals(l.getString("tool"))
                    && !"forbidden".equals(l.getString("outcome")));
  }

  @Test
  void auditLinesAreSingleLineJson() throws Exception {
    McpHttpClient bob = client(Map.of("Authorization", "Bearer " + token("bob", "tools:call")));
    bob.initialize();
    bob.post(toolCall(1, "echo", new JsonObject().put("text", "line1\nline2"), null));
    List<JsonObject> lines =
        logs.awaitAudit(e -> e.getFormattedMessage().contains("tools/call"), 1);
    assertThat(lines).hasSize(1);
    assertThat(logs.auditEvents())
        .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("\n"));
    assertThat(Files.exists(dir)).isTrue();
  }
}
