package io.trident.auth;

import static io.trident.auth.TestKeys.claims;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class JwtVerifierTest {

  @TempDir Path dir;

  /** Waits for a future (tests only; the code under test never blocks). */
  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** The failure of {@code f}, which must fail. */
  static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  static void assertInvalid(Future<?> f) throws Exception {
    Throwable t = failure(f);
    assertThat(t).isInstanceOf(AuthFailure.class);
    AuthFailure a = (AuthFailure) t;
    assertThat(a.kind()).isEqualTo(AuthFailure.Kind.UNAUTHENTICATED);
    assertThat(a.reason()).isEqualTo(AuthFailure.Reason.INVALID);
    assertThat(a.getMessage()).isEqualTo(AuthFailure.UNAUTHENTICATED_MESSAGE);
    assertThat(a.getStackTrace()).isEmpty();
  }

  @Nested
  class Hs256 {
    String secret;
    JwtVerifier verifier;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
      secret = TestKeys.secret();
      Path file = TestKeys.write(dir, "jwt.secret", secret + "\n");
      verifier = await(JwtVerifier.create(vertx, TestKeys.jwt(file.toString(), null, null, null)));
    }

    @Test
    void validTokenGivesSubjectScopesAndKind(Vertx vertx) throws Exception {
      Principal p =
          await(verifier.verify(TestKeys.signHs(vertx, secret, claims("alice", "tools:call a"))));
      assertThat(p.subject()).isEqualTo("alice");
      assertThat(p.scopes()).containsExactlyInAnyOrder("tools:call", "a");
      assertThat(p.credentialKind()).isEqualTo("jwt");
      assertThat(p.claims()).containsEntry("iss", TestKeys.ISSUER);
    }

    @Test
    void scpArrayIsReadWhenScopeIsAbsent(Vertx vertx) throws Exception {
      JsonObject c = claims("bob", null).put("scp", new JsonArray().add("x").add("y"));
      assertThat(await(verifier.verify(TestKeys.signHs(vertx, secret, c))).scopes())
          .containsExactlyInAnyOrder("x", "y");
    }

    @Test
    void malformedTokensAreRefused() throws Exception {
      for (String t :
          new String[] {
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "!!.??.##",
            "eyJhbGciOiJIUzI1NiJ9..x",
            "eyJhbGciOiJIUzI1NiJ9.@@@.abc",
            "eyJhbGciOiJIUzI1NiJ9.e30.@@"
          }) {
        assertInvalid(verifier.verify(t));
      }
    }

    @Test
    void badSignatureIsRefused(Vertx vertx) throws Exception {
      String other = TestKeys.signHs(vertx, TestKeys.secret(), claims("alice", "a"));
      assertInvalid(verifier.verify(other));
      String good = TestKeys.signHs(vertx, secret, claims("alice", "a"));
      int signature = good.lastIndexOf('.') + 1;
      // Change the signature's first character to a different one (always a real change).
      String tampered =
          good.substring(0, signature)
              + (good.charAt(signature) == 'A' ? 'B' : 'A')
              + good.substring(signature + 1);
      assertThat(tampered).isNotEqualTo(good);
      assertInvalid(verifier.verify(tampered));
    }

    @Test
    void expiredTokenIsRefusedButLeewayIsHonoured(Vertx vertx) throws Exception {
      long now = System.currentTimeMillis() / 1000;
      assertInvalid(
          verifier.verify(TestKeys.signHs(vertx, secret, claims("a", "s").put("exp", now - 120))));
      // 10 s past expiry is within the default 30 s leeway.
      assertThat(
              await(
                      verifier.verify(
                          TestKeys.signHs(vertx, secret, claims("a", "s").put("exp", now - 10))))
                  .subject())
          .isEqualTo("a");
    }

    @Test
    void notYetValidTokenIsRefusedButLeewayIsHonoured(Vertx vertx) throws Exception {
      long now = System.currentTimeMillis() / 1000;
      assertInvalid(
          verifier.verify(TestKeys.signHs(vertx, secret, claims("a", "s").put("nbf", now + 120))));
      assertThat(
              await(
                      verifier.verify(
                          TestKeys.signHs(vertx, secret, claims("a", "s").put("nbf", now + 10))))
                  .subject())
          .isEqualTo("a");
    }

    @Test
    void wrongIssuerAudienceOrMissingClaimsAreRefused(Vertx vertx) throws Exception {
      assertInvalid(
          verifier.verify(TestKeys.signHs(vertx, secret, claims("a", "s").put("iss", "other"))));
      assertInvalid(
          verifier.verify(TestKeys.signHs(vertx, secret, claims("a", "s").put("aud", "x"))));
      assertInvalid(
          verifier.verify(
              TestKeys.signHs(
                  vertx, secret, claims("a", "s").put("aud", new JsonArray().add("x").add("y")))));
      JsonObject noExp = claims("a", "s");
      noExp.remove("exp");
      assertInvalid(verifier.verify(TestKeys.signHs(vertx, secret, noExp)));
      JsonObject noSub = claims("a", "s");
      noSub.remove("sub");
      assertInvalid(verifier.verify(TestKeys.signHs(vertx, secret, noSub)));
      JsonObject noIss = claims("a", "s");
      noIss.remove("iss");
      assertInvalid(verifier.verify(TestKeys.signHs(vertx, secret, noIss)));
    }

    @Test
    void audienceListNamingUsIsAccepted(Vertx vertx) throws Exception {
      JsonObject c = claims("a", "s").put("aud", new JsonArray().add("x").add(TestKeys.AUDIENCE));
      assertThat(await(verifier.verify(TestKeys.signHs(vertx, secret, c))).subject())
          .isEqualTo("a");
    }

    @Test
    void algNoneIsRefused() throws Exception {
      String unsigned =
          TestKeys.handMade(
              new JsonObject().put("alg", "none").put("typ", "JWT"), claims("a", "*"), null);
      assertInvalid(verifier.verify(unsigned));
      assertInvalid(verifier.verify(unsigned.substring(0, unsigned.length() - 1)));
    }

    @Test
    void verifiedTokenIsServedFromTheCache(Vertx vertx) throws Exception {
      String token = TestKeys.signHs(vertx, secret, claims("alice", "a"));
      Principal first = await(verifier.verify(token));
      Principal second = await(verifier.verify(token));
      // Without the cache every verification builds a new principal.
      assertThat(second).isSameAs(first);
      assertThat(verifier.cachedTokens()).isEqualTo(1);
    }
  }

  @Test
  void cachedTokenStopsBeingAcceptedWhenItExpires(Vertx vertx) throws Exception {
    String secret = TestKeys.secret();
    Path file = TestKeys.write(dir, "s", secret);
    AtomicLong clock = new AtomicLong(System.currentTimeMillis() / 1000);
    JwtVerifier v =
        await(
            JwtVerifier.create(vertx, TestKeys.jwt(file.toString(), null, null, null), clock::get));
    String token = TestKeys.signHs(vertx, secret, claims("a", "s").put("exp", clock.get() + 60));
    await(v.verify(token));
    clock.addAndGet(61 + 30);
    assertInvalid(v.verify(token));
  }

  @Test
  void shortSecretIsRefusedAtStart(Vertx vertx) throws Exception {
    Path file = TestKeys.write(dir, "short", "too-short");
    assertThat(failure(JwtVerifier.create(vertx, TestKeys.jwt(file.toString(), null, null, null))))
        .hasMessageContaining("32 bytes");
  }

  @Nested
  class PublicKeys {

    @Test
    void rs256AndEs256FromPemFiles(Vertx vertx) throws Exception {
      KeyPair rsa = TestKeys.rsa();
      KeyPair ec = TestKeys.ec();
      Path rsaFile = TestKeys.write(dir, "rsa.pem", TestKeys.publicPem(rsa));
      Path ecFile = TestKeys.write(dir, "ec.pem", TestKeys.publicPem(ec));
      JwtVerifier v =
          await(
              JwtVerifier.create(
                  vertx,
                  TestKeys.jwt(null, List.of(rsaFile.toString(), ecFile.toString()), null, null)));
      assertThat(await(v.verify(TestKeys.sign(vertx, rsa, null, claims("r", "s")))).subject())
          .isEqualTo("r");
      assertThat(await(v.verify(TestKeys.sign(vertx, ec, null, claims("e", "s")))).subject())
          .isEqualTo("e");
      assertInvalid(v.verify(TestKeys.sign(vertx, TestKeys.rsa(), null, claims("x", "s"))));
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused(Vertx vertx) throws Exception {
      KeyPair rsa = TestKeys.rsa();
      String pem = TestKeys.publicPem(rsa);
      Path rsaFile = TestKeys.write(dir, "rsa.pem", pem);
      JwtVerifier v =
          await(
              JwtVerifier.create(
                  vertx, TestKeys.jwt(null, List.of(rsaFile.toString()), null, null)));
      JsonObject header = new JsonObject().put("alg", "HS256").put("typ", "JWT");
      assertInvalid(
          v.verify(
              TestKeys.handMade(
                  header, claims("evil", "*"), pem.getBytes(StandardCharsets.UTF_8))));
      assertInvalid(
          v.verify(TestKeys.handMade(header, claims("evil", "*"), rsa.getPublic().getEncoded())));
      // The same claims, properly signed, pass: the refusal above is about the algorithm.
      assertThat(await(v.verify(TestKeys.sign(vertx, rsa, null, claims("ok", "*")))).subject())
          .isEqualTo("ok");
    }

    @Test
    void algNoneIsRefusedWithPublicKeys(Vertx vertx) throws Exception {
      Path rsaFile = TestKeys.write(dir, "rsa.pem", TestKeys.publicPem(TestKeys.rsa()));
      JwtVerifier v =
          await(
              JwtVerifier.create(
                  vertx, TestKeys.jwt(null, List.of(rsaFile.toString()), null, null)));
      assertInvalid(
          v.verify(TestKeys.handMade(new JsonObject().put("alg", "none"), claims("a", "*"), null)));
    }

    @Test
    void jwksFileKeysAreUsedByKid(Vertx vertx) throws Exception {
      KeyPair k1 = TestKeys.rsa();
      KeyPair k2 = TestKeys.ec();
      Path jwks =
          TestKeys.write(
              dir,
              "jwks.json",
              TestKeys.jwks(TestKeys.jwk(k1, "k1"), TestKeys.jwk(k2, "k2")).encode());
      JwtVerifier v =
          await(JwtVerifier.create(vertx, TestKeys.jwt(null, null, jwks.toString(), null)));
      assertThat(await(v.verify(TestKeys.sign(vertx, k1, "k1", claims("one", "s")))).subject())
          .isEqualTo("one");
      assertThat(await(v.verify(TestKeys.sign(vertx, k2, "k2", claims("two", "s")))).subject())
          .isEqualTo("two");
      // Signed by k1 but naming k2's id: no key with that id and algorithm verifies it.
      assertInvalid(v.verify(TestKeys.sign(vertx, k1, "k2", claims("x", "s"))));
    }
  }

  @Nested
  class JwksUrl {

    final AtomicReference<JsonObject> served = new AtomicReference<>();
    final AtomicInteger fetches = new AtomicInteger();
    HttpServer server;

    String start(Vertx vertx) throws Exception {
      server =
          await(
              vertx
                  .createHttpServer()
                  .requestHandler(
                      req -> {
                        fetches.incrementAndGet();
                        req.response()
                            .putHeader("content-type", "application/json")
                            .end(served.get().encode());
                      })
                  .listen(0, "127.0.0.1"));
      return "http://127.0.0.1:" + server.actualPort() + "/jwks";
    }

    AuthSettings.Jwt settings(String url, String minInterval) {
      return new AuthSettings.Jwt(
          null,
          null,
          null,
          url,
          minInterval,
          null,
          TestKeys.ISSUER,
          List.of(TestKeys.AUDIENCE),
          null,
          null,
          null);
    }

    @Test
    void unknownKidTriggersOneRefreshAndRefreshesAreRateLimited(Vertx vertx) throws Exception {
      KeyPair k1 = TestKeys.rsa();
      KeyPair k2 = TestKeys.rsa();
      KeyPair k3 = TestKeys.ec();
      served.set(TestKeys.jwks(TestKeys.jwk(k1, "k1")));
      JwtVerifier v = await(JwtVerifier.create(vertx, settings(start(vertx), "30s")));
      assertThat(fetches).hasValue(1);
      assertThat(await(v.verify(TestKeys.sign(vertx, k1, "k1", claims("a", "s")))).subject())
          .isEqualTo("a");
      assertThat(fetches).hasValue(1);

      // Rotation: the issuer publishes k2 and signs with it. The unknown kid makes us fetch again.
      served.set(TestKeys.jwks(TestKeys.jwk(k1, "k1"), TestKeys.jwk(k2, "k2")));
      assertThat(await(v.verify(TestKeys.sign(vertx, k2, "k2", claims("b", "s")))).subject())
          .isEqualTo("b");
      assertThat(fetches).hasValue(2);

      // Another unknown kid within 30 s: no fetch, refused even though the JWKS now has it.
      served.set(TestKeys.jwks(TestKeys.jwk(k3, "k3")));
      assertInvalid(v.verify(TestKeys.sign(vertx, k3, "k3", claims("c", "s"))));
      assertInvalid(v.verify(TestKeys.sign(vertx, k3, "k3", claims("d", "s"))));
      assertThat(fetches).hasValue(2);
      await(v.close());
    }

    @Test
    void refreshAllowedAgainAfterTheMinimumInterval(Vertx vertx) throws Exception {
      KeyPair k1 = TestKeys.rsa();
      KeyPair k2 = TestKeys.ec();
      KeyPair k3 = TestKeys.ec();
      served.set(TestKeys.jwks(TestKeys.jwk(k1, "k1")));
      JwtVerifier v = await(JwtVerifier.create(vertx, settings(start(vertx), "300ms")));
      served.set(TestKeys.jwks(TestKeys.jwk(k2, "k2")));
      assertThat(await(v.verify(TestKeys.sign(vertx, k2, "k2", claims("b", "s")))).subject())
          .isEqualTo("b");
      served.set(TestKeys.jwks(TestKeys.jwk(k3, "k3")));
      assertInvalid(v.verify(TestKeys.sign(vertx, k3, "k3", claims("c", "s"))));
      assertThat(fetches).hasValue(2);
      Thread.sleep(400);
      assertThat(await(v.verify(TestKeys.sign(vertx, k3, "k3", claims("c", "s")))).subject())
          .isEqualTo("c");
      assertThat(fetches).hasValue(3);
      // k1 is gone from the JWKS: its tokens are refused now.
      assertInvalid(v.verify(TestKeys.sign(vertx, k1, "k1", claims("a", "s"))));
      await(v.close());
    }

    @Test
    void unreachableJwksDoesNotPreventStartAndAcceptsNothing(Vertx vertx) throws Exception {
      served.set(new JsonObject().put("keys", new JsonArray()));
      String url = start(vertx);
      await(server.close());
      JwtVerifier v = await(JwtVerifier.create(vertx, settings(url, "30s")));
      KeyPair k1 = TestKeys.rsa();
      assertInvalid(v.verify(TestKeys.sign(vertx, k1, "k1", claims("a", "s"))));
      assertInvalid(
          v.verify(TestKeys.handMade(new JsonObject().put("alg", "none"), claims("a", "*"), null)));
      await(v.close());
    }
  }
}
