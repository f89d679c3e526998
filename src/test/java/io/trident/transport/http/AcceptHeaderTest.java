package io.trident.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Accept check every POST and GET goes through (scanned in place, no copies). */
class AcceptHeaderTest {

  @Test
  void exactTypesWildcardsParametersCaseAndBlanks() {
    String json = "application/json";
    assertThat(StreamableHttpTransport.accepts("application/json", json)).isTrue();
    assertThat(StreamableHttpTransport.accepts("application/json, text/event-stream", json))
        .isTrue();
    assertThat(
            StreamableHttpTransport.accepts(
                "application/json, text/event-stream", "text/event-stream"))
        .isTrue();
    assertThat(StreamableHttpTransport.accepts(" Application/JSON ;q=0.9", json)).isTrue();
    assertThat(StreamableHttpTransport.accepts("text/html,*/*;q=0.8", json)).isTrue();
    assertThat(StreamableHttpTransport.accepts("application/*", json)).isTrue();
    assertThat(StreamableHttpTransport.accepts("text/*", "text/event-stream")).isTrue();
    assertThat(StreamableHttpTransport.accepts("text/*", json)).isFalse();
    assertThat(StreamableHttpTransport.accepts("application/jsonx", json)).isFalse();
    assertThat(StreamableHttpTransport.accepts("application/json-seq", json)).isFalse();
    assertThat(StreamableHttpTransport.accepts("xapplication/json", json)).isFalse();
    assertThat(StreamableHttpTransport.accepts("", json)).isFalse();
    assertThat(StreamableHttpTransport.accepts(",,;", json)).isFalse();
    assertThat(StreamableHttpTransport.accepts(null, json)).isFalse();
    assertThat(StreamableHttpTransport.accepts("text/event-stream,", json)).isFalse();
    assertThat(StreamableHttpTransport.accepts("text/event-stream,application/json", json))
        .isTrue();
    // Media types are ASCII: no locale folding (U+0130 is not "I", U+212A is not "k").
    assertThat(StreamableHttpTransport.accepts("appl\u0130cation/json", json)).isFalse();
  }
}
