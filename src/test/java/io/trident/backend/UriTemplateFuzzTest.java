package io.trident.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trident.fuzz.FuzzBudget;
import java.util.Map;
import java.util.Optional;

/**
 * Resource URI templates: a template either parses or is refused with {@link
 * IllegalArgumentException}; matching any URI a client sends against a parsed one never throws,
 * finishes quickly, and every variable it reports is one of the template's.
 */
class UriTemplateFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void templatesParseOrAreRefusedAndMatchingNeverThrows(FuzzedDataProvider data) {
    String template = data.consumeString(200);
    String uri = data.consumeRemainingAsString();
    UriTemplate parsed;
    try {
      parsed = UriTemplate.parse(template);
    } catch (IllegalArgumentException e) {
      return;
    }
    long start = System.nanoTime();
    Optional<Map<String, String>> match = parsed.match(uri);
    assertThat(System.nanoTime() - start).as("match time (ns)").isLessThan(1_000_000_000L);
    match.ifPresent(vars -> assertThat(parsed.variables()).containsAll(vars.keySet()));
    assertThat(parsed.match(template)).isNotNull();
  }

  public static void fuzzerTestOneInput(FuzzedDataProvider data) {
    new UriTemplateFuzzTest().templatesParseOrAreRefusedAndMatchingNeverThrows(data);
  }
}
