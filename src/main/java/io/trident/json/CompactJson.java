package io.trident.json;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
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

  /** A JSON string: printable ASCII runs copied in bulk, the rest escaped or UTF-8 encoded. */
  private static void writeString(String s, ByteSink out, boolean canonical) {
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
