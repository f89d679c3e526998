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
