package io.trident.backend;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/** Suggests values for a prompt argument or a resource template variable. */
@FunctionalInterface
public interface Completer {

  /**
   * @param prefix what the user typed so far
   * @param context values of the other arguments already chosen
   */
  Future<List<String>> complete(String prefix, Map<String, String> context);

  /** Completes from a fixed list by prefix, case-insensitively. */
  static Completer of(List<String> values) {
    List<String> copy = List.copyOf(values);
    return (prefix, context) -> {
      String p = prefix.toLowerCase(java.util.Locale.ROOT);
      return Future.succeededFuture(
          copy.stream().filter(v -> v.toLowerCase(java.util.Locale.ROOT).startsWith(p)).toList());
    };
  }
}
