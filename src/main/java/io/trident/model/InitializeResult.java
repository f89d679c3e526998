package io.trident.model;

import io.vertx.core.json.JsonObject;

/** What the server answers to {@code initialize}. */
public record InitializeResult(
    String protocolVersion,
    JsonObject capabilities,
    Implementation serverInfo,
    String instructions) {

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("protocolVersion", protocolVersion)
            .put("capabilities", capabilities)
            .put("serverInfo", serverInfo.toJson());
    return JsonFields.putIf(json, "instructions", instructions);
  }
}
