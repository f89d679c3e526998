package io.trident.transport.http;

import static io.trident.transport.http.McpHttpClient.await;
import static io.trident.transport.http.McpHttpClient.initializeRequest;
import static io.trident.transport.http.McpHttpClient.toolCall;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.RequestGuard;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.server.model.Implementation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
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
    openssl(selfSigned("server", "/CN=localhost", false));
    openssl(selfSigned("ca", "/CN=Trident Test Client CA", true));
    clientCert("alice", "/CN=alice/OU=eng/O=Acme", "ca");
    openssl(selfSigned("rogue-ca", "/CN=Rogue CA", true));
    clientCert("mallory", "/CN=mallory/O=Rogue", "rogue-ca");

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
    return dir.resolve(name).toString();
  }

  private List<String> selfSigned(String name, String subject, boolean ca) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                pem(name + ".key"),
                "-out",
                pem(name + ".pem"),
                "-days",
                "1",
                "-subj",
                subject));
    if (ca) {
      cmd.addAll(
          List.of(
              "-addext",
              "basicConstraints=critical,CA:TRUE",
              "-addext",
              "keyUsage=critical,keyCertSign,cRLSign"));
    } else {
      cmd.addAll(List.of("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
    }
    return cmd;
  }

  private void clientCert(String name, String subject, String ca) throws Exception {
    openssl(
        List.of(
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            pem(name + ".key"),
            "-out",
            pem(name + ".csr"),
            "-subj",
            subject));
    Path ext = TestKeys.write(dir, name + ".ext", "extendedKeyUsage=clientAuth\n");
    openssl(
        List.of(
            "x509",
            "-req",
            "-in",
            pem(name + ".csr"),
            "-CA",
            pem(ca + ".pem"),
            "-CAkey",
            pem(ca + ".key"),
            "-CAcreateserial",
            "-out",
            pem(name + ".pem"),
            "-days",
            "1",
            "-extfile",
            ext.toString()));
  }

  private void openssl(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(args);
    Path log = dir.resolve("openssl.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, Files.readString(log)).isZero();
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
            .setKeyCertOptions(KeyCertOptions.wrap(alwaysPresent("mallory")));
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

  /** A key manager that offers {@code name}'s certificate to every server. */
  private X509KeyManager alwaysPresent(String name) throws Exception {
    X509Certificate cert;
    try (var in = Files.newInputStream(dir.resolve(name + ".pem"))) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String pemKey = Files.readString(dir.resolve(name + ".key"));
    byte[] der =
        Base64.getMimeDecoder()
            .decode(pemKey.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    return new X509ExtendedKeyManager() {
      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {name};
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return name;
      }

      @Override
      public String chooseEngineClientAlias(
          String[] keyType, Principal[] issuers, SSLEngine engine) {
        return name;
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return new X509Certificate[] {cert};
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return key;
      }
    };
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
