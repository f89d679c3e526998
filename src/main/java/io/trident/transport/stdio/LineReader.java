package io.trident.transport.stdio;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines with a hard cap on line length. An over-long line is skipped to
 * its end without being kept in memory, and reported once, so a hostile or broken client cannot
 * exhaust the heap and the stream stays in sync.
 */
final class LineReader {

  /** What {@link #next()} found. */
  sealed interface Line permits Text, TooLong, End {}

  /** A complete line, without its terminator (and without a trailing CR). */
  record Text(byte[] bytes, int length) implements Line {}

  /** A line longer than the cap; its bytes were dropped. */
  record TooLong(long length) implements Line {}

  /** End of input. */
  record End() implements Line {}

  private static final End END = new End();

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buffer = new byte[64 * 1024];
  private int pos;
  private int limit;
  private byte[] line = new byte[8 * 1024];

  LineReader(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** True when a line can be returned without blocking (used to batch hand-offs). */
  boolean hasBufferedLine() throws IOException {
    for (int i = pos; i < limit; i++) {
      if (buffer[i] == '\n') {
        return true;
      }
    }
    return in.available() > 0;
  }

  Line next() throws IOException {
    int length = 0;
    long dropped = -1; // >= 0 once the line went over the cap
    while (true) {
      if (pos == limit) {
        limit = in.read(buffer, 0, buffer.length);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          if (dropped >= 0) {
            return new TooLong(dropped);
          }
          return length > 0 ? new Text(line, trimCr(length)) : END;
        }
      }
      int start = pos;
      int newline = -1;
      for (int i = pos; i < limit; i++) {
        if (buffer[i] == '\n') {
          newline = i;
          break;
        }
      }
      int end = newline < 0 ? limit : newline;
      int chunk = end - start;
      pos = newline < 0 ? limit : newline + 1;
      if (dropped >= 0) {
        dropped += chunk;
      } else if ((long) length + chunk > maxLineBytes) {
        dropped = (long) length + chunk;
      } else {
        ensureCapacity(length + chunk);
        System.arraycopy(buffer, start, line, length, chunk);
        length += chunk;
      }
      if (newline >= 0) {
        if (dropped >= 0) {
          return new TooLong(dropped);
        }
        return new Text(line, trimCr(length));
      }
    }
  }

  private int trimCr(int length) {
    return length > 0 && line[length - 1] == '\r' ? length - 1 : length;
  }

  private void ensureCapacity(int needed) {
    if (needed > line.length) {
      line = Arrays.copyOf(line, Math.max(needed, Math.min(maxLineBytes, line.length * 2)));
    }
  }
}
