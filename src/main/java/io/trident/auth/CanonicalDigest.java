package io.trident.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * SHA-256 of the canonical JSON of an object (members sorted by name at every depth), computed
 * while the JSON is written: no sorted copy of the tree, no text and no byte array of it. The
 * digested bytes are exactly those of {@code String.getBytes(UTF_8)} of the compact JSON text (a
 * lone surrogate becomes {@code ?}), so digests match the ones computed from that text before.
 */
final class CanonicalDigest {

  private static final JsonFactory FACTORY = new JsonFactory();

  private CanonicalDigest() {}

  /**
   * One digest and sink per thread (the audit thread; an event loop when the audit queue is full):
   * looking up a MessageDigest and a fresh buffer cost more than the digesting of small arguments.
   */
  private static final ThreadLocal<Utf8Digester> SINKS =
      ThreadLocal.withInitial(() -> new Utf8Digester(TokenCache.sha256()));

  static byte[] sha256(JsonObject object) {
    Utf8Digester sink = SINKS.get();
    sink.reset();
    try (JsonGenerator generator = FACTORY.createGenerator(sink)) {
      write(object, generator);
    } catch (IOException e) {
      sink.reset();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      sink.reset();
      throw e;
    }
    return sink.digest.digest();
  }

  /** Values as the tree hands them out (maps and lists already wrapped), written as Vert.x does. */
  private static void write(Object value, JsonGenerator generator) throws IOException {
    if (value instanceof JsonObject object) {
      String[] names = object.fieldNames().toArray(new String[0]);
      Arrays.sort(names);
      generator.writeStartObject();
      for (String name : names) {
        generator.writeFieldName(name);
        write(object.getValue(name), generator);
      }
      generator.writeEndObject();
    } else if (value instanceof JsonArray array) {
      generator.writeStartArray();
      for (int i = 0; i < array.size(); i++) {
        write(array.getValue(i), generator);
      }
      generator.writeEndArray();
    } else {
      JacksonCodec.encodeJson(value, generator);
    }
  }

  /** Encodes characters to UTF-8 as {@code String.getBytes(UTF_8)} does, into the digest. */
  static final class Utf8Digester extends Writer {

    private final MessageDigest digest;
    private final byte[] buffer = new byte[512];
    private int size;
    private char high; // a high surrogate waiting for its low half, or 0

    Utf8Digester(MessageDigest digest) {
      this.digest = digest;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        put(chars[i]);
      }
    }

    @Override
    public void write(String text, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        put(text.charAt(i));
      }
    }

    @Override
    public void write(int c) {
      put((char) c);
    }

    private void put(char c) {
      if (high != 0) {
        char h = high;
        high = 0;
        if (Character.isLowSurrogate(c)) {
          int cp = Character.toCodePoint(h, c);
          room(4);
          buffer[size++] = (byte) (0xF0 | (cp >> 18));
          buffer[size++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          buffer[size++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          buffer[size++] = (byte) (0x80 | (cp & 0x3F));
          return;
        }
        room(1);
        buffer[size++] = '?';
      }
      if (Character.isHighSurrogate(c)) {
        high = c;
      } else if (Character.isLowSurrogate(c)) {
        room(1);
        buffer[size++] = '?';
      } else if (c < 0x80) {
        room(1);
        buffer[size++] = (byte) c;
      } else if (c < 0x800) {
        room(2);
        buffer[size++] = (byte) (0xC0 | (c >> 6));
        buffer[size++] = (byte) (0x80 | (c & 0x3F));
      } else {
        room(3);
        buffer[size++] = (byte) (0xE0 | (c >> 12));
        buffer[size++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        buffer[size++] = (byte) (0x80 | (c & 0x3F));
      }
    }

    private void room(int bytes) {
      if (size + bytes > buffer.length) {
        digest.update(buffer, 0, size);
        size = 0;
      }
    }

    /** Forgets a half-written value (after a failure) and starts a fresh digest. */
    void reset() {
      size = 0;
      high = 0;
      digest.reset();
    }

    @Override
    public void flush() {
      // The digest takes the bytes at close: a pending high surrogate may still be completed.
    }

    @Override
    public void close() {
      if (high != 0) {
        high = 0;
        room(1);
        buffer[size++] = '?';
      }
      digest.update(buffer, 0, size);
      size = 0;
    }
  }
}
