package io.trident.server;

import io.trident.model.McpException;
import io.trident.model.Page;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Cursor pagination over a list. Cursors are opaque to clients (base64url of a kind and offset) so
 * we can change their meaning later; a cursor of another kind or out of range is refused.
 */
final class Pagination {

  private Pagination() {}

  static <T> Page<T> page(List<T> all, String cursor, int pageSize, String kind) {
    int offset = cursor == null ? 0 : decode(cursor, kind);
    if (offset > all.size()) {
      throw McpException.invalidParams("Invalid cursor");
    }
    int end = Math.min(all.size(), offset + pageSize);
    String next = end < all.size() ? encode(kind, end) : null;
    return new Page<>(all.subList(offset, end), next);
  }

  static String encode(String kind, int offset) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((kind + ":" + offset).getBytes(StandardCharsets.UTF_8));
  }

  private static int decode(String cursor, String kind) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (!text.startsWith(kind + ":")) {
        throw McpException.invalidParams("Invalid cursor");
      }
      int offset = Integer.parseInt(text.substring(kind.length() + 1));
      if (offset < 0) {
        throw McpException.invalidParams("Invalid cursor");
      }
      return offset;
    } catch (IllegalArgumentException e) {
      throw McpException.invalidParams("Invalid cursor");
    }
  }
}
