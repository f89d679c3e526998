package io.trident.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/** Writes optional fields the way MCP expects: absent rather than null. */
final class JsonFields {

  private JsonFields() {}

  static JsonObject putIf(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
    return json;
  }

  static <T> JsonObject putList(
      JsonObject json, String key, List<T> values, Function<T, Object> mapper) {
    if (values != null && !values.isEmpty()) {
      JsonArray array = new JsonArray();
      for (T v : values) {
        array.add(mapper.apply(v));
      }
      json.put(key, array);
    }
    return json;
  }
}
