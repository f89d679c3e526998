package io.trident.model;

import io.vertx.core.json.JsonObject;

/** Hints about a tool's behaviour; untrusted by clients unless the server is trusted. */
public record ToolAnnotations(
    String title,
    Boolean readOnlyHint,
    Boolean destructiveHint,
    Boolean idempotentHint,
    Boolean openWorldHint) {

  public static ToolAnnotations readOnly() {
    return new ToolAnnotations(null, true, false, true, false);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    JsonFields.putIf(json, "title", title);
    JsonFields.putIf(json, "readOnlyHint", readOnlyHint);
    JsonFields.putIf(json, "destructiveHint", destructiveHint);
    JsonFields.putIf(json, "idempotentHint", idempotentHint);
    return JsonFields.putIf(json, "openWorldHint", openWorldHint);
  }
}
