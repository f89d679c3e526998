package io.trident.auth;

import static io.trident.auth.JwtVerifierTest.await;
import static io.trident.auth.JwtVerifierTest.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.context.Principal;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class ApiKeyStoreTest {

  @TempDir Path dir;

  static final String GOOD = "tmk_good-key-0123456789";
  static final String REVOKED = "tmk_revoked-key-0123456789";
  static final String EXPIRED = "tmk_expired-key-0123456789";

  static String keysFile() {
    return "keys:\n"
        + "  - hash: "
        + ApiKeyStore.hash(GOOD)
        + "\n    subject: ci-bot\n    scopes: [tools:list, tools:call]\n    id: ci-1\n"
        + "    expires: 2999-01-01T00:00:00Z\n"
        + "  - hash: "
        + ApiKeyStore.hash(REVOKED)
        + "\n    subject: old-bot\n    scopes: ['*']\n    revoked: true\n"
        + "  - hash: "
        + ApiKeyStore.hash(EXPIRED)
        + "\n    subject: temp\n    scopes: ['*']\n    expires: 2020-01-01T00:00:00Z\n";
  }

  ApiKeyStore store(Vertx vertx, String content) throws Exception {
    Path file = TestKeys.write(dir, "keys.yaml", content);
    return await(ApiKeyStore.create(vertx, new AuthSettings.ApiKeys(file.toString(), "0s")));
  }

  @Test
  void anEmptyListItemIsRefusedNamingTheFile() {
    // Found by ApiKeyFuzzTest: a null entry was a NullPointerException.
    for (String text : java.util.List.of("keys:\n  -\n", "keys: [null]", "[null]")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApiKeyStore.parse(text, "k.yaml"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("k.yaml");
    }
  }

  @Test
  void hashIsSha256HexWithPrefix() {
    // sha256("test"), a well-known vector.
    assertThat(ApiKeyStore.hash("test"))
        .isEqualTo("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    assertThat(ApiKeyStore.generateKey()).startsWith("tmk_").hasSizeGreaterThan(40);
    assertThat(ApiKeyStore.generateKey()).isNotEqualTo(ApiKeyStore.generateKey());
  }

  @Test
  void goodKeyGivesItsSubjectAndScopes(Vertx vertx) throws Exception {
    Principal p = store(vertx, keysFile()).authenticate(GOOD);
    assertThat(p.subject()).isEqualTo("ci-bot");
    assertThat(p.scopes()).containsExactlyInAnyOrder("tools:list", "tools:call");
    assertThat(p.credentialKind()).isEqualTo("apiKey");
    assertThat(p.claims()).containsEntry("keyId", "ci-1");
  }

  @Test
  void unknownRevokedAndExpiredKeysAreRefused(Vertx vertx) throws Exception {
    ApiKeyStore s = store(vertx, keysFile());
    for (String key : new String[] {"tmk_unknown", REVOKED, EXPIRED, "", GOOD + "x"}) {
      assertThatThrownBy(() -> s.authenticate(key))
          .isInstanceOf(AuthFailure.class)
          .hasMessage(AuthFailure.UNAUTHENTICATED_MESSAGE);
    }
  }

  @Test
  void expiryIsCheckedAgainstTheClock(Vertx vertx) throws Exception {
    Path file = TestKeys.write(dir, "keys.yaml", keysFile());
    ApiKeyStore s =
        await(
            ApiKeyStore.create(
                vertx,
                new AuthSettings.ApiKeys(file.toString(), "0s"),
                () -> Instant.parse("2019-06-01T00:00:00Z")));
    assertThat(s.authenticate(EXPIRED).subject()).isEqualTo("temp");
  }

  @Test
  void removingAKeyFromTheFileRevokesItOnReload(Vertx vertx) throws Exception {
    ApiKeyStore s = store(vertx, keysFile());
    assertThat(s.authenticate(GOOD).subject()).isEqualTo("ci-bot");
    TestKeys.write(dir, "keys.yaml", "keys: []\n");
    await(s.reload());
    assertThatThrownBy(() -> s.authenticate(GOOD)).isInstanceOf(AuthFailure.class);
  }

  @Test
  void brokenFileOnReloadKeepsThePreviousKeys(Vertx vertx) throws Exception {
    ApiKeyStore s = store(vertx, keysFile());
    TestKeys.write(dir, "keys.yaml", "keys:\n  - hash: sha256:nothex\n    subject: x\n");
    failure(s.reload());
    assertThat(s.authenticate(GOOD).subject()).isEqualTo("ci-bot");
  }

  @Test
  void deletedFileOnReloadLeavesNoKeyValid(Vertx vertx) throws Exception {
    ApiKeyStore s = store(vertx, keysFile());
    java.nio.file.Files.delete(dir.resolve("keys.yaml"));
    failure(s.reload());
    assertThatThrownBy(() -> s.authenticate(GOOD)).isInstanceOf(AuthFailure.class);
  }

  @Test
  void changedFileIsPickedUpByThePeriodicCheck(Vertx vertx) throws Exception {
    Path file = TestKeys.write(dir, "keys.yaml", keysFile());
    ApiKeyStore s =
        await(ApiKeyStore.create(vertx, new AuthSettings.ApiKeys(file.toString(), "100ms")));
    assertThat(s.authenticate(GOOD).subject()).isEqualTo("ci-bot");
    TestKeys.write(dir, "keys.yaml", "keys: []\n");
    java.nio.file.Files.setLastModifiedTime(
        file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    long until = System.currentTimeMillis() + 5_000;
    boolean refused = false;
    while (!refused && System.currentTimeMillis() < until) {
      Thread.sleep(50);
      try {
        s.authenticate(GOOD);
      } catch (AuthFailure e) {
        refused = true;
      }
    }
    assertThat(refused).isTrue();
    await(s.close());
  }

  @Test
  void typoInAnEntryIsRefusedAtLoad(Vertx vertx) throws Exception {
    Path file =
        TestKeys.write(
            dir,
            "keys.yaml",
            "keys:\n  - hash: " + ApiKeyStore.hash(GOOD) + "\n    subject: x\n    revokd: true\n");
    assertThat(failure(ApiKeyStore.create(vertx, new AuthSettings.ApiKeys(file.toString(), "0s"))))
        .hasMessageContaining("revokd");
  }
}
