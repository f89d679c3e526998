package io.trident.model;

import io.vertx.core.json.JsonObject;

/** The contents of a resource: text or base64 binary. */
public sealed interface ResourceContents permits ResourceContents.Text, ResourceContents.Blob {

  String uri();

  String mimeType();

  JsonObject toJson();

  record Text(String uri, String mimeType, String text) implements ResourceContents {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("uri", uri);
      JsonFields.putIf(json, "mimeType", mimeType);
      return json.put("text", text);
    }
  }

  /**
   * @param blob base64 encoded bytes
   */
  record Blob(String uri, String mimeType, String blob) implements ResourceContents {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("uri", uri);
      JsonFields.putIf(json, "mimeType", mimeType);
      return json.put("blob", blob);
    }
  }
}
