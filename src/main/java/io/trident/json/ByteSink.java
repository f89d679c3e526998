package io.trident.json;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte array that messages are encoded into and then written out from in one call. Kept
 * and reused by its one owner thread, so writing a message allocates no array of its own.
 */
public final class ByteSink extends OutputStream {

  private final int capacity;
  private byte[] bytes;
  private int size;

  public ByteSink(int capacity) {
    this.capacity = capacity;
    bytes = new byte[capacity];
  }

  @Override
  public void write(int b) {
    ensure(size + 1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(size + len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  /** The low byte of each char of {@code ascii}, which must be ASCII (one bulk copy). */
  @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int) is exactly that copy
  public void writeAscii(String ascii, int from, int to) {
    ensure(size + (to - from));
    ascii.getBytes(from, to, bytes, size);
    size += to - from;
  }

  public void writeAscii(String ascii) {
    writeAscii(ascii, 0, ascii.length());
  }

  public byte[] array() {
    return bytes;
  }

  public int size() {
    return size;
  }

  /** Drops everything from {@code length} on (a message that failed half-way). */
  public void truncate(int length) {
    size = length;
  }

  /**
   * Empties the sink once its bytes are written; an array grown for one large message goes back to
   * the first capacity, so that message does not keep its size for the life of the process.
   */
  public void clear() {
    size = 0;
    if (bytes.length > capacity) {
      bytes = new byte[capacity];
    }
  }

  private void ensure(int needed) {
    if (needed > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
    }
  }
}
