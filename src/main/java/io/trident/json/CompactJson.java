package io.trident.json;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Compact JSON of a Vert.x JSON tree as UTF-8, byte for byte what Jackson's UTF-8 generator writes
 * with Vert.x's defaults (the same escapes, the same numbers, every surrogate escaped as {@code
 * \uD83D}), and the canonical form the audit digest is taken of. Jackson encodes a string one char
 * at a time; here the usual string (printable ASCII) is one bulk copy after a scan, which is most
 * of what a 10 KiB answer costs to write. Values other than the ones a parsed tree holds go through
 * Vert.x's codec, so they come out exactly as before.
 */
public final class CompactJson {

  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
  private static final JacksonCodec CODEC = new JacksonCodec();

  private CompactJson() {}

  /** {@code value} as the wire carries it. */
  public static void write(Object value, ByteSink out) {
    write(value, out, false);
  }

  /**
   * The canonical form: object members sorted by name at every depth, characters outside the BMP as
   * four UTF-8 bytes and a lone surrogate as {@code ?}, as {@code String.getBytes(UTF_8)} of
   * Jackson's text made them (so digests taken before stay the same).
   */
  public static void writeCanonical(Object value, ByteSink out) {
    write(value, out, true);
  }

  private static void write(Object value, ByteSink out, boolean canonical) {
    if (value == null) {
      out.writeAscii("null");
    } else if (value instanceof String s) {
      writeString(s, out, canonical);
    } else if (value instanceof JsonObject object) {
      writeObject(object, out, canonical);
    } else if (value instanceof JsonArray array) {
      writeArray(array, out, canonical);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
      out.writeAscii(value.toString());
    } else if (value instanceof Double d && Double.isFinite(d)) {
      out.writeAscii(Double.toString(d)); // as Jackson writes a double by default
    } else if (value instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, Object> members = (Map<String, Object>) map;
      writeObject(new JsonObject(members), out, canonical);
    } else if (value instanceof List<?> list) {
      writeArray(new JsonArray(list), out, canonical);
    } else {
      // Rare in a tree (big or float numbers, non-finite doubles, binary, instants): as Vert.x
      // does.
      byte[] bytes = CODEC.toString(value, false).getBytes(StandardCharsets.UTF_8);
      out.write(bytes, 0, bytes.length);
    }
  }

  private static void writeObject(JsonObject object, ByteSink out, boolean canonical) {
    out.write('{');
    if (canonical) {
      String[] names = object.fieldNames().toArray(new String[0]);
      Arrays.sort(names);
      for (int i = 0; i < names.length; i++) {
        if (i > 0) {
          out.write(',');
        }
        writeString(names[i], out, true);
        out.write(':');
        write(object.getValue(names[i]), out, true);
      }
    } else {
      boolean first = true;
      for (Map.Entry<String, Object> member : object) {
        if (!first) {
          out.write(',');
        }
        first = false;
        writeString(member.getKey(), out, false);
        out.write(':');
        write(member.getValue(), out, false);
      }
    }
    out.write('}');
  }

  private static void writeArray(JsonArray array, ByteSink out, boolean canonical) {
    out.write('[');
    for (int i = 0; i < array.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      write(array.getValue(i), out, canonical);
    }
    out.write(']');
  }

  /**
   * A JSON string. A long one is encoded by the JDK in bulk and scanned eight bytes at a time for
   * what needs escaping; a short one, or one with surrogates on the wire (Jackson escapes them, and
   * a lone one would have become {@code ?}), goes char by char.
   */
  private static void writeString(String s, ByteSink out, boolean canonical) {
    if (s.length() < BULK_FROM || !writeBulk(s, out, canonical)) {
      writeChars(s, out, canonical);
    }
  }

  /** Strings at least this long are encoded in bulk. */
  private static final int BULK_FROM = 24;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  /** False (nothing written) when the string must go char by char after all. */
  private static boolean writeBulk(String s, ByteSink out, boolean canonical) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    int length = utf8.length;
    int i = firstSpecial(utf8, canonical);
    int start = out.size();
    out.write('"');
    int run = 0;
    for (; i < length; i++) {
      int b = utf8[i];
      boolean plain =
          b < 0
              ? canonical || (b & 0xF0) != 0xF0 // part of a character of two or three bytes
              : b >= 0x20 && b != '"' && b != '\\' && (canonical || b != '?');
      if (plain) {
        continue;
      }
      if (b < 0 || b == '?') {
        // A four-byte character or a '?' that may stand for a lone surrogate: char by char.
        out.truncate(start);
        return false;
      }
      out.write(utf8, run, i - run);
      writeEscape((char) b, out);
      run = i + 1;
    }
    out.write(utf8, run, length - run);
    out.write('"');
    return true;
  }

  /**
   * The index of the first byte that may need more than a copy (a control character, a quote, a
   * backslash; on the wire also '?' and a four-byte lead byte), or the length: eight bytes a step.
   * The bit tricks flag the lowest such byte of a word exactly (higher ones may be false alarms,
   * which the caller's byte loop sorts out).
   */
  private static int firstSpecial(byte[] utf8, boolean canonical) {
    int i = 0;
    for (; i + 8 <= utf8.length; i += 8) {
      long w = (long) LONGS.get(utf8, i);
      long special = lessThan0x20(w) | equal(w, '"') | equal(w, '\\');
      if (!canonical) {
        special |= equal(w, '?') | (w & (w << 1) & (w << 2) & (w << 3) & HIGHS);
      }
      if (special != 0) {
        return i + (Long.numberOfTrailingZeros(special) >>> 3);
      }
    }
    return i;
  }

  private static long lessThan0x20(long w) {
    return (w - ONES * 0x20) & ~w & HIGHS;
  }

  private static long equal(long w, char c) {
    long x = w ^ (ONES * c);
    return (x - ONES) & ~x & HIGHS;
  }

  /** Char by char: printable ASCII runs copied in bulk, the rest escaped or UTF-8 encoded. */
  private static void writeChars(String s, ByteSink out, boolean canonical) {
    out.write('"');
    int length = s.length();
    int run = 0; // start of the printable-ASCII run not yet copied
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        continue;
      }
      out.writeAscii(s, run, i);
      if (c < 0x80) {
        writeEscape(c, out);
      } else if (c < 0x800) {
        out.write(0xC0 | (c >> 6));
        out.write(0x80 | (c & 0x3F));
      } else if (!canonical && Character.isSurrogate(c)) {
        // As Jackson's UTF-8 generator does by default: each surrogate, paired or not, escaped.
        writeUnicodeEscape(c, out);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < length
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int codePoint = Character.toCodePoint(c, s.charAt(++i));
        out.write(0xF0 | (codePoint >> 18));
        out.write(0x80 | ((codePoint >> 12) & 0x3F));
        out.write(0x80 | ((codePoint >> 6) & 0x3F));
        out.write(0x80 | (codePoint & 0x3F));
      } else if (Character.isSurrogate(c)) {
        out.write('?'); // a lone one, as String.getBytes(UTF_8) writes it
      } else {
        out.write(0xE0 | (c >> 12));
        out.write(0x80 | ((c >> 6) & 0x3F));
        out.write(0x80 | (c & 0x3F));
      }
      run = i + 1;
    }
    out.writeAscii(s, run, length);
    out.write('"');
  }

  private static void writeEscape(char c, ByteSink out) {
    switch (c) {
      case '"' -> out.writeAscii("\\\"");
      case '\\' -> out.writeAscii("\\\\");
      case '\n' -> out.writeAscii("\\n");
      case '\r' -> out.writeAscii("\\r");
      case '\t' -> out.writeAscii("\\t");
      case '\b' -> out.writeAscii("\\b");
      case '\f' -> out.writeAscii("\\f");
      default -> writeUnicodeEscape(c, out);
    }
  }

  private static void writeUnicodeEscape(char c, ByteSink out) {
    out.writeAscii("\\u");
    out.write(HEX[(c >> 12) & 0xF]);
    out.write(HEX[(c >> 8) & 0xF]);
    out.write(HEX[(c >> 4) & 0xF]);
    out.write(HEX[c & 0xF]);
  }
}
