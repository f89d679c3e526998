package io.trident.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class UriTemplateTest {

  @Test
  void matchesSimpleVariablesWithinOneSegment() {
    UriTemplate t = UriTemplate.parse("test://template/{id}/data");
    assertThat(t.match("test://template/123/data")).contains(Map.of("id", "123"));
    assertThat(t.match("test://template/1/2/data")).isEmpty();
    assertThat(t.match("test://template//data")).isEmpty();
  }

  @Test
  void decodesPercentEncodedValues() {
    assertThat(UriTemplate.parse("x://echo/{text}").match("x://echo/hello%20world"))
        .contains(Map.of("text", "hello world"));
  }

  @Test
  void invalidPercentEncodingIsNoMatchNotAnError() {
    // Found by UriTemplateFuzzTest: URLDecoder threw on a client's URI.
    assertThat(UriTemplate.parse("x://echo/{text}").match("x://echo/%gy")).isEmpty();
    assertThat(UriTemplate.parse("x://echo/{text}").match("x://echo/50%")).isEmpty();
  }

  @Test
  void adjacentExpressionsAndSeveralReservedExpansionsAreRefused() {
    // Found by UriTemplateFuzzTest: {a}{b}{c}... backtracked exponentially on a client's URI.
    assertThatThrownBy(() -> UriTemplate.parse("x://{a}{b}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("literal between them");
    assertThatThrownBy(() -> UriTemplate.parse("x://{+a}/{+b}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most one {+var}");
  }

  @Test
  void aLongNonMatchingUriIsRefusedQuickly() {
    UriTemplate t = UriTemplate.parse("x://{a}/{b}/{c}/{d}/end");
    long start = System.nanoTime();
    assertThat(t.match("x://" + "a".repeat(8000) + "/b/c/d/nope")).isEmpty();
    assertThat(t.match("x://" + "a".repeat(9000))).isEmpty();
    assertThat(System.nanoTime() - start).isLessThan(500_000_000L);
    assertThat(UriTemplate.parse("file:///{dir}/{name}.{ext}").match("file:///d/a.b.c"))
        .contains(Map.of("dir", "d", "name", "a.b", "ext", "c"));
  }

  @Test
  void reservedExpansionSpansSegments() {
    assertThat(UriTemplate.parse("file:///{+path}").match("file:///a/b/c.txt"))
        .contains(Map.of("path", "a/b/c.txt"));
  }

  @Test
  void refusesUnsupportedOperators() {
    assertThatThrownBy(() -> UriTemplate.parse("x://{?q}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
