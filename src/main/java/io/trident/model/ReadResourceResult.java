package io.trident.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The result of {@code resources/read}. */
public record ReadResourceResult(List<ResourceContents> contents) {

  public ReadResourceResult {
    contents = List.copyOf(contents);
  }

  public static ReadResourceResult of(ResourceContents... contents) {
    return new ReadResourceResult(List.of(contents));
  }

  public JsonObject toJson() {
    JsonArray array = new JsonArray();
    contents.forEach(c -> array.add(c.toJson()));
    return new JsonObject().put("contents", array);
  }
}
