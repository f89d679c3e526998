package io.trident.bench;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The ceiling for {@link StdioBench}: a bare JDK read-answer loop with no JSON library, no event
 * loop and no threads. For every line on stdin that has an {@code "id":} it writes one fixed
 * JSON-RPC result with the same id; lines without an id (notifications) get no answer. Output is
 * buffered and flushed whenever no more input is available, so a burst of requests shares one
 * write.
 *
 * <p>Run with {@code java -cp target/test-classes io.trident.bench.BareStdioServer}.
 */
public final class BareStdioServer {

  private static final byte[] ID_KEY = "\"id\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PREFIX =
      "{\"jsonrpc\":\"2.0\",\"id\":".getBytes(StandardCharsets.US_ASCII);

  /** Shaped like Trident's echo answer, so both servers write about as many bytes per call. */
  private static final byte[] SUFFIX =
      ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hello world 1234\"}]}}\n"
          .getBytes(StandardCharsets.US_ASCII);

  private BareStdioServer() {}

  public static void main(String[] args) throws IOException {
    InputStream in = new FileInputStream(FileDescriptor.in);
    OutputStream out = new FileOutputStream(FileDescriptor.out);
    byte[] buf = new byte[64 * 1024];
    byte[] outBuf = new byte[64 * 1024];
    int outLen = 0;
    int start = 0; // first byte of the current (incomplete) line
    int limit = 0; // end of valid data in buf
    while (true) {
      if (start > 0 && start == limit) {
        start = 0;
        limit = 0;
      } else if (limit == buf.length) {
        if (start == 0) { // one line fills the whole buffer: grow it
          byte[] bigger = new byte[buf.length * 2];
          System.arraycopy(buf, 0, bigger, 0, limit);
          buf = bigger;
        } else {
          System.arraycopy(buf, start, buf, 0, limit - start);
          limit -= start;
          start = 0;
        }
      }
      int n = in.read(buf, limit, buf.length - limit);
      if (n < 0) {
        break;
      }
      int scan = limit;
      limit += n;
      for (int i = scan; i < limit; i++) {
        if (buf[i] != '\n') {
          continue;
        }
        int idStart = indexOf(buf, start, i, ID_KEY);
        if (idStart >= 0) {
          int from = idStart + ID_KEY.length;
          int to = from;
          while (to < i && buf[to] != ',' && buf[to] != '}') {
            to++;
          }
          int need = PREFIX.length + (to - from) + SUFFIX.length;
          if (outLen + need > outBuf.length) {
            out.write(outBuf, 0, outLen);
            outLen = 0;
            if (need > outBuf.length) {
              outBuf = new byte[need * 2];
            }
          }
          System.arraycopy(PREFIX, 0, outBuf, outLen, PREFIX.length);
          outLen += PREFIX.length;
          System.arraycopy(buf, from, outBuf, outLen, to - from);
          outLen += to - from;
          System.arraycopy(SUFFIX, 0, outBuf, outLen, SUFFIX.length);
          outLen += SUFFIX.length;
        }
        start = i + 1;
      }
      if (outLen > 0 && in.available() == 0) {
        out.write(outBuf, 0, outLen);
        outLen = 0;
      }
    }
    if (outLen > 0) {
      out.write(outBuf, 0, outLen);
    }
    out.flush();
  }

  private static int indexOf(byte[] hay, int from, int to, byte[] needle) {
    outer:
    for (int i = from; i <= to - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
