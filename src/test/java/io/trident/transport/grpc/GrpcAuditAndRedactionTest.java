package io.trident.transport.grpc;

import static io.trident.transport.grpc.GrpcTransportTest.await;
import static io.trident.transport.grpc.GrpcTransportTest.grpcFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.ApiKeyStore;
import io.trident.auth.AuditEvent;
import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.LogCapture;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.context.Principal;
import io.trident.transport.http.HttpAuthTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the server writes about gRPC calls, as {@code HttpAuditAndRedactionTest} checks it for HTTP:
 * with every logger at DEBUG (Vert.x and Netty included), no credential sent as metadata appears in
 * any log line; the audit trail has one JSON line per typed {@code CallTool} and per refused call.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcAuditAndRedactionTest {

  @TempDir Path dir;

  private Vertx vertx;
  private String secret;
  private final String apiKey = ApiKeyStore.generateKey();
  private AuthChain chain;
  private SocketAddress address;
  private final List<McpGrpcClient> clients = new ArrayList<>();
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
            "keys:\n"
                + HttpAuthTest.entry(apiKey, "ci-bot", "[tools:list, tools:call]", null, false));
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
    chain = await(AuthChain.create(vertx, settings, Principal.local("nobody", Set.of())));
    address =
        GrpcAuthFixture.deploy(vertx, chain, backend, GrpcTransportOptions.defaults().withPort(0));
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpGrpcClient::close);
    await(chain.close());
    logs.close();
  }

  private McpGrpcClient client(McpGrpcClientOptions options) {
    McpGrpcClient c = McpGrpcClient.create(vertx, address, options);
    clients.add(c);
    return c;
  }

  private String token(String sub, String scope) {
    return TestKeys.signHs(vertx, secret, TestKeys.claims(sub, scope));
  }

  // --- Redaction --------------------------------------------------------------------------------

  @Test
  void noCredentialSentAsMetadataReachesAnyLogLine() throws Exception {
    String jwt = token("bob", "tools:list tools:call");
    String expiredJwt =
        TestKeys.signHs(
            vertx,
            secret,
            TestKeys.claims("bob", null).put("exp", System.currentTimeMillis() / 1000 - 3600));
    String forgedJwt = TestKeys.signHs(vertx, TestKeys.secret(), TestKeys.claims("bob", null));
    List<String> secrets = List.of(jwt, apiKey, expiredJwt, forgedJwt, secret);

    McpGrpcClient bob = client(new McpGrpcClientOptions().setBearerToken(jwt));
    await(bob.callTool("echo", new JsonObject().put("text", "hi")));
    await(bob.listTools(null));
    assertThat(grpcFailure(bob.callTool(HttpAuthTest.ADMIN_TOOL, new JsonObject())).status())
        .isEqualTo(GrpcStatus.PERMISSION_DENIED);
    ConnectSession session = await(bob.connect());
    await(session.initialize("2025-11-25", new JsonObject(), null));
    await(session.request("tools/call", new JsonObject().put("name", "whoami")));
    await(session.close());

    McpGrpcClient bot = client(new McpGrpcClientOptions().addMetadata("x-mcp-api-key", apiKey));
    await(bot.callTool("whoami", new JsonObject()));

    McpGrpcClient anonymous = client(new McpGrpcClientOptions());
    for (CallOptions refused :
        List.of(
            new CallOptions().addMetadata("authorization", "Bearer " + expiredJwt),
            new CallOptions().addMetadata("authorization", "Bearer " + forgedJwt),
            new CallOptions().addMetadata("x-mcp-api-key", apiKey + "x"))) {
      assertThat(grpcFailure(anonymous.callTool("whoami", new JsonObject(), refused)).status())
          .isEqualTo(GrpcStatus.UNAUTHENTICATED);
    }

    logs.awaitAudit(e -> e.getFormattedMessage().contains("\"outcome\":\"unauthenticated\""), 3);
    // Nor a token's signature on its own.
    logs.assertNoLineContains(
        java.util.stream.Stream.concat(
                secrets.stream(),
                java.util.stream.Stream.of(jwt.substring(jwt.lastIndexOf('.') + 1)))
            .toList());
  }

  // --- Audit ------------------------------------------------------------------------------------

  @Test
  void aTypedCallToolIsOneAuditLineWithWhoWhatAndHowItEnded() throws Exception {
    McpGrpcClient bob =
        client(new McpGrpcClientOptions().setBearerToken(token("bob", "tools:call")));
    JsonObject args = new JsonObject().put("text", "hello");
    await(bob.callTool("echo", args));

    List<JsonObject> lines =
        logs.awaitAudit(e -> e.getFormattedMessage().contains("tools/call"), 1);
    assertThat(lines).hasSize(1);
    JsonObject echo = lines.get(0);
    assertThat(echo.getString("transport")).isEqualTo("grpc");
    assertThat(echo.getString("subject")).isEqualTo("bob");
    assertThat(echo.getString("credentialKind")).isEqualTo("jwt");
    assertThat(echo.getString("method")).isEqualTo("tools/call");
    assertThat(echo.getString("tool")).isEqualTo("echo");
    assertThat(echo.getString("outcome")).isEqualTo("ok");
    assertThat(echo.getString("argumentDigest")).isEqualTo(AuditEvent.argumentDigest(args));
    assertThat(echo.getLong("durationMs")).isNotNegative();
    assertThat(echo.getLong("deadlineLeftMs")).isPositive();
    assertThat(echo.encode()).doesNotContain("hello");
  }

  @Test
  void refusedCallsAreAuditedUnauthenticatedAndForbidden() throws Exception {
    McpGrpcClient nobody = client(new McpGrpcClientOptions());
    assertThat(grpcFailure(nobody.callTool("whoami", new JsonObject())).status())
        .isEqualTo(GrpcStatus.UNAUTHENTICATED);
    McpGrpcClient forged =
        client(
            new McpGrpcClientOptions()
                .setBearerToken(
                    TestKeys.signHs(vertx, TestKeys.secret(), TestKeys.claims("bob", null))));
    assertThat(grpcFailure(forged.callTool("whoami", new JsonObject())).status())
        .isEqualTo(GrpcStatus.UNAUTHENTICATED);

    List<JsonObject> unauthenticated =
        logs.awaitAudit(e -> e.getFormattedMessage().contains("\"unauthenticated\""), 2);
    assertThat(unauthenticated).hasSize(2);
    assertThat(unauthenticated)
        .allSatisfy(
            line -> {
              assertThat(line.getString("transport")).isEqualTo("grpc");
              assertThat(line.getString("outcome")).isEqualTo("unauthenticated");
              assertThat(line.containsKey("subject")).isFalse();
              assertThat(line.getString("method")).isEqualTo("mcp.v1.Mcp/CallTool");
            });
    assertThat(unauthenticated.get(0).getString("detail")).isEqualTo("missing");
    assertThat(unauthenticated.get(1).getString("detail")).isEqualTo("invalid");

    McpGrpcClient bot = client(new McpGrpcClientOptions().addMetadata("x-mcp-api-key", apiKey));
    assertThat(grpcFailure(bot.callTool(HttpAuthTest.ADMIN_TOOL, new JsonObject())).status())
        .isEqualTo(GrpcStatus.PERMISSION_DENIED);
    List<JsonObject> forbidden =
        logs.awaitAudit(e -> e.getFormattedMessage().contains("\"forbidden\""), 1);
    assertThat(forbidden).hasSize(1);
    JsonObject line = forbidden.get(0);
    assertThat(line.getString("transport")).isEqualTo("grpc");
    assertThat(line.getString("subject")).isEqualTo("ci-bot");
    assertThat(line.getString("credentialKind")).isEqualTo("apiKey");
    assertThat(line.getString("method")).isEqualTo("tools/call");
    assertThat(line.getString("tool")).isEqualTo(HttpAuthTest.ADMIN_TOOL);
    assertThat(line.getString("detail")).isEqualTo("missing scope admin");
    // The refused call never ran: no tool-call line for it.
    assertThat(logs.auditLines())
        .noneMatch(
            l ->
                HttpAuthTest.ADMIN_TOOL.equals(l.getString("tool"))
                    && !"forbidden".equals(l.getString("outcome")));
  }
}
