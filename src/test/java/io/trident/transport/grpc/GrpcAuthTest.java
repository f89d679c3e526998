package io.trident.transport.grpc;

import static io.trident.transport.grpc.GrpcTransportTest.await;
import static io.trident.transport.grpc.GrpcTransportTest.grpcFailure;
import static io.trident.transport.grpc.GrpcTransportTest.rpcFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.ApiKeyStore;
import io.trident.auth.AuthChain;
import io.trident.auth.AuthFailure;
import io.trident.auth.AuthSettings;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.backend.Tool;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.JsonRpcException;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.trident.context.Principal;
import io.trident.grpc.v1.CallToolResult;
import io.trident.grpc.v1.CompleteRequest;
import io.trident.grpc.v1.Implementation;
import io.trident.grpc.v1.ProtectedResourceMetadata;
import io.trident.protobuf.StructCodec;
import io.trident.transport.http.HttpAuthTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auth chain on the gRPC transport, end to end over real sockets, as {@code HttpAuthTest}
 * proves it for Streamable HTTP: a real {@link AuthChain} with an HS256 secret file, an RS256
 * public key file and an API keys file, in front of the default backend plus a tool that needs the
 * scope {@code admin}; the typed RPCs and Connect driven by {@link McpGrpcClient}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcAuthTest {

  static final String ADMIN_TOOL = HttpAuthTest.ADMIN_TOOL;

  /** A tool that counts its runs: a refused call must not run it. */
  static final String COUNTED_TOOL = "counted";

  private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> HEALTH_CHECK =
      ServiceMethod.client(
          ServiceName.create("grpc.health.v1", "Health"),
          "Check",
          GrpcMessageEncoder.encoder(),
          GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));

  @TempDir Path dir;

  private Vertx vertx;
  private String secret;
  private KeyPair rsa;
  private final String fullKey = ApiKeyStore.generateKey();
  private final String aliceKey = ApiKeyStore.generateKey();
  private final String revokedKey = ApiKeyStore.generateKey();
  private final String expiredKey = ApiKeyStore.generateKey();
  private final String unknownKey = ApiKeyStore.generateKey();
  private final AtomicInteger runs = new AtomicInteger();
  private AuthChain chain;
  private SocketAddress address;
  private final List<McpGrpcClient> clients = new ArrayList<>();
  private final List<GrpcClient> rawClients = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    secret = TestKeys.secret();
    rsa = TestKeys.rsa();
    Path secretFile = TestKeys.write(dir, "jwt.secret", secret + "\n");
    Path publicKeyFile = TestKeys.write(dir, "jwt-rsa.pem", TestKeys.publicPem(rsa));
    Path keysFile = dir.resolve("keys.yaml");
    Files.writeString(
        keysFile,
        "keys:\n"
            + HttpAuthTest.entry(fullKey, "ci-bot", "[\"*\"]", null, false)
            + HttpAuthTest.entry(aliceKey, "alice", "[tools:list, tools:call]", null, false)
            + HttpAuthTest.entry(revokedKey, "old-bot", "[\"*\"]", null, true)
            + HttpAuthTest.entry(expiredKey, "temp-bot", "[\"*\"]", "2020-01-01T00:00:00Z", false),
        StandardCharsets.UTF_8);
    AuthSettings settings =
        new AuthSettings(
            null,
            null,
            TestKeys.jwt(secretFile.toString(), List.of(publicKeyFile.toString()), null, null),
            new AuthSettings.ApiKeys(keysFile.toString(), "100ms"),
            null,
            null,
            null,
            new AuthSettings.Metadata(List.of(TestKeys.ISSUER), null));
    Backend backend = HttpAuthTest.backend(vertx);
    backend.addTool(
        Tool.builder(COUNTED_TOOL)
            .description("counts its runs")
            .handler(
                (args, ctx) -> {
                  runs.incrementAndGet();
                  return Future.succeededFuture(io.trident.model.CallToolResult.text("counted"));
                })
            .build());
    backend.tools().forEach(Tool::compileSchemas);
    chain =
        await(AuthChain.create(vertx, settings, Principal.local("nobody", Set.of())))
            .withDeclaredScopes(
                backend.tools().stream()
                    .map(Tool::requiredScope)
                    .filter(java.util.Objects::nonNull)
                    .toList());
    address =
        GrpcAuthFixture.deploy(vertx, chain, backend, GrpcTransportOptions.defaults().withPort(0));
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpGrpcClient::close);
    rawClients.forEach(GrpcClient::close);
    await(chain.close());
  }

  // --- Fixture ----------------------------------------------------------------------------------

  private McpGrpcClient client(McpGrpcClientOptions options) {
    McpGrpcClient c = McpGrpcClient.create(vertx, address, options);
    clients.add(c);
    return c;
  }

  private McpGrpcClient anonymous() {
    return client(new McpGrpcClientOptions());
  }

  private McpGrpcClient bearer(String token) {
    return client(new McpGrpcClientOptions().setBearerToken(token));
  }

  private McpGrpcClient apiKey(String key) {
    return client(new McpGrpcClientOptions().addMetadata("x-mcp-api-key", key));
  }

  private String hs(String sub, String scope) {
    return TestKeys.signHs(vertx, secret, TestKeys.claims(sub, scope));
  }

  private String hs(JsonObject claims) {
    return TestKeys.signHs(vertx, secret, claims);
  }

  private static JsonObject ok(String sub) {
    return TestKeys.claims(sub, null);
  }

  private static JsonObject whoami(McpGrpcClient c) {
    CallToolResult r = await(c.callTool("whoami", new JsonObject()));
    assertThat(r.getIsError()).as("whoami is_error").isFalse();
    return StructCodec.fromStruct(r.getStructuredContent());
  }

  private static List<String> toolNames(McpGrpcClient c) {
    return await(c.listTools(null)).getToolsList().stream()
        .map(io.trident.grpc.v1.Tool::getName)
        .toList();
  }

  static void assertUnauthenticated(McpGrpcException e, String what) {
    assertThat(e.status()).as("%s: status", what).isEqualTo(GrpcStatus.UNAUTHENTICATED);
    assertThat(e.getMessage())
        .as("%s: message", what)
        .isEqualTo(AuthFailure.UNAUTHENTICATED_MESSAGE);
    assertThat(e.mcpCode()).as("%s: mcp-error-code", what).isEqualTo(-32004);
    assertThat(e.data()).as("%s: no error data", what).isNull();
  }

  static void assertForbidden(McpGrpcException e, String scope) {
    assertThat(e.status()).isEqualTo(GrpcStatus.PERMISSION_DENIED);
    assertThat(e.mcpCode()).isEqualTo(-32003);
    assertThat(e.getMessage()).isEqualTo("Forbidden: this requires the scope '" + scope + "'");
    assertThat(e.data()).isInstanceOf(JsonObject.class);
    assertThat(((JsonObject) e.data()).getString("requiredScope")).isEqualTo(scope);
  }

  // --- No or bad credentials: UNAUTHENTICATED ---------------------------------------------------

  @Test
  void everyRefusedCredentialGetsTheSameUnauthenticatedAnswerAndNothingRuns() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    KeyPair otherRsa = TestKeys.rsa();
    JsonObject rs256Header = new JsonObject().put("alg", "RS256").put("typ", "JWT");
    JsonObject hs256Header = new JsonObject().put("alg", "HS256").put("typ", "JWT");
    Map<String, Map<String, String>> cases = new LinkedHashMap<>();
    cases.put("no credential", Map.of());
    cases.put("malformed token", bearerHeader("not-a-jwt"));
    cases.put("three segments of garbage", bearerHeader("a.b.c"));
    cases.put("empty bearer", Map.of("authorization", "Bearer "));
    cases.put(
        "bad HS256 signature", bearerHeader(TestKeys.signHs(vertx, TestKeys.secret(), ok("b"))));
    cases.put("RS256 by another key", bearerHeader(TestKeys.sign(vertx, otherRsa, null, ok("b"))));
    cases.put("expired", bearerHeader(hs(ok("bob").put("iat", now - 7200).put("exp", now - 3600))));
    cases.put("not yet valid", bearerHeader(hs(ok("bob").put("nbf", now + 3600))));
    cases.put("wrong issuer", bearerHeader(hs(ok("bob").put("iss", "https://evil.test"))));
    cases.put("wrong audience", bearerHeader(hs(ok("bob").put("aud", "someone-else"))));
    cases.put(
        "alg none",
        bearerHeader(
            TestKeys.handMade(
                new JsonObject().put("alg", "none").put("typ", "JWT"), ok("b"), null)));
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
    cases.put("Basic", Map.of("authorization", "Basic dXNlcjpwYXNzd29yZA=="));
    cases.put("API key unknown", Map.of("x-mcp-api-key", unknownKey));
    cases.put("API key revoked", Map.of("x-mcp-api-key", revokedKey));
    cases.put("API key expired", Map.of("x-mcp-api-key", expiredKey));
    cases.put(
        "bad bearer is not rescued by a good API key",
        Map.of("authorization", "Bearer not-a-jwt", "x-mcp-api-key", fullKey));

    McpGrpcClient c = anonymous();
    for (Map.Entry<String, Map<String, String>> e : cases.entrySet()) {
      CallOptions call = new CallOptions();
      e.getValue().forEach(call::addMetadata);
      McpGrpcException failure = grpcFailure(c.callTool(COUNTED_TOOL, new JsonObject(), call));
      assertUnauthenticated(failure, e.getKey());
    }
    assertThat(runs.get()).as("refused calls ran the tool").isZero();
    // The same client with a good credential gets through: the refusals were about credentials.
    await(
        c.callTool(
            COUNTED_TOOL,
            new JsonObject(),
            new CallOptions().addMetadata("x-mcp-api-key", fullKey)));
    assertThat(runs.get()).isEqualTo(1);
  }

  private static Map<String, String> bearerHeader(String token) {
    return Map.of("authorization", "Bearer " + token);
  }

  @Test
  void everyTypedRpcAuthenticatesFirst() {
    McpGrpcClient c = anonymous();
    Map<String, Function<McpGrpcClient, Future<?>>> rpcs = new LinkedHashMap<>();
    rpcs.put(
        "Initialize",
        x ->
            x.initialize(
                "2025-11-25", Implementation.newBuilder().setName("t").setVersion("1").build()));
    rpcs.put("Ping", McpGrpcClient::ping);
    rpcs.put("ListTools", x -> x.listTools(null));
    rpcs.put("CallTool", x -> x.callTool("echo", new JsonObject().put("text", "hi")));
    rpcs.put("ListResources", x -> x.listResources(null));
    rpcs.put("ListResourceTemplates", x -> x.listResourceTemplates(null));
    rpcs.put("ReadResource", x -> x.readResource("trident://server/info"));
    rpcs.put("ListPrompts", x -> x.listPrompts(null));
    rpcs.put("GetPrompt", x -> x.getPrompt("summarize", Map.of("text", "abc")));
    rpcs.put(
        "Complete",
        x ->
            x.complete(
                CompleteRequest.newBuilder()
                    .setPromptName("summarize")
                    .setArgumentName("style")
                    .setArgumentValue("b")
                    .build()));
    rpcs.forEach((name, rpc) -> assertUnauthenticated(grpcFailure(rpc.apply(c)), name));
  }

  // --- Good credentials -------------------------------------------------------------------------

  @Test
  void hs256Rs256AndApiKeyCallersAreLetInAsThemselves() {
    JsonObject bob = whoami(bearer(hs("bob", "tools:list tools:call")));
    assertThat(bob.getString("subject")).isEqualTo("bob");
    assertThat(bob.getString("credentialKind")).isEqualTo("jwt");
    assertThat(bob.getString("transport")).isEqualTo("grpc");
    assertThat(bob.getJsonArray("scopes").getList()).containsExactly("tools:call", "tools:list");

    McpGrpcClient carol =
        bearer(TestKeys.sign(vertx, rsa, null, TestKeys.claims("carol", "tools:call")));
    assertThat(whoami(carol).getString("subject")).isEqualTo("carol");
    CallToolResult echo = await(carol.callTool("echo", new JsonObject().put("text", "hi")));
    assertThat(echo.getContent(0).getText().getText()).isEqualTo("hi");

    McpGrpcClient bot = apiKey(fullKey);
    JsonObject me = whoami(bot);
    assertThat(me.getString("subject")).isEqualTo("ci-bot");
    assertThat(me.getString("credentialKind")).isEqualTo("apiKey");
    assertThat(await(bot.callTool(ADMIN_TOOL, new JsonObject())).getIsError()).isFalse();
  }

  @Test
  void bearerSchemeIsCaseInsensitive() {
    McpGrpcClient c =
        client(
            new McpGrpcClientOptions()
                .addMetadata("authorization", "bearer " + hs("bob", "tools:call")));
    assertThat(whoami(c).getString("subject")).isEqualTo("bob");
  }

  // --- Scopes: PERMISSION_DENIED ----------------------------------------------------------------

  @Test
  void missingMethodScopeIsPermissionDeniedNamingTheScope() {
    McpGrpcClient c = bearer(hs("bob", "tools:list"));
    assertForbidden(grpcFailure(c.callTool(COUNTED_TOOL, new JsonObject())), "tools:call");
    assertThat(runs.get()).isZero();
    // Listing is allowed, and shows nothing the caller could call.
    assertThat(toolNames(c)).isEmpty();
    // Other method families need their own scopes.
    assertForbidden(grpcFailure(c.listResources(null)), "resources:read");
    assertForbidden(grpcFailure(c.listResourceTemplates(null)), "resources:read");
    assertForbidden(grpcFailure(c.readResource("trident://server/info")), "resources:read");
    assertForbidden(grpcFailure(c.listPrompts(null)), "prompts:read");
    assertForbidden(grpcFailure(c.getPrompt("summarize", Map.of("text", "abc"))), "prompts:read");
    assertForbidden(
        grpcFailure(
            c.complete(
                CompleteRequest.newBuilder()
                    .setPromptName("summarize")
                    .setArgumentName("style")
                    .setArgumentValue("b")
                    .build())),
        "completion");
    // Lifecycle RPCs need no scope.
    await(c.ping());
  }

  @Test
  void missingToolScopeIsPermissionDeniedNamingTheToolScope() {
    McpGrpcClient bob = apiKey(aliceKey);
    assertForbidden(grpcFailure(bob.callTool(ADMIN_TOOL, new JsonObject())), "admin");
    CallToolResult ok =
        await(bearer(hs("root", "tools:call admin")).callTool(ADMIN_TOOL, new JsonObject()));
    assertThat(ok.getIsError()).isFalse();
    assertThat(ok.getContent(0).getText().getText()).isEqualTo("reset done");
  }

  @Test
  void listToolsShowsOnlyWhatTheCallerMayCall() {
    assertThat(toolNames(bearer(hs("bob", "tools:list tools:call"))))
        .contains("whoami", "echo", COUNTED_TOOL)
        .doesNotContain(ADMIN_TOOL);
    assertThat(toolNames(bearer(hs("root", "tools:list tools:call admin"))))
        .contains("whoami", ADMIN_TOOL);
  }

  @Test
  void resourcesAndPromptsNeedTheirScopes() {
    McpGrpcClient tools = bearer(hs("bob", "tools:list tools:call"));
    assertForbidden(grpcFailure(tools.readResource("trident://server/info")), "resources:read");

    McpGrpcClient reader = bearer(hs("rita", "resources:read prompts:read completion"));
    assertThat(await(reader.listResources(null)).getResourcesCount()).isPositive();
    assertThat(await(reader.readResource("trident://server/info")).getContentsCount()).isPositive();
    assertThat(await(reader.listPrompts(null)).getPromptsList())
        .extracting(io.trident.grpc.v1.Prompt::getName)
        .contains("summarize");
    assertThat(await(reader.getPrompt("summarize", Map.of("text", "abc"))).getMessagesCount())
        .isPositive();
    // Tools are another family.
    assertForbidden(grpcFailure(reader.listTools(null)), "tools:list");
  }

  // --- What needs no credentials ----------------------------------------------------------------

  @Test
  void authDiscoveryAndHealthNeedNoCredentials() {
    for (McpGrpcClient c : List.of(anonymous(), bearer("junk"))) {
      ProtectedResourceMetadata metadata = await(c.authMetadata());
      assertThat(metadata.getResource()).isEqualTo("http://127.0.0.1:" + address.port());
      assertThat(metadata.getAuthorizationServersList()).containsExactly(TestKeys.ISSUER);
      assertThat(metadata.getScopesSupportedList())
          .contains("admin", "tools:call", "tools:list", "resources:read", "prompts:read");
      assertThat(metadata.getBearerMethodsSupportedList()).containsExactly("header");
    }
    GrpcClient raw =
        GrpcClient.client(
            vertx,
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    rawClients.add(raw);
    for (String service : List.of("", "mcp.v1.Mcp")) {
      GrpcClientRequest<HealthCheckRequest, HealthCheckResponse> request =
          await(raw.request(address, HEALTH_CHECK));
      request.end(HealthCheckRequest.newBuilder().setService(service).build());
      HealthCheckResponse r = await(request.response().compose(GrpcClientResponse::last));
      assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
  }

  // --- Connect ----------------------------------------------------------------------------------

  private static JsonObject initialize(ConnectSession session) {
    return await(
        session.initialize(
            "2025-11-25",
            new JsonObject().put("name", "grpc-auth-test").put("version", "1"),
            null));
  }

  @Test
  void connectWithoutAGoodCredentialFailsUnauthenticated() {
    for (McpGrpcClient c : List.of(anonymous(), bearer("not-a-jwt"), apiKey(revokedKey))) {
      ConnectSession session = await(c.connect());
      McpGrpcException refused =
          grpcFailure(session.initialize("2025-11-25", new JsonObject(), null));
      assertUnauthenticated(refused, "initialize on Connect");
      assertUnauthenticated(grpcFailure(session.ended()), "the stream");
    }
  }

  @Test
  void onConnectEveryEnvelopeIsAuthorizedAndARefusalLeavesTheStreamUsable() {
    ConnectSession session = await(bearer(hs("bob", "tools:list")).connect());
    initialize(session);
    JsonRpcException denied =
        rpcFailure(session.request("tools/call", new JsonObject().put("name", COUNTED_TOOL)));
    assertThat(denied.code()).isEqualTo(-32003);
    assertThat(((JsonObject) denied.data()).getString("requiredScope")).isEqualTo("tools:call");
    assertThat(runs.get()).isZero();
    // The stream goes on.
    await(session.request("ping", null));
    assertThat(await(session.request("tools/list", null)).getJsonArray("tools")).isEmpty();
    JsonRpcException resources = rpcFailure(session.request("resources/list", null));
    assertThat(resources.code()).isEqualTo(-32003);
    await(session.close());
  }

  @Test
  void onConnectToolsListIsFilteredAndToolScopesApply() {
    ConnectSession session = await(bearer(hs("bob", "tools:list tools:call")).connect());
    initialize(session);
    List<String> names =
        await(session.request("tools/list", null)).getJsonArray("tools").stream()
            .map(t -> ((JsonObject) t).getString("name"))
            .toList();
    assertThat(names).contains("whoami", COUNTED_TOOL).doesNotContain(ADMIN_TOOL);
    JsonRpcException denied =
        rpcFailure(session.request("tools/call", new JsonObject().put("name", ADMIN_TOOL)));
    assertThat(denied.code()).isEqualTo(-32003);
    assertThat(((JsonObject) denied.data()).getString("requiredScope")).isEqualTo("admin");
    JsonObject me =
        await(session.request("tools/call", new JsonObject().put("name", "whoami")))
            .getJsonObject("structuredContent");
    assertThat(me.getString("subject")).isEqualTo("bob");
    assertThat(me.getString("credentialKind")).isEqualTo("jwt");
    await(session.close());
  }
}
