package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static io.trident.transport.http.McpHttpClient.initializeRequest;
import static io.trident.transport.http.McpHttpClient.request;
import static io.trident.transport.http.McpHttpClient.toolCall;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.ApiKeyStore;
import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.RequestGuard;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.backend.Tool;
import io.trident.backend.builtin.DefaultBackend;
import io.trident.context.Principal;
import io.trident.model.CallToolResult;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
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
 * The auth chain on the Streamable HTTP transport, end to end over real sockets: a real {@link
 * AuthChain} built from {@link AuthSettings} with an HS256 secret file, an RS256 public key file
 * and an API keys file, in front of the default backend plus a tool that needs the scope {@code
 * admin}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public class HttpAuthTest {

  public static final String ADMIN_TOOL = "admin_reset";

  @TempDir Path dir;

  Vertx vertx;
  String secret;
  KeyPair rsa;
  Path secretFile;
  Path publicKeyFile;
  Path keysFile;
  final String fullKey = ApiKeyStore.generateKey();
  final String aliceKey = ApiKeyStore.generateKey();
  final String revokedKey = ApiKeyStore.generateKey();
  final String expiredKey = ApiKeyStore.generateKey();
  final String unknownKey = ApiKeyStore.generateKey();

  AuthChain chain;
  int port;
  final List<McpHttpClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    secret = TestKeys.secret();
    rsa = TestKeys.rsa();
    secretFile = TestKeys.write(dir, "jwt.secret", secret + "\n");
    publicKeyFile = TestKeys.write(dir, "jwt-rsa.pem", TestKeys.publicPem(rsa));
    keysFile = dir.resolve("keys.yaml");
    writeKeys(false);
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpHttpClient::close);
    if (chain != null) {
      await(chain.close());
    }
  }

  // --- Fixture ----------------------------------------------------------------------------------

  /** The keys file; {@code revokeAlice} flips alice's key to {@code revoked: true}. */
  void writeKeys(boolean revokeAlice) throws Exception {
    String yaml =
        "keys:\n"
            + entry(fullKey, "ci-bot", "[\"*\"]", null, false)
            + entry(aliceKey, "alice", "[tools:list, tools:call]", null, revokeAlice)
            + entry(revokedKey, "old-bot", "[\"*\"]", null, true)
            + entry(expiredKey, "temp-bot", "[\"*\"]", "2020-01-01T00:00:00Z", false);
    Files.writeString(keysFile, yaml, StandardCharsets.UTF_8);
  }

  /** One entry of an API keys file, for {@code key}. */
  public static String entry(
      String key, String subject, String scopes, String expires, boolean revoked) {
    return "  - hash: "
        + ApiKeyStore.hash(key)
        + "\n    subject: "
        + subject
        + "\n    scopes: "
        + scopes
        + (expires == null ? "" : "\n    expires: " + expires)
        + "\n    revoked: "
        + revoked
        + "\n";
  }

  AuthSettings settings(AuthSettings.Anonymous anonymous) {
    return new AuthSettings(
        null,
        anonymous,
        TestKeys.jwt(secretFile.toString(), List.of(publicKeyFile.toString()), null, null),
        new AuthSettings.ApiKeys(keysFile.toString(), "100ms"),
        null,
        null,
        null,
        new AuthSettings.Metadata(List.of(TestKeys.ISSUER), null));
  }

  /** The default backend plus {@link #ADMIN_TOOL}, which needs the scope {@code admin}. */
  public static Backend backend(Vertx vertx) {
    Backend b = new Backend();
    new DefaultBackend().register(b, vertx);
    b.addTool(
        Tool.builder(ADMIN_TOOL)
            .description("needs the admin scope")
            .requiredScope("admin")
            .handler((args, ctx) -> Future.succeededFuture(CallToolResult.text("reset done")))
            .build());
    b.tools().forEach(Tool::compileSchemas);
    return b;
  }

  int start() {
    return start(settings(null));
  }

  int start(AuthSettings settings) {
    Backend backend = backend(vertx);
    chain =
        await(AuthChain.create(vertx, settings, Principal.local("nobody", Set.of())))
            .withDeclaredScopes(
                backend.tools().stream()
                    .map(Tool::requiredScope)
                    .filter(java.util.Objects::nonNull)
                    .toList());
    ServerOptions opts =
        ServerOptions.defaults(Implementation.of("trident-auth-test", "1"))
            .withRequestTimeout(Duration.ofSeconds(30));
    McpServer server =
        new McpServer(vertx, backend, opts, RequestGuard.of(chain.scopes(), backend));
    HttpTransportOptions options = TestHttpOptions.loopback().build();
    StreamableHttpTransport transport = new StreamableHttpTransport(vertx, server, options, chain);
    HttpVerticle verticle = new HttpVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    port = verticle.actualPort();
    return port;
  }

  McpHttpClient client() {
    McpHttpClient c = new McpHttpClient(vertx, port);
    clients.add(c);
    return c;
  }

  McpHttpClient bearer(String token) {
    McpHttpClient c = client();
    c.credentials.put("Authorization", "Bearer " + token);
    return c;
  }

  McpHttpClient apiKey(String key) {
    McpHttpClient c = client();
    c.credentials.put("X-MCP-API-Key", key);
    return c;
  }

  String hs(String sub, String scope) {
    return TestKeys.signHs(vertx, secret, TestKeys.claims(sub, scope));
  }

  String hs(JsonObject claims) {
    return TestKeys.signHs(vertx, secret, claims);
  }

  String rs(String sub, String scope) {
    return TestKeys.sign(vertx, rsa, null, TestKeys.claims(sub, scope));
  }

  String metadataUrl() {
    return "http://127.0.0.1:" + port + "/.well-known/oauth-protected-resource/mcp";
  }

  String invalidTokenChallenge() {
    return "Bearer resource_metadata=\"" + metadataUrl() + "\", error=\"invalid_token\"";
  }

  String scopeChallenge(String scope) {
    return "Bearer resource_metadata=\""
        + metadataUrl()
        + "\", error=\"insufficient_scope\", scope=\""
        + scope
        + "\"";
  }

  static JsonObject whoami(Reply r) {
    assertThat(r.status).as("whoami status; body %s", r.body()).isEqualTo(200);
    JsonObject result = r.json().getJsonObject("result");
    assertThat(result.getBoolean("isError", false)).as("isError; %s", result).isFalse();
    return result.getJsonObject("structuredContent");
  }

  static List<String> toolNames(Reply r) {
    assertThat(r.status).as("tools/list status; body %s", r.body()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    r.json()
        .getJsonObject("result")
        .getJsonArray("tools")
        .forEach(t -> names.add(((JsonObject) t).getString("name")));
    return names;
  }

  /** An initialize POST with exactly {@code headers} besides content negotiation. */
  Reply initializeWith(Map<String, String> headers) {
    McpHttpClient c = client();
    Map<String, String> h = new LinkedHashMap<>(c.postHeaders());
    h.putAll(headers);
    return c.post(initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(), h);
  }

  static void assertUnauthorized(Reply r, String challenge) {
    assertThat(r.status).as("status; body %s", r.body()).isEqualTo(401);
    assertThat(r.headers.getAll("WWW-Authenticate")).containsExactly(challenge);
    JsonObject error = r.json().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(-32004);
    assertThat(r.header("Mcp-Session-Id")).isNull();
  }

  // --- No or bad credentials: 401 ---------------------------------------------------------------

  @Test
  void noCredentialIsRefusedWithAChallengeWhoseMetadataUrlServesTheDocument() {
    start();
    Reply r = initializeWith(Map.of());
    assertUnauthorized(r, invalidTokenChallenge());

    String challenge = r.header("WWW-Authenticate");
    String url = challenge.replaceAll(".*resource_metadata=\"([^\"]+)\".*", "$1");
    assertThat(url).isEqualTo(metadataUrl());
    McpHttpClient anyone = client();
    Reply doc =
        anyone.exchange(HttpMethod.GET, url.substring(url.indexOf("/.well-known")), Map.of(), null);
    assertThat(doc.status).isEqualTo(200);
    assertThat(doc.json().getString("resource")).isEqualTo("http://127.0.0.1:" + port + "/mcp");
  }

  @Test
  void everyEndpointAndMethodAuthenticatesFirst() {
    start();
    McpHttpClient c = client();
    c.sessionId = "made-up";
    c.protocolVersion = McpHttpClient.LATEST;
    assertUnauthorized(c.get(), invalidTokenChallenge());
    assertUnauthorized(c.delete(), invalidTokenChallenge());
    assertUnauthorized(c.post(request(1, "ping", null)), invalidTokenChallenge());
    // Legacy HTTP+SSE endpoints too.
    assertUnauthorized(
        c.exchange(HttpMethod.GET, "/sse", Map.of("Accept", "text/event-stream"), null),
        invalidTokenChallenge());
    assertUnauthorized(
        c.exchange(
            HttpMethod.POST,
            "/messages?sessionId=x",
            Map.of("Content-Type", "application/json"),
            request(1, "ping", null).toBuffer()),
        invalidTokenChallenge());
  }

  @Test
  void everyRefusedCredentialGetsTheSameAnswerWhateverTheReason() throws Exception {
    start();
    long now = System.currentTimeMillis() / 1000;
    KeyPair otherRsa = TestKeys.rsa();
    JsonObject rs256Header = new JsonObject().put("alg", "RS256").put("typ", "JWT");
    JsonObject hs256Header = new JsonObject().put("alg", "HS256").put("typ", "JWT");
    Map<String, Map<String, String>> cases = new LinkedHashMap<>();
    cases.put("no credential", Map.of());
    cases.put("malformed token", bearerHeader("not-a-jwt"));
    cases.put("three segments of garbage", bearerHeader("a.b.c"));
    cases.put("two tokens", Map.of("Authorization", "Bearer " + hs("bob", null) + " extra"));
    cases.put("empty bearer", Map.of("Authorization", "Bearer "));
    cases.put(
        "bad HS256 signature", bearerHeader(TestKeys.signHs(vertx, TestKeys.secret(), ok("bob"))));
    cases.put("RS256 by another key", bearerHeader(TestKeys.sign(vertx, otherRsa, null, ok("b"))));
    cases.put(
        "tampered payload",
        bearerHeader(tamper(hs("bob", "tools:list"), ok("bob").put("scope", "admin"))));
    cases.put("expired", bearerHeader(hs(ok("bob").put("iat", now - 7200).put("exp", now - 3600))));
    cases.put("not yet valid", bearerHeader(hs(ok("bob").put("nbf", now + 3600))));
    cases.put("issued in the future", bearerHeader(hs(ok("bob").put("iat", now + 3600))));
    cases.put("no exp", bearerHeader(hs(withoutKey(ok("bob"), "exp"))));
    cases.put("no sub", bearerHeader(hs(withoutKey(ok("bob"), "sub"))));
    cases.put("wrong issuer", bearerHeader(hs(ok("bob").put("iss", "https://evil.test"))));
    cases.put("wrong audience", bearerHeader(hs(ok("bob").put("aud", "someone-else"))));
    cases.put(
        "alg none",
        bearerHeader(
            TestKeys.handMade(
                new JsonObject().put("alg", "none").put("typ", "JWT"), ok("b"), null)));
    cases.put(
        "alg None",
        bearerHeader(TestKeys.handMade(new JsonObject().put("alg", "None"), ok("b"), null)));
    cases.put(
        "RS256 header without signature",
        bearerHeader(TestKeys.handMade(rs256Header, ok("b"), null)));
    cases.put(
        "HS256 signed with the RSA public key PEM (algorithm confusion)",
        bearerHeader(
            TestKeys.handMade(
                hs256Header,
                ok("b"),
                TestKeys.publicPem(rsa).getBytes(StandardCharsets.US_ASCII))));
    cases.put(
        "HS256 signed with the RSA public key DER (algorithm confusion)",
        bearerHeader(TestKeys.handMade(hs256Header, ok("b"), rsa.getPublic().getEncoded())));
    cases.put(
        "RS256 header with an HMAC by the public key",
        bearerHeader(
            TestKeys.handMade(
                rs256Header,
                ok("b"),
                TestKeys.publicPem(rsa).getBytes(StandardCharsets.US_ASCII))));
    cases.put("Basic", Map.of("Authorization", "Basic dXNlcjpwYXNzd29yZA=="));
    cases.put("unknown scheme", Map.of("Authorization", "Token " + hs("bob", null)));
    cases.put("API key unknown", Map.of("X-MCP-API-Key", unknownKey));
    cases.put("API key revoked", Map.of("X-MCP-API-Key", revokedKey));
    cases.put("API key expired", Map.of("X-MCP-API-Key", expiredKey));
    cases.put("API key empty", Map.of("X-MCP-API-Key", ""));
    cases.put("API key oversized", Map.of("X-MCP-API-Key", "k".repeat(5000)));
    cases.put(
        "bad bearer is not rescued by a good API key",
        Map.of("Authorization", "Bearer not-a-jwt", "X-MCP-API-Key", fullKey));

    String expectedBody = null;
    for (Map.Entry<String, Map<String, String>> c : cases.entrySet()) {
      Reply r = initializeWith(c.getValue());
      assertThat(r.status).as("%s: status; body %s", c.getKey(), r.body()).isEqualTo(401);
      assertThat(r.headers.getAll("WWW-Authenticate"))
          .as(c.getKey())
          .containsExactly(invalidTokenChallenge());
      assertThat(r.header("Mcp-Session-Id")).as(c.getKey()).isNull();
      if (expectedBody == null) {
        expectedBody = r.body();
        JsonObject error = new JsonObject(expectedBody).getJsonObject("error");
        assertThat(error.getInteger("code")).isEqualTo(-32004);
        assertThat(error.getString("message")).doesNotContainIgnoringCase("signature");
      }
      assertThat(r.body())
          .as("%s: the body says nothing of why", c.getKey())
          .isEqualTo(expectedBody);
    }
  }

  private static Map<String, String> bearerHeader(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static JsonObject ok(String sub) {
    return TestKeys.claims(sub, null);
  }

  private static JsonObject withoutKey(JsonObject o, String key) {
    JsonObject copy = o.copy();
    copy.remove(key);
    return copy;
  }

  /** {@code token} with its payload replaced by {@code claims}, signature kept. */
  private static String tamper(String token, JsonObject claims) {
    String[] parts = token.split("\\.");
    String payload =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    return parts[0] + "." + payload + "." + parts[2];
  }

  // --- Good credentials -------------------------------------------------------------------------

  @Test
  void hs256AndRs256TokensAreLetInAndToolsWork() {
    start();
    McpHttpClient hsClient = bearer(hs("bob", "tools:list tools:call"));
    hsClient.initialize();
    JsonObject me = whoami(hsClient.post(toolCall(1, "whoami", null, null)));
    assertThat(me.getString("subject")).isEqualTo("bob");
    assertThat(me.getString("credentialKind")).isEqualTo("jwt");
    assertThat(me.getString("transport")).isEqualTo("http");
    assertThat(me.getJsonArray("scopes").getList()).containsExactly("tools:call", "tools:list");
    Reply echo = hsClient.post(toolCall(2, "echo", new JsonObject().put("text", "hi"), null));
    assertThat(echo.status).isEqualTo(200);
    assertThat(
            echo.json()
                .getJsonObject("result")
                .getJsonArray("content")
                .getJsonObject(0)
                .getString("text"))
        .isEqualTo("hi");

    McpHttpClient rsClient = bearer(rs("carol", "tools:call"));
    rsClient.initialize();
    assertThat(whoami(rsClient.post(toolCall(1, "whoami", null, null))).getString("subject"))
        .isEqualTo("carol");
  }

  @Test
  void bearerSchemeIsCaseInsensitive() {
    start();
    McpHttpClient c = client();
    c.credentials.put("Authorization", "bearer " + hs("bob", "tools:call"));
    c.initialize();
    assertThat(whoami(c.post(toolCall(1, "whoami", null, null))).getString("subject"))
        .isEqualTo("bob");
  }

  @Test
  void goodApiKeyIsLetIn() {
    start();
    McpHttpClient c = apiKey(fullKey);
    c.initialize();
    JsonObject me = whoami(c.post(toolCall(1, "whoami", null, null)));
    assertThat(me.getString("subject")).isEqualTo("ci-bot");
    assertThat(me.getString("credentialKind")).isEqualTo("apiKey");
    assertThat(c.post(toolCall(2, ADMIN_TOOL, null, null)).status).isEqualTo(200);
  }

  @Test
  void revokingAKeyInTheFileShutsItOutWithoutARestart() throws Exception {
    start();
    McpHttpClient c = apiKey(aliceKey);
    c.initialize();
    assertThat(whoami(c.post(toolCall(1, "whoami", null, null))).getString("subject"))
        .isEqualTo("alice");

    writeKeys(true);
    // Make sure the modification time moves even on coarse file systems.
    Files.setLastModifiedTime(keysFile, FileTime.from(Instant.now().plusSeconds(5)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Reply r;
    do {
      Thread.sleep(50);
      r = c.post(toolCall(2, "whoami", null, null));
    } while (r.status == 200 && System.nanoTime() < deadline);
    assertUnauthorized(r, invalidTokenChallenge());
    // Its open session is of no use either.
    assertUnauthorized(c.post(request(3, "ping", null)), invalidTokenChallenge());
    // Other keys still work.
    McpHttpClient other = apiKey(fullKey);
    other.initialize();
  }

  // --- Scopes: 403 ------------------------------------------------------------------------------

  @Test
  void missingMethodScopeIs403InsufficientScope() {
    start();
    McpHttpClient c = bearer(hs("bob", "tools:list"));
    c.initialize();
    Reply r = c.post(toolCall(1, "whoami", null, null));
    assertThat(r.status).as("body %s", r.body()).isEqualTo(403);
    assertThat(r.headers.getAll("WWW-Authenticate")).containsExactly(scopeChallenge("tools:call"));
    JsonObject error = r.json().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(-32003);
    assertThat(error.getJsonObject("data").getString("requiredScope")).isEqualTo("tools:call");
    assertThat(r.json().getValue("id")).isEqualTo(1);
    // Listing is allowed.
    assertThat(c.post(request(2, "tools/list", null)).status).isEqualTo(200);
    // Other method families need their own scopes.
    Reply resources = c.post(request(3, "resources/list", null));
    assertThat(resources.status).isEqualTo(403);
    assertThat(resources.header("WWW-Authenticate")).isEqualTo(scopeChallenge("resources:read"));
  }

  @Test
  void missingToolScopeIs403NamingTheToolScope() {
    start();
    McpHttpClient c = bearer(hs("bob", "tools:list tools:call"));
    c.initialize();
    Reply r = c.post(toolCall(1, ADMIN_TOOL, null, null));
    assertThat(r.status).as("body %s", r.body()).isEqualTo(403);
    assertThat(r.headers.getAll("WWW-Authenticate")).containsExactly(scopeChallenge("admin"));
    assertThat(r.json().getJsonObject("error").getJsonObject("data").getString("requiredScope"))
        .isEqualTo("admin");
    // With admin it runs.
    McpHttpClient admin = bearer(hs("root", "tools:list tools:call admin"));
    admin.initialize();
    Reply ok = admin.post(toolCall(1, ADMIN_TOOL, null, null));
    assertThat(ok.status).isEqualTo(200);
    assertThat(ok.json().getJsonObject("result").getBoolean("isError", false)).isFalse();
  }

  @Test
  void toolsListShowsOnlyWhatTheCallerMayCall() {
    start();
    McpHttpClient plain = bearer(hs("bob", "tools:list tools:call"));
    plain.initialize();
    assertThat(toolNames(plain.post(request(1, "tools/list", null))))
        .contains("whoami", "echo")
        .doesNotContain(ADMIN_TOOL);

    McpHttpClient admin = bearer(hs("root", "tools:list tools:call admin"));
    admin.initialize();
    assertThat(toolNames(admin.post(request(1, "tools/list", null))))
        .contains("whoami", ADMIN_TOOL);

    McpHttpClient listOnly = bearer(hs("eve", "tools:list"));
    listOnly.initialize();
    assertThat(toolNames(listOnly.post(request(1, "tools/list", null)))).isEmpty();
  }

  @Test
  void aSteppedUpTokenCountsOnTheSameSession() {
    start();
    McpHttpClient bob = bearer(hs("bob", "tools:list tools:call"));
    bob.initialize();
    Reply denied = bob.post(toolCall(1, ADMIN_TOOL, null, null));
    assertThat(denied.status).isEqualTo(403);
    assertThat(denied.header("WWW-Authenticate")).isEqualTo(scopeChallenge("admin"));
    // The client gets a token with the scope the challenge named and retries on its session.
    bob.credentials.put("Authorization", "Bearer " + hs("bob", "tools:list tools:call admin"));
    Reply retried = bob.post(toolCall(2, ADMIN_TOOL, null, null));
    assertThat(retried.status).as("body %s", retried.body()).isEqualTo(200);
    assertThat(toolNames(bob.post(request(3, "tools/list", null)))).contains(ADMIN_TOOL);
  }

  @Test
  void aNarrowerTokenCountsOnTheSameSession() {
    start();
    McpHttpClient bob = bearer(hs("bob", "tools:list tools:call admin"));
    bob.initialize();
    assertThat(bob.post(toolCall(1, ADMIN_TOOL, null, null)).status).isEqualTo(200);
    // The scopes of the session's first token are not kept: each request is its own caller's.
    bob.credentials.put("Authorization", "Bearer " + hs("bob", "tools:list tools:call"));
    Reply r = bob.post(toolCall(2, ADMIN_TOOL, null, null));
    assertThat(r.status).as("body %s", r.body()).isEqualTo(403);
    assertThat(toolNames(bob.post(request(3, "tools/list", null)))).doesNotContain(ADMIN_TOOL);
    JsonObject me = whoami(bob.post(toolCall(4, "whoami", null, null)));
    assertThat(me.getJsonArray("scopes").getList()).containsExactly("tools:call", "tools:list");
  }

  // --- Sessions belong to their caller ----------------------------------------------------------

  @Test
  void anotherPrincipalCannotUseSomeonesSession() {
    start();
    McpHttpClient alice = bearer(hs("alice", "tools:list tools:call"));
    alice.initialize();

    for (McpHttpClient thief :
        List.of(
            bearer(hs("mallory", "*")),
            // Same subject, another credential kind: still another caller.
            apiKey(aliceKey))) {
      thief.sessionId = alice.sessionId;
      thief.protocolVersion = alice.protocolVersion;
      assertThat(thief.post(toolCall(1, "whoami", null, null)).status).isEqualTo(404);
      assertThat(thief.get().status).isEqualTo(404);
      assertThat(thief.delete().status).isEqualTo(404);
    }
    // Untouched: alice's session still works, with a fresh token of hers too.
    assertThat(whoami(alice.post(toolCall(2, "whoami", null, null))).getString("subject"))
        .isEqualTo("alice");
    alice.credentials.put("Authorization", "Bearer " + hs("alice", "tools:call"));
    assertThat(alice.post(toolCall(3, "whoami", null, null)).status).isEqualTo(200);
  }

  // --- Protected-resource metadata --------------------------------------------------------------

  @Test
  void metadataIsServedAtBothPathsWithoutAuthAndGetOnly() {
    start();
    McpHttpClient c = client();
    for (String path :
        List.of(
            "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp")) {
      Reply r = c.exchange(HttpMethod.GET, path, Map.of(), null);
      assertThat(r.status).as(path).isEqualTo(200);
      assertThat(r.header("Content-Type")).startsWith("application/json");
      JsonObject doc = r.json();
      assertThat(doc.getString("resource")).isEqualTo("http://127.0.0.1:" + port + "/mcp");
      assertThat(doc.getJsonArray("authorization_servers").getList())
          .containsExactly(TestKeys.ISSUER);
      assertThat(doc.getJsonArray("scopes_supported").getList())
          .contains("admin", "tools:call", "tools:list", "resources:read", "prompts:read");
      assertThat(doc.getJsonArray("bearer_methods_supported").getList()).containsExactly("header");
      // A bad credential does not matter here.
      assertThat(
              c.exchange(HttpMethod.GET, path, Map.of("Authorization", "Bearer junk"), null).status)
          .isEqualTo(200);
      for (HttpMethod m : List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE)) {
        Reply refused = c.exchange(m, path, Map.of(), Buffer.buffer("{}"));
        assertThat(refused.status).as("%s %s", m, path).isEqualTo(405);
        assertThat(refused.header("Allow")).isEqualTo("GET");
      }
    }
    assertThat(
            c.exchange(
                    HttpMethod.GET, "/.well-known/oauth-protected-resource/other", Map.of(), null)
                .status)
        .isEqualTo(404);
  }

  // --- Anonymous --------------------------------------------------------------------------------

  @Test
  void anonymousCallersGetTheAnonymousScopesOnly() {
    start(settings(new AuthSettings.Anonymous(true, List.of("tools:list", "tools:call"))));
    McpHttpClient anon = client();
    anon.initialize();
    JsonObject me = whoami(anon.post(toolCall(1, "whoami", null, null)));
    assertThat(me.getString("subject")).isEqualTo("anonymous");
    assertThat(me.getString("credentialKind")).isEqualTo("anonymous");
    assertThat(me.getJsonArray("scopes").getList()).containsExactly("tools:call", "tools:list");
    assertThat(toolNames(anon.post(request(2, "tools/list", null)))).doesNotContain(ADMIN_TOOL);
    Reply admin = anon.post(toolCall(3, ADMIN_TOOL, null, null));
    assertThat(admin.status).isEqualTo(403);
    assertThat(admin.header("WWW-Authenticate")).isEqualTo(scopeChallenge("admin"));
    Reply resources = anon.post(request(4, "resources/list", null));
    assertThat(resources.status).isEqualTo(403);

    // A credential that fails is not rescued by anonymous access.
    assertUnauthorized(initializeWith(bearerHeader("not-a-jwt")), invalidTokenChallenge());
    assertUnauthorized(
        initializeWith(Map.of("X-MCP-API-Key", revokedKey)), invalidTokenChallenge());
    // A good one still counts.
    McpHttpClient admin2 = bearer(hs("root", "tools:call admin"));
    admin2.initialize();
    assertThat(admin2.post(toolCall(1, ADMIN_TOOL, null, null)).status).isEqualTo(200);
  }

  @Test
  void anonymousAccessOffMeansNoCredentialIs401() {
    start(settings(new AuthSettings.Anonymous(false, List.of("tools:list"))));
    assertUnauthorized(initializeWith(Map.of()), invalidTokenChallenge());
  }
}
