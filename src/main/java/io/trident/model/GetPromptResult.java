package io.trident.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The result of {@code prompts/get}. */
public record GetPromptResult(String description, List<PromptMessage> messages) {

  public GetPromptResult {
    messages = List.copyOf(messages);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    JsonFields.putIf(json, "description", description);
    JsonArray array = new JsonArray();
    messages.forEach(m -> array.add(m.toJson()));
    return json.put("messages", array);
  }
}
