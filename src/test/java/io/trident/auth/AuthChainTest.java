package io.trident.auth;

import static io.trident.auth.JwtVerifierTest.assertInvalid;
import static io.trident.auth.JwtVerifierTest.await;
import static io.trident.auth.JwtVerifierTest.failure;
import static io.trident.auth.TestKeys.claims;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.context.Principal;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class AuthChainTest {

  @TempDir Path dir;

  static final Principal LOCAL = Principal.local("me", Set.of("*"));

  String secret;
  Path secretFile;
  Path keysFile;

  @BeforeEach
  void files() throws Exception {
    secret = TestKeys.secret();
    secretFile = TestKeys.write(dir, "jwt.secret", secret);
    keysFile = TestKeys.write(dir, "keys.yaml", ApiKeyStoreTest.keysFile());
  }

  AuthChain chain(Vertx vertx, List<String> order, boolean anonymous, String tokenEnv)
      throws Exception {
    AuthSettings settings =
        new AuthSettings(
            order,
            new AuthSettings.Anonymous(anonymous, List.of("tools:list")),
            TestKeys.jwt(secretFile.toString(), null, null, null),
            new AuthSettings.ApiKeys(keysFile.toString(), "0s"),
            new AuthSettings.Mtls("subject", List.of("tools:call")),
            new AuthSettings.Local(tokenEnv),
            null,
            null);
    return await(AuthChain.create(vertx, settings, LOCAL));
  }

  static void assertMissing(io.vertx.core.Future<?> f) throws Exception {
    AuthFailure a = (AuthFailure) failure(f);
    assertThat(a.kind()).isEqualTo(AuthFailure.Kind.UNAUTHENTICATED);
    assertThat(a.reason()).isEqualTo(AuthFailure.Reason.MISSING);
    // The caller cannot tell missing from invalid.
    assertThat(a.getMessage()).isEqualTo(AuthFailure.UNAUTHENTICATED_MESSAGE);
    assertThat(a.errorCode()).isEqualTo("invalid_token");
  }

  @Nested
  class Order {

    @Test
    void badJwtIsNotRescuedByAGoodApiKey(Vertx vertx) throws Exception {
      AuthChain c = chain(vertx, List.of("jwt", "apiKey"), true, null);
      assertInvalid(c.authenticate(new Credentials("not.a.jwt", ApiKeyStoreTest.GOOD, null)));
      assertInvalid(
          c.authenticate(Credentials.of("Basic dXNlcjpwdw==", ApiKeyStoreTest.GOOD, null)));
    }

    @Test
    void goodApiKeyAloneIsAccepted(Vertx vertx) throws Exception {
      AuthChain c = chain(vertx, List.of("jwt", "apiKey"), false, null);
      assertThat(await(c.authenticate(Credentials.of(null, ApiKeyStoreTest.GOOD, null))).subject())
          .isEqualTo("ci-bot");
    }

    @Test
    void firstPresentCredentialInChainOrderDecides(Vertx vertx) throws Exception {
      String token = TestKeys.signHs(vertx, secret, claims("alice", "a"));
      AuthChain jwtFirst = chain(vertx, List.of("jwt", "apiKey"), false, null);
      AuthChain keyFirst = chain(vertx, List.of("apiKey", "jwt"), false, null);
      Credentials both = Credentials.of("Bearer " + token, ApiKeyStoreTest.GOOD, null);
      assertThat(await(jwtFirst.authenticate(both)).subject()).isEqualTo("alice");
      assertThat(await(keyFirst.authenticate(both)).subject()).isEqualTo("ci-bot");
      // A bad key first in the chain is not rescued by the good JWT after it.
      assertInvalid(keyFirst.authenticate(Credentials.of("Bearer " + token, "tmk_bad", null)));
    }

    @Test
    void credentialOfAKindOutsideTheChainIsRefused(Vertx vertx) throws Exception {
      AuthChain c = chain(vertx, List.of("apiKey"), true, null);
      String token = TestKeys.signHs(vertx, secret, claims("alice", "a"));
      assertInvalid(c.authenticate(Credentials.of("Bearer " + token, null, null)));
    }

    @Test
    void clientCertificateGivesAnMtlsPrincipal(Vertx vertx) throws Exception {
      AuthChain c = chain(vertx, List.of("jwt", "mtls"), false, null);
      X509Certificate cert = CertificatePrincipalsTest.certificate(dir, "CN=svc", null);
      Principal p = await(c.authenticate(Credentials.of(null, null, List.of(cert))));
      assertThat(p.subject()).isEqualTo("svc");
      assertThat(p.credentialKind()).isEqualTo("mtls");
      // A bearer token, being first in the chain, decides over the certificate.
      assertInvalid(c.authenticate(Credentials.of("Bearer x.y.z", null, List.of(cert))));
    }
  }

  @Nested
  class Anonymous {

    @Test
    void noCredentialIsAnonymousWhenEnabled(Vertx vertx) throws Exception {
      Principal p = await(chain(vertx, null, true, null).authenticate(Credentials.none()));
      assertThat(p.subject()).isEqualTo("anonymous");
      assertThat(p.credentialKind()).isEqualTo("anonymous");
      assertThat(p.scopes()).containsExactly("tools:list");
    }

    @Test
    void noCredentialIsUnauthenticatedWhenDisabled(Vertx vertx) throws Exception {
      AuthChain c = chain(vertx, null, false, null);
      assertMissing(c.authenticate(Credentials.none()));
      assertMissing(c.authenticate(null));
    }

    @Test
    void nothingConfiguredMeansNotConfigured(Vertx vertx) throws Exception {
      AuthChain c = await(AuthChain.create(vertx, AuthSettings.defaults(), LOCAL));
      assertThat(c.isConfigured()).isFalse();
      assertMissing(c.authenticate(Credentials.none()));
      assertThat(chain(vertx, null, false, null).isConfigured()).isTrue();
    }
  }

  @Nested
  class Local {

    @Test
    void stdioCallerIsTheLocalPrincipal(Vertx vertx) throws Exception {
      assertThat(await(chain(vertx, null, false, null).authenticateLocal(n -> null)))
          .isEqualTo(LOCAL);
    }

    @Test
    void tokenFromTheEnvironmentIsVerifiedLikeAnyBearer(Vertx vertx) throws Exception {
      AuthChain c = chain(vertx, null, false, "TRIDENT_TOKEN");
      String token = TestKeys.signHs(vertx, secret, claims("ci", "tools:call"));
      Principal p = await(c.authenticateLocal(Map.of("TRIDENT_TOKEN", token + "\n")::get));
      assertThat(p.subject()).isEqualTo("ci");
      assertThat(p.credentialKind()).isEqualTo("jwt");
      assertInvalid(c.authenticateLocal(Map.of("TRIDENT_TOKEN", "garbage")::get));
      assertMissing(c.authenticateLocal(n -> null));
    }
  }

  @Test
  void unreadableKeyFileFailsCreationWithTheFileName(Vertx vertx) throws Exception {
    AuthSettings settings =
        new AuthSettings(
            null,
            null,
            TestKeys.jwt(dir.resolve("absent.secret").toString(), null, null, null),
            null,
            null,
            null,
            null,
            null);
    assertThat(failure(AuthChain.create(vertx, settings, LOCAL)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absent.secret");
  }

  @Test
  void metadataListsEveryScope(Vertx vertx) throws Exception {
    AuthSettings settings =
        new AuthSettings(
            null,
            null,
            null,
            null,
            null,
            null,
            new AuthSettings.Scopes(null, Map.of("deploy", "ops:deploy"), null, null),
            new AuthSettings.Metadata(List.of("https://as.example"), null));
    AuthChain c = await(AuthChain.create(vertx, settings, LOCAL));
    io.vertx.core.json.JsonObject doc =
        c.protectedResourceMetadata("https://mcp.example/mcp", List.of("files:read"));
    assertThat(doc.getString("resource")).isEqualTo("https://mcp.example/mcp");
    assertThat(doc.getJsonArray("authorization_servers").getList())
        .containsExactly("https://as.example");
    assertThat(doc.getJsonArray("scopes_supported").getList())
        .containsExactly(
            "completion",
            "files:read",
            "ops:deploy",
            "prompts:read",
            "resources:read",
            "tools:call",
            "tools:list");
    assertThat(doc.getJsonArray("bearer_methods_supported").getList()).containsExactly("header");
    assertThat(doc.getString("resource_name")).isEqualTo("Trident");
  }
}
