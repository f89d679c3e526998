package io.trident.transport.grpc;

import static io.trident.transport.grpc.GrpcTransportTest.await;
import static io.trident.transport.grpc.GrpcTransportTest.failure;
import static io.trident.transport.grpc.GrpcTransportTest.grpcFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.TestCerts;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.backend.Tool;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.trident.context.Principal;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.protobuf.StructCodec;
import io.trident.transport.http.HttpAuthTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS on the gRPC transport, as {@code HttpMtlsTest} proves it for HTTP: TLS with a client CA and
 * an {@code mtls} chain (plus JWT); clients with a certificate from that CA, from another CA, or
 * none. Certificates are made with {@code openssl} at test time.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcMtlsTest {

  @TempDir Path dir;

  private Vertx vertx;
  private String secret;
  private TestCerts certs;
  private AuthChain chain;
  private SocketAddress address;
  private final AtomicInteger runs = new AtomicInteger();
  private final List<McpGrpcClient> clients = new ArrayList<>();
  private final List<GrpcClient> rawClients = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    secret = TestKeys.secret();
    certs = new TestCerts(dir);
    certs.selfSigned("server", "/CN=localhost", false);
    certs.selfSigned("ca", "/CN=Trident Test Client CA", true);
    certs.clientCert("alice", "/CN=alice/OU=eng/O=Acme", "ca");
    certs.selfSigned("rogue-ca", "/CN=Rogue CA", true);
    certs.clientCert("mallory", "/CN=mallory/O=Rogue", "rogue-ca");

    Path secretFile = TestKeys.write(dir, "jwt.secret", secret);
    AuthSettings settings =
        new AuthSettings(
            List.of(AuthSettings.JWT, AuthSettings.MTLS),
            null,
            TestKeys.jwt(secretFile.toString(), null, null, null),
            null,
            new AuthSettings.Mtls("subject", List.of("tools:list", "tools:call")),
            null,
            null,
            null);
    Backend backend = HttpAuthTest.backend(vertx);
    backend.addTool(
        Tool.builder(GrpcAuthTest.COUNTED_TOOL)
            .description("counts its runs")
            .handler(
                (args, ctx) -> {
                  runs.incrementAndGet();
                  return Future.succeededFuture(io.trident.model.CallToolResult.text("counted"));
                })
            .build());
    backend.tools().forEach(Tool::compileSchemas);
    chain = await(AuthChain.create(vertx, settings, Principal.local("nobody", Set.of())));
    GrpcTransportOptions defaults = GrpcTransportOptions.defaults();
    address =
        GrpcAuthFixture.deploy(
            vertx,
            chain,
            backend,
            new GrpcTransportOptions(
                defaults.host(),
                0,
                defaults.maxMessageBytes(),
                false,
                certs.path("server.pem"),
                certs.path("server.key"),
                certs.path("ca.pem"),
                false));
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpGrpcClient::close);
    rawClients.forEach(GrpcClient::close);
    await(chain.close());
  }

  /** A client trusting the server's certificate, presenting {@code certName}'s when not null. */
  private McpGrpcClient client(String certName) {
    McpGrpcClientOptions options =
        new McpGrpcClientOptions().setTrustPemPath(certs.path("server.pem"));
    if (certName != null) {
      options.setKeyCertPem(certs.path(certName + ".pem"), certs.path(certName + ".key"));
    }
    McpGrpcClient c = McpGrpcClient.create(vertx, address, options);
    clients.add(c);
    return c;
  }

  private static JsonObject whoami(McpGrpcClient c) {
    return StructCodec.fromStruct(
        await(c.callTool("whoami", new JsonObject())).getStructuredContent());
  }

  @Test
  void certificateFromTheClientCaNamesThePrincipalBySubject() {
    McpGrpcClient alice = client("alice");
    JsonObject me = whoami(alice);
    assertThat(me.getString("subject")).isEqualTo("alice");
    assertThat(me.getString("credentialKind")).isEqualTo("mtls");
    assertThat(me.getString("transport")).isEqualTo("grpc");
    assertThat(me.getJsonArray("scopes").getList()).containsExactly("tools:call", "tools:list");
    // The configured mTLS scopes do not include the admin tool's.
    McpGrpcException admin = grpcFailure(alice.callTool(HttpAuthTest.ADMIN_TOOL, new JsonObject()));
    assertThat(admin.status()).isEqualTo(GrpcStatus.PERMISSION_DENIED);
    assertThat(((JsonObject) admin.data()).getString("requiredScope")).isEqualTo("admin");

    // Connect: the stream's principal is the certificate's too.
    ConnectSession session = await(alice.connect());
    await(
        session.initialize(
            "2025-11-25", new JsonObject().put("name", "mtls").put("version", "1"), null));
    JsonObject viaConnect =
        await(session.request("tools/call", new JsonObject().put("name", "whoami")))
            .getJsonObject("structuredContent");
    assertThat(viaConnect.getString("subject")).isEqualTo("alice");
    assertThat(viaConnect.getString("credentialKind")).isEqualTo("mtls");
    await(session.close());
  }

  @Test
  void aClientDoesNotPresentACertificateOfAnotherCaSoItIsUnauthenticated() {
    // The server names its client CA in the handshake; a standard client then keeps a certificate
    // of another CA to itself, and the call arrives without one.
    McpGrpcClient mallory = client("mallory");
    GrpcAuthTest.assertUnauthenticated(
        grpcFailure(mallory.callTool(GrpcAuthTest.COUNTED_TOOL, new JsonObject())), "mallory");
    GrpcAuthTest.assertUnauthenticated(
        grpcFailure(await(mallory.connect()).initialize("2025-11-25", new JsonObject(), null)),
        "mallory on Connect");
    assertThat(runs.get()).isZero();
  }

  @Test
  void aCertificateOfAnotherCaPresentedAnywayFailsTheHandshakeAndNothingRuns() throws Exception {
    // A client that sends its certificate whatever CAs the server names.
    HttpClientOptions http =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setSsl(true)
            .setUseAlpn(true)
            .setTrustAll(true)
            .setVerifyHost(false)
            .setKeyCertOptions(KeyCertOptions.wrap(certs.alwaysPresent("mallory")));
    GrpcClient raw = GrpcClient.client(vertx, http);
    rawClients.add(raw);
    Future<CallToolEvent> call =
        raw.request(address, io.trident.grpc.v1.McpGrpcClient.CallTool)
            .compose(
                request -> {
                  request.end(
                      CallToolRequest.newBuilder().setName(GrpcAuthTest.COUNTED_TOOL).build());
                  return request.response().compose(GrpcClientResponse::last);
                });
    // ClientAuth.REQUEST still verifies a certificate that is presented: an untrusted one is a
    // fatal TLS alert, so no gRPC call (and certainly no tool run) happens at all.
    Throwable outcome = failure(call);
    // (Vert.x reports it as "Connection was closed": the server's alert ends the connection.)
    assertThat(outcome)
        .as("a TLS failure, not a gRPC status")
        .isNotInstanceOf(McpGrpcException.class)
        .isNotInstanceOf(io.vertx.grpc.client.InvalidStatusException.class);
    assertThat(runs.get()).isZero();
    // The server serves on.
    await(client("alice").authMetadata());
  }

  @Test
  void noCertificateIsUnauthenticatedUnlessAnotherCredentialIsPresented() {
    GrpcAuthTest.assertUnauthenticated(
        grpcFailure(client(null).callTool(GrpcAuthTest.COUNTED_TOOL, new JsonObject())),
        "no certificate");
    assertThat(runs.get()).isZero();

    McpGrpcClientOptions withToken =
        new McpGrpcClientOptions()
            .setTrustPemPath(certs.path("server.pem"))
            .setBearerToken(TestKeys.signHs(vertx, secret, TestKeys.claims("bob", "tools:call")));
    McpGrpcClient bob = McpGrpcClient.create(vertx, address, withToken);
    clients.add(bob);
    JsonObject me = whoami(bob);
    assertThat(me.getString("subject")).isEqualTo("bob");
    assertThat(me.getString("credentialKind")).isEqualTo("jwt");
  }

  @Test
  void aRefusedTokenIsNotRescuedByAGoodCertificate() {
    McpGrpcClientOptions options =
        new McpGrpcClientOptions()
            .setTrustPemPath(certs.path("server.pem"))
            .setKeyCertPem(certs.path("alice.pem"), certs.path("alice.key"))
            .setBearerToken("not-a-jwt");
    McpGrpcClient alice = McpGrpcClient.create(vertx, address, options);
    clients.add(alice);
    GrpcAuthTest.assertUnauthenticated(
        grpcFailure(alice.callTool(GrpcAuthTest.COUNTED_TOOL, new JsonObject())), "bad token");
    assertThat(runs.get()).isZero();
  }
}
