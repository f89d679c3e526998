package io.trident.backend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The usual tool input schema, a flat object of plain typed members ({@code {"type":"object",
 * "properties":{"text":{"type":"string"}},"required":["text"]}}), checked directly: the general
 * validator first copies the arguments into its own tree. It only ever answers "certainly valid";
 * anything else (a failure, or a value it does not judge, like {@code 1.0} for an integer) goes to
 * the general validator, which has the final word and the error messages.
 */
final class FlatObjectSchema {

  private static final Set<String> ANNOTATIONS = Set.of("description", "title");
  private static final Set<String> OBJECT_KEYWORDS =
      Set.of("type", "properties", "required", "additionalProperties", "description", "title");
  private static final Set<String> TYPES = Set.of("string", "boolean", "integer", "number");

  private final Map<String, String> types;
  private final List<String> required;
  private final boolean additionalAllowed;

  private FlatObjectSchema(
      Map<String, String> types, List<String> required, boolean additionalAllowed) {
    this.types = types;
    this.required = required;
    this.additionalAllowed = additionalAllowed;
  }

  /** The fast check of {@code schema}, or null when it is not such a flat object schema. */
  static FlatObjectSchema of(JsonObject schema) {
    if (!"object".equals(schema.getValue("type"))
        || !OBJECT_KEYWORDS.containsAll(schema.fieldNames())) {
      return null;
    }
    Object properties = schema.getValue("properties", new JsonObject());
    Object required = schema.getValue("required", new JsonArray());
    Object additional = schema.getValue("additionalProperties", Boolean.TRUE);
    if (!(properties instanceof JsonObject members)
        || !(required instanceof JsonArray names)
        || !(additional instanceof Boolean additionalAllowed)) {
      return null;
    }
    Map<String, String> types = new java.util.HashMap<>();
    for (Map.Entry<String, Object> member : members) {
      if (!(member.getValue() instanceof JsonObject property)
          || !(property.getValue("type") instanceof String type)
          || !TYPES.contains(type)) {
        return null;
      }
      for (String keyword : property.fieldNames()) {
        if (!keyword.equals("type") && !ANNOTATIONS.contains(keyword)) {
          return null;
        }
      }
      types.put(member.getKey(), type);
    }
    List<String> requiredNames = new java.util.ArrayList<>();
    for (Object name : names) {
      if (!(name instanceof String text)) {
        return null;
      }
      requiredNames.add(text);
    }
    return new FlatObjectSchema(Map.copyOf(types), List.copyOf(requiredNames), additionalAllowed);
  }

  /** True only when {@code value} certainly conforms. */
  boolean certainlyValid(Object value) {
    if (!(value instanceof JsonObject object)) {
      return false;
    }
    for (String name : required) {
      if (!object.containsKey(name)) {
        return false;
      }
    }
    for (Map.Entry<String, Object> member : object) {
      String type = types.get(member.getKey());
      if (type == null) {
        if (!additionalAllowed) {
          return false;
        }
      } else if (!hasType(member.getValue(), type)) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasType(Object value, String type) {
    return switch (type) {
      case "string" -> value instanceof String;
      case "boolean" -> value instanceof Boolean;
      case "integer" -> value instanceof Integer || value instanceof Long;
      default ->
          value instanceof Integer
              || value instanceof Long
              || (value instanceof Double d && Double.isFinite(d));
    };
  }
}
