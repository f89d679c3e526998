package io.trident.model;

import io.vertx.core.json.JsonObject;

/** A content block in a tool result or prompt message. */
public sealed interface Content
    permits Content.Text, Content.Image, Content.Audio, Content.Resource, Content.ResourceLink {

  JsonObject toJson();

  static Text text(String text) {
    return new Text(text);
  }

  record Text(String text) implements Content {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "text").put("text", text);
    }
  }

  /**
   * @param data base64 encoded image
   */
  record Image(String data, String mimeType) implements Content {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "image").put("data", data).put("mimeType", mimeType);
    }
  }

  /**
   * @param data base64 encoded audio
   */
  record Audio(String data, String mimeType) implements Content {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "audio").put("data", data).put("mimeType", mimeType);
    }
  }

  /** A resource embedded in the result. */
  record Resource(ResourceContents resource) implements Content {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "resource").put("resource", resource.toJson());
    }
  }

  /** A link to a resource the client may read. */
  record ResourceLink(String uri, String name, String description, String mimeType)
      implements Content {
    @Override
    public JsonObject toJson() {
      JsonObject json =
          new JsonObject().put("type", "resource_link").put("uri", uri).put("name", name);
      JsonFields.putIf(json, "description", description);
      return JsonFields.putIf(json, "mimeType", mimeType);
    }
  }
}
