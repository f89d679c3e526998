package io.trident.auth;

/**
 * JSON strings appended to a StringBuilder, character for character what Jackson's generator writes
 * with Vert.x's defaults: an audit line is built this way because a Jackson generator per line cost
 * more than everything else in writing it.
 */
final class JsonText {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

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
}
