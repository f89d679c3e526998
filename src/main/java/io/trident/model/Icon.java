package io.trident.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** An icon for a tool, resource, prompt or implementation; {@code src} is https or a data: URI. */
public record Icon(String src, String mimeType, List<String> sizes, String theme) {

  public Icon {
    sizes = sizes == null ? List.of() : List.copyOf(sizes);
  }

  public static Icon of(String src, String mimeType) {
    return new Icon(src, mimeType, List.of(), null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("src", src);
    JsonFields.putIf(json, "mimeType", mimeType);
    if (!sizes.isEmpty()) {
      json.put("sizes", new JsonArray(List.copyOf(sizes)));
    }
    return JsonFields.putIf(json, "theme", theme);
  }
}
