package io.trident.model;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The result of a tool call. {@code isError} marks a tool execution error that the model may read
 * and correct, as opposed to a protocol error.
 */
public record CallToolResult(List<Content> content, JsonObject structuredContent, boolean isError) {

  public CallToolResult {
    content = List.copyOf(content);
  }

  public static CallToolResult text(String text) {
    return new CallToolResult(List.of(Content.text(text)), null, false);
  }

  public static CallToolResult of(Content... content) {
    return new CallToolResult(List.of(content), null, false);
  }

  public static CallToolResult error(String message) {
    return new CallToolResult(List.of(Content.text(message)), null, true);
  }

  /** A structured result with its JSON text as the content, as the spec recommends. */
  public static CallToolResult structured(JsonObject structured) {
    return new CallToolResult(List.of(Content.text(structured.encode())), structured, false);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    JsonFields.putList(json, "content", content, Content::toJson);
    if (content.isEmpty()) {
      json.put("content", new io.vertx.core.json.JsonArray());
    }
    JsonFields.putIf(json, "structuredContent", structuredContent);
    if (isError) {
      json.put("isError", true);
    }
    return json;
  }
}
