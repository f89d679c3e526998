package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trident.fuzz.FuzzBudget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * API keys: any keys file is read or refused with an {@link IOException} (YAML/JSON) or an {@link
 * IllegalArgumentException} naming the file; any presented key that is not in the file is refused
 * with {@link AuthFailure}, never another exception.
 */
class ApiKeyFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void anyKeysFileParsesOrIsRefusedAndUnknownKeysAreRefused(FuzzedDataProvider data) {
    String presented = data.consumeString(1100);
    String file = new String(data.consumeRemainingAsBytes(), StandardCharsets.UTF_8);
    try {
      assertThat(ApiKeyStore.parse(file, "keys.yaml")).isNotNull();
    } catch (IOException | IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotNull();
    }
    if (!presented.equals(KNOWN)) {
      assertThatThrownBy(() -> STORE.authenticate(presented)).isInstanceOf(AuthFailure.class);
    }
  }

  public static void fuzzerTestOneInput(FuzzedDataProvider data) {
    new ApiKeyFuzzTest().anyKeysFileParsesOrIsRefusedAndUnknownKeysAreRefused(data);
  }

  private static final String KNOWN = ApiKeyStore.generateKey();
  private static final ApiKeyStore STORE = store();

  private static ApiKeyStore store() {
    try {
      java.nio.file.Path file = java.nio.file.Files.createTempFile("keys", ".yaml");
      file.toFile().deleteOnExit();
      java.nio.file.Files.writeString(
          file,
          "keys:\n  - hash: " + ApiKeyStore.hash(KNOWN) + "\n    subject: s\n    scopes: [a]\n");
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
      ApiKeyStore store =
          ApiKeyStore.create(
                  vertx, new AuthSettings.ApiKeys(file.toString(), "0s"), java.time.Instant::now)
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, java.util.concurrent.TimeUnit.SECONDS);
      vertx.close();
      return store;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
