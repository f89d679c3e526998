package io.trident.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineReaderTest {

  private static String text(LineReader.Line line) {
    LineReader.Text t = (LineReader.Text) line;
    return new String(t.bytes(), 0, t.length(), StandardCharsets.UTF_8);
  }

  @Test
  void splitsLinesAndDropsCarriageReturns() throws IOException {
    LineReader r =
        new LineReader(
            new ByteArrayInputStream("a\r\nbb\nlast".getBytes(StandardCharsets.UTF_8)), 1024);
    assertThat(text(r.next())).isEqualTo("a");
    assertThat(text(r.next())).isEqualTo("bb");
    assertThat(text(r.next())).isEqualTo("last");
    assertThat(r.next()).isInstanceOf(LineReader.End.class);
  }

  @Test
  void overlongLineIsReportedAndReadingContinuesAfterIt() throws IOException {
    String longLine = "x".repeat(200_000);
    LineReader r =
        new LineReader(
            new ByteArrayInputStream((longLine + "\nok\n").getBytes(StandardCharsets.UTF_8)), 1024);
    LineReader.Line first = r.next();
    assertThat(first).isInstanceOf(LineReader.TooLong.class);
    assertThat(((LineReader.TooLong) first).length()).isEqualTo(200_000);
    assertThat(text(r.next())).isEqualTo("ok");
  }

  @Test
  void lineExactlyAtTheLimitIsAccepted() throws IOException {
    LineReader r =
        new LineReader(
            new ByteArrayInputStream(("y".repeat(1024) + "\n").getBytes(StandardCharsets.UTF_8)),
            1024);
    assertThat(text(r.next())).hasSize(1024);
  }
}
