package io.trident.model;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** Name and version of a client or server implementation. */
public record Implementation(
    String name,
    String title,
    String version,
    String description,
    String websiteUrl,
    List<Icon> icons) {

  public Implementation {
    icons = icons == null ? List.of() : List.copyOf(icons);
  }

  public static Implementation of(String name, String version) {
    return new Implementation(name, null, version, null, null, List.of());
  }

  public static Implementation fromJson(JsonObject json) {
    if (json == null) {
      return of("unknown", "unknown");
    }
    return new Implementation(
        String.valueOf(json.getValue("name", "unknown")),
        json.getValue("title") instanceof String t ? t : null,
        String.valueOf(json.getValue("version", "unknown")),
        null,
        null,
        List.of());
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("name", name);
    JsonFields.putIf(json, "title", title);
    json.put("version", version);
    JsonFields.putIf(json, "description", description);
    JsonFields.putIf(json, "websiteUrl", websiteUrl);
    return JsonFields.putList(json, "icons", icons, Icon::toJson);
  }
}
