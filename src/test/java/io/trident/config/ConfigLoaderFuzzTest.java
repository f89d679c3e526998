package io.trident.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trident.fuzz.FuzzBudget;

/**
 * Any configuration file either loads or is refused with an {@link IllegalArgumentException} whose
 * message names the file (start-up exit 2 with one line); no other exception escapes.
 */
class ConfigLoaderFuzzTest {

  @DictionaryEntries({
    "server:",
    "http:",
    "grpc:",
    "auth:",
    "upstreams:",
    "limits:",
    "redis:",
    "  - name: a",
    "requestTimeout: ",
    "toolTimeouts: {",
    "maxBodyBytes: ",
    "${HOME}",
    "${X:-",
    "&a ",
    "*a",
    "!!binary ",
    "[null]",
    "{}",
    ": null"
  })
  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void anyYamlLoadsOrIsRefusedWithAMessage(byte[] bytes) {
    String yaml = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    try {
      assertThat(ConfigLoader.parse(yaml, "fuzz.yaml")).isNotNull();
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  public static void fuzzerTestOneInput(byte[] data) {
    new ConfigLoaderFuzzTest().anyYamlLoadsOrIsRefusedWithAMessage(data);
  }
}
