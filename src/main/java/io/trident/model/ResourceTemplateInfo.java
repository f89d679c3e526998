package io.trident.model;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A parameterised resource (RFC 6570 URI template) as listed by {@code resources/templates/list}.
 */
public record ResourceTemplateInfo(
    String uriTemplate,
    String name,
    String title,
    String description,
    String mimeType,
    List<Icon> icons) {

  public ResourceTemplateInfo {
    icons = icons == null ? List.of() : List.copyOf(icons);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("uriTemplate", uriTemplate).put("name", name);
    JsonFields.putIf(json, "title", title);
    JsonFields.putIf(json, "description", description);
    JsonFields.putIf(json, "mimeType", mimeType);
    return JsonFields.putList(json, "icons", icons, Icon::toJson);
  }
}
