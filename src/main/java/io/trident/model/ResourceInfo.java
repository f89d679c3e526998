package io.trident.model;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** A concrete resource as listed by {@code resources/list}. */
public record ResourceInfo(
    String uri,
    String name,
    String title,
    String description,
    String mimeType,
    Long size,
    List<Icon> icons) {

  public ResourceInfo {
    icons = icons == null ? List.of() : List.copyOf(icons);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("uri", uri).put("name", name);
    JsonFields.putIf(json, "title", title);
    JsonFields.putIf(json, "description", description);
    JsonFields.putIf(json, "mimeType", mimeType);
    JsonFields.putIf(json, "size", size);
    return JsonFields.putList(json, "icons", icons, Icon::toJson);
  }
}
