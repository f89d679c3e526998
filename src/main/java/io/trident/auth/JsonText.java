package io.trident.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.util.Arrays;

/**
 * Compact JSON text appended to a StringBuilder, character for character what Jackson's generator
 * writes with Vert.x's defaults (the same escapes, the same numbers): an audit line and the
 * canonical text of its argument digest are built this way because a Jackson generator per line
 * cost more than everything else in writing it. Values other than the ones a parsed JSON tree holds
 * go through Vert.x's codec, so they come out exactly as before too.
 */
final class JsonText {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  private static final JacksonCodec CODEC = new JacksonCodec();

  private JsonText() {}

  /** {@code value} as a JSON string: quotes, and the escapes Jackson uses. */
  static void appendString(StringBuilder out, String value) {
    out.append('"');
    int from = 0;
    int length = value.length();
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(value, from, i);
      from = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    out.append(value, from, length).append('"');
  }

  /** {@code "key":} */
  static void appendKey(StringBuilder out, String key) {
    appendString(out, key);
    out.append(':');
  }

  /**
   * The canonical JSON of {@code value}: object members sorted by name at every depth, values as
   * the tree hands them out (maps and lists wrapped), compact.
   */
  static void appendCanonical(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      appendString(out, s);
    } else if (value instanceof JsonObject object) {
      String[] names = object.fieldNames().toArray(new String[0]);
      Arrays.sort(names);
      out.append('{');
      for (int i = 0; i < names.length; i++) {
        if (i > 0) {
          out.append(',');
        }
        appendKey(out, names[i]);
        appendCanonical(out, object.getValue(names[i]));
      }
      out.append('}');
    } else if (value instanceof JsonArray array) {
      out.append('[');
      for (int i = 0; i < array.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        appendCanonical(out, array.getValue(i));
      }
      out.append(']');
    } else if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Double d && Double.isFinite(d)) {
      out.append(d.doubleValue()); // Double.toString, as Jackson writes a double by default
    } else {
      // Rare in arguments (big numbers, floats, non-finite doubles, binary): exactly as Vert.x
      // does.
      out.append(CODEC.toString(value, false));
    }
  }
}
