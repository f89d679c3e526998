package io.trident.model;

import io.vertx.core.json.JsonObject;

/** One argument a prompt takes. */
public record PromptArgument(String name, String description, boolean required) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("name", name);
    JsonFields.putIf(json, "description", description);
    return json.put("required", required);
  }
}
