package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static io.trident.transport.http.McpHttpClient.initializeRequest;
import static io.trident.transport.http.McpHttpClient.toolCall;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.RequestGuard;
import io.trident.auth.TestCerts;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
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
 * mTLS on the HTTP transport: a server with a client CA and an {@code mtls} chain (plus JWT), and
 * clients with a certificate from that CA, from another CA, or none. Certificates are made with
 * {@code openssl} at test time.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpMtlsTest {

  @TempDir Path dir;

  private Vertx vertx;
  private TestCerts certs;
  private String secret;
  private StreamableHttpTransport transport;
  private AuthChain chain;
  private int port;
  private final List<McpHttpClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    secret = TestKeys.secret();
    // Server certificate (self-signed; clients trust all), the client CA and a client it signed,
    // and a second CA with a client of its own.
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
    chain =
        await(
            AuthChain.create(
                vertx, settings, io.trident.context.Principal.local("nobody", Set.of())));
    McpServer server =
        new McpServer(
            vertx,
            backend,
            ServerOptions.defaults(Implementation.of("mtls-test", "1")),
            RequestGuard.of(chain.scopes(), backend));
    TestHttpOptions o = TestHttpOptions.loopback();
    o.tlsCertPath = pem("server.pem");
    o.tlsKeyPath = pem("server.key");
    o.tlsClientCaPath = pem("ca.pem");
    HttpTransportOptions options = o.build();
    transport = new StreamableHttpTransport(vertx, server, options, chain);
    HttpVerticle verticle = new HttpVerticle(transport, options);
    await(vertx.deployVerticle(verticle));
    port = verticle.actualPort();
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpHttpClient::close);
    await(chain.close());
  }

  private String pem(String name) {
    return certs.path(name);
  }

  private McpHttpClient client(String certName) {
    HttpClientOptions options =
        new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false);
    if (certName != null) {
      options.setKeyCertOptions(
          new PemKeyCertOptions()
              .setCertPath(pem(certName + ".pem"))
              .setKeyPath(pem(certName + ".key")));
    }
    McpHttpClient c = new McpHttpClient(vertx, port, options);
    clients.add(c);
    return c;
  }

  private String challenge() {
    return "Bearer resource_metadata=\"https://127.0.0.1:"
        + port
        + "/.well-known/oauth-protected-resource/mcp\", error=\"invalid_token\"";
  }

  @Test
  void certificateFromTheClientCaNamesThePrincipalBySubject() {
    McpHttpClient alice = client("alice");
    alice.initialize();
    Reply r = alice.post(toolCall(1, "whoami", null, null));
    assertThat(r.status).as(r.body()).isEqualTo(200);
    JsonObject me = r.json().getJsonObject("result").getJsonObject("structuredContent");
    assertThat(me.getString("subject")).isEqualTo("alice");
    assertThat(me.getString("credentialKind")).isEqualTo("mtls");
    assertThat(me.getJsonArray("scopes").getList()).containsExactly("tools:call", "tools:list");
    // The configured mTLS scopes do not include the admin tool's.
    assertThat(alice.post(toolCall(2, HttpAuthTest.ADMIN_TOOL, null, null)).status).isEqualTo(403);
  }

  @Test
  void clientDoesNotPresentACertificateOfAnotherCaSoItIsUnauthenticated() {
    // The server names its client CA in the handshake; a standard client then keeps a certificate
    // of another CA to itself, and the request arrives without one.
    McpHttpClient mallory = client("mallory");
    Reply r =
        mallory.post(
            initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(),
            postHeaders(Map.of()));
    assertThat(r.status).as(r.body()).isEqualTo(401);
    assertThat(r.headers.getAll("WWW-Authenticate")).containsExactly(challenge());
    assertThat(transport.sessionCount()).isZero();
  }

  @Test
  void certificateOfAnotherCaPresentedAnywayFailsTheHandshakeAndOpensNoSession() throws Exception {
    // A client that sends its certificate whatever CAs the server names.
    HttpClientOptions options =
        new HttpClientOptions()
            .setSsl(true)
            .setTrustAll(true)
            .setVerifyHost(false)
            .setKeyCertOptions(KeyCertOptions.wrap(certs.alwaysPresent("mallory")));
    McpHttpClient mallory = new McpHttpClient(vertx, port, options);
    clients.add(mallory);
    Future<Reply> attempt =
        mallory.exchangeAsync(
            HttpMethod.POST,
            "/mcp",
            postHeaders(Map.of()),
            initializeRequest(McpHttpClient.LATEST, new JsonObject()).toBuffer());
    // ClientAuth.REQUEST still verifies a certificate that is presented: an untrusted one is a
    // fatal TLS alert, so no HTTP exchange (and certainly no session) happens at all.
    Object outcome =
        await(
            attempt.transform(
                ar -> Future.succeededFuture(ar.failed() ? ar.cause() : ar.result().status)));
    assertThat(outcome).as("TLS failure, not an HTTP answer").isInstanceOf(Throwable.class);
    assertThat(transport.sessionCount()).isZero();
  }

  @Test
  void noCertificateIs401UnlessAnotherCredentialIsPresented() {
    McpHttpClient anonymous = client(null);
    Reply r =
        anonymous.post(
            initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(),
            postHeaders(Map.of()));
    assertThat(r.status).as(r.body()).isEqualTo(401);
    assertThat(r.headers.getAll("WWW-Authenticate")).containsExactly(challenge());
    assertThat(transport.sessionCount()).isZero();

    McpHttpClient withToken = client(null);
    withToken.credentials.put(
        "Authorization",
        "Bearer " + TestKeys.signHs(vertx, secret, TestKeys.claims("bob", "tools:call")));
    withToken.initialize();
    JsonObject me =
        withToken
            .post(toolCall(1, "whoami", null, null))
            .json()
            .getJsonObject("result")
            .getJsonObject("structuredContent");
    assertThat(me.getString("subject")).isEqualTo("bob");
    assertThat(me.getString("credentialKind")).isEqualTo("jwt");
  }

  @Test
  void aRefusedTokenIsNotRescuedByAGoodCertificate() {
    McpHttpClient alice = client("alice");
    Reply r =
        alice.post(
            initializeRequest(McpHttpClient.LATEST, new JsonObject()).encode(),
            postHeaders(Map.of("Authorization", "Bearer not-a-jwt")));
    assertThat(r.status).isEqualTo(401);
    assertThat(transport.sessionCount()).isZero();
  }

  private static Map<String, String> postHeaders(Map<String, String> extra) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json");
    h.put("Accept", "application/json, text/event-stream");
    h.putAll(extra);
    return h;
  }
}
