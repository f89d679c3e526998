package io.trident.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trident.fuzz.FuzzBudget;
import io.trident.server.jsonrpc.JsonRpcCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * stdio framing: any byte stream, read in any chunk sizes, splits into lines within the cap (or
 * over-long lines reported and skipped), each line decodes, and the stream ends: no exception, no
 * line with a newline in it, no byte lost or invented.
 */
class LineFramingFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void anyStreamSplitsIntoBoundedLines(FuzzedDataProvider data) throws IOException {
    int cap = data.consumeInt(1024, 4096);
    int maxChunk = data.consumeInt(1, 70_000);
    byte[] bytes = data.consumeRemainingAsBytes();
    LineReader reader = new LineReader(new Chunked(bytes, maxChunk), cap);
    long accounted = 0;
    long newlines = 0;
    for (int b : bytes) {
      newlines += b == '\n' ? 1 : 0;
    }
    for (int n = 0; ; n++) {
      assertThat(n).as("lines read").isLessThanOrEqualTo(bytes.length + 1);
      LineReader.Line line = reader.next();
      if (line instanceof LineReader.End) {
        break;
      }
      if (line instanceof LineReader.Text text) {
        assertThat(text.length()).isBetween(0, cap);
        for (int i = 0; i < text.length(); i++) {
          assertThat(text.bytes()[i]).isNotEqualTo((byte) '\n');
        }
        accounted += text.length();
        assertThat(JsonRpcCodec.decode(text.bytes(), 0, text.length())).isNotNull();
      } else if (line instanceof LineReader.TooLong tooLong) {
        assertThat(tooLong.length()).isGreaterThan(cap);
        accounted += tooLong.length();
      }
    }
    // Every byte is in a line, a newline or a trimmed CR; no more than the input.
    assertThat(accounted + newlines).isBetween(bytes.length - newlines - 1, (long) bytes.length);
  }

  public static void fuzzerTestOneInput(FuzzedDataProvider data) throws IOException {
    new LineFramingFuzzTest().anyStreamSplitsIntoBoundedLines(data);
  }

  /** Hands out at most {@code maxChunk} bytes per read, as a pipe does. */
  private static final class Chunked extends InputStream {
    private final ByteArrayInputStream in;
    private final int maxChunk;

    Chunked(byte[] bytes, int maxChunk) {
      this.in = new ByteArrayInputStream(bytes);
      this.maxChunk = maxChunk;
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return in.read(b, off, Math.min(len, maxChunk));
    }
  }
}
