package io.trident.auth;

import static io.trident.auth.JwtVerifierTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.context.Principal;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@ExtendWith(VertxExtension.class)
class MintTokenTest {

  @TempDir Path dir;

  String mint(String... args) throws Exception {
    MintToken m = new MintToken();
    new CommandLine(m).parseArgs(args);
    return m.mint();
  }

  @Test
  void hs256TokenFromTheSecretFileVerifies(Vertx vertx) throws Exception {
    Path secret = TestKeys.write(dir, "s", TestKeys.secret() + "\n");
    String token =
        mint(
            "--secret-file",
            secret.toString(),
            "--sub",
            "alice",
            "--scope",
            "tools:list tools:call",
            "--iss",
            TestKeys.ISSUER,
            "--aud",
            TestKeys.AUDIENCE,
            "--ttl",
            "5m");
    JwtVerifier v =
        await(JwtVerifier.create(vertx, TestKeys.jwt(secret.toString(), null, null, null)));
    Principal p = await(v.verify(token));
    assertThat(p.subject()).isEqualTo("alice");
    assertThat(p.scopes()).containsExactlyInAnyOrder("tools:list", "tools:call");
    assertThat((Long) p.claims().get("exp") - System.currentTimeMillis() / 1000)
        .isBetween(250L, 300L);
  }

  @Test
  void es256TokenFromAPrivateKeyVerifiesWithThePublicKey(Vertx vertx) throws Exception {
    var kp = TestKeys.ec();
    Path priv = TestKeys.write(dir, "k.pem", TestKeys.privatePem(kp));
    Path pub = TestKeys.write(dir, "p.pem", TestKeys.publicPem(kp));
    String token =
        mint(
            "--private-key",
            priv.toString(),
            "--sub",
            "ci",
            "--iss",
            TestKeys.ISSUER,
            "--aud",
            TestKeys.AUDIENCE);
    JwtVerifier v =
        await(JwtVerifier.create(vertx, TestKeys.jwt(null, List.of(pub.toString()), null, null)));
    assertThat(await(v.verify(token)).subject()).isEqualTo("ci");
  }
}
