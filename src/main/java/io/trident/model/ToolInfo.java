package io.trident.model;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** A tool as listed by {@code tools/list}; schemas are served verbatim as registered. */
public record ToolInfo(
    String name,
    String title,
    String description,
    JsonObject inputSchema,
    JsonObject outputSchema,
    ToolAnnotations annotations,
    List<Icon> icons) {

  public ToolInfo {
    icons = icons == null ? List.of() : List.copyOf(icons);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("name", name);
    JsonFields.putIf(json, "title", title);
    JsonFields.putIf(json, "description", description);
    json.put("inputSchema", inputSchema);
    JsonFields.putIf(json, "outputSchema", outputSchema);
    if (annotations != null) {
      json.put("annotations", annotations.toJson());
    }
    return JsonFields.putList(json, "icons", icons, Icon::toJson);
  }
}
