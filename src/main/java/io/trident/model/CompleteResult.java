package io.trident.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Completion values (at most 100 on the wire), with the total when known. */
public record CompleteResult(List<String> values, Integer total, boolean hasMore) {

  public static final int MAX_VALUES = 100;

  public CompleteResult {
    values = List.copyOf(values);
  }

  public static CompleteResult empty() {
    return new CompleteResult(List.of(), 0, false);
  }

  /** Keeps the first 100 matches and reports the rest through {@code total} and {@code hasMore}. */
  public static CompleteResult of(List<String> matches) {
    if (matches.size() <= MAX_VALUES) {
      return new CompleteResult(matches, matches.size(), false);
    }
    return new CompleteResult(matches.subList(0, MAX_VALUES), matches.size(), true);
  }

  public JsonObject toJson() {
    JsonObject completion = new JsonObject().put("values", new JsonArray(List.copyOf(values)));
    JsonFields.putIf(completion, "total", total);
    completion.put("hasMore", hasMore);
    return new JsonObject().put("completion", completion);
  }
}
