package io.trident.model;

import io.vertx.core.json.JsonObject;

/** One message of a prompt; {@code role} is {@code user} or {@code assistant}. */
public record PromptMessage(String role, Content content) {

  public static PromptMessage user(Content content) {
    return new PromptMessage("user", content);
  }

  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("content", content.toJson());
  }
}
