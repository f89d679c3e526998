package io.trident.model;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** A prompt as listed by {@code prompts/list}. */
public record PromptInfo(
    String name,
    String title,
    String description,
    List<PromptArgument> arguments,
    List<Icon> icons) {

  public PromptInfo {
    arguments = arguments == null ? List.of() : List.copyOf(arguments);
    icons = icons == null ? List.of() : List.copyOf(icons);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("name", name);
    JsonFields.putIf(json, "title", title);
    JsonFields.putIf(json, "description", description);
    JsonFields.putList(json, "arguments", arguments, PromptArgument::toJson);
    return JsonFields.putList(json, "icons", icons, Icon::toJson);
  }
}
