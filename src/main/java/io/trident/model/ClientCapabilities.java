package io.trident.model;

import io.vertx.core.json.JsonObject;

/** The capabilities a client declared; the server sends only what these allow. */
public record ClientCapabilities(
    boolean sampling, boolean elicitationForm, boolean roots, boolean rootsListChanged) {

  public static final ClientCapabilities NONE = new ClientCapabilities(false, false, false, false);

  public static ClientCapabilities fromJson(JsonObject json) {
    if (json == null) {
      return NONE;
    }
    boolean sampling = json.getValue("sampling") instanceof JsonObject;
    boolean elicitationForm = false;
    if (json.getValue("elicitation") instanceof JsonObject elicitation) {
      // An empty object means form mode only; otherwise form must be named.
      elicitationForm = elicitation.isEmpty() || elicitation.getValue("form") instanceof JsonObject;
    }
    boolean roots = json.getValue("roots") instanceof JsonObject;
    boolean rootsListChanged =
        roots && Boolean.TRUE.equals(json.getJsonObject("roots").getValue("listChanged"));
    return new ClientCapabilities(sampling, elicitationForm, roots, rootsListChanged);
  }
}
