package io.trident.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled JSON Schema. The dialect comes from {@code $schema}, 2020-12 when absent (the MCP
 * default); an unsupported dialect is refused when the tool is registered, not when it is called.
 */
public final class JsonSchema {

  private static final SchemaValidatorsConfig CONFIG =
      SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

  private final com.networknt.schema.JsonSchema schema;

  /** The fast check of a flat object schema (most tool inputs), or null. */
  private final FlatObjectSchema flat;

  private JsonSchema(com.networknt.schema.JsonSchema schema, FlatObjectSchema flat) {
    this.schema = schema;
    this.flat = flat;
  }

  /**
   * @throws IllegalArgumentException when the schema is not valid or its dialect is not supported
   */
  public static JsonSchema compile(JsonObject schemaJson) {
    JsonNode node = toNode(schemaJson);
    SpecVersion.VersionFlag dialect = SpecVersion.VersionFlag.V202012;
    if (schemaJson.containsKey("$schema")) {
      try {
        dialect = SpecVersionDetector.detect(node);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "unsupported JSON Schema dialect: " + schemaJson.getValue("$schema"));
      }
    }
    try {
      com.networknt.schema.JsonSchema compiled =
          JsonSchemaFactory.getInstance(dialect).getSchema(node, CONFIG);
      return new JsonSchema(compiled, FlatObjectSchema.of(schemaJson));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid JSON Schema: " + e.getMessage(), e);
    }
  }

  /** True when validation of a conforming value skips the general validator. */
  boolean hasFastCheck() {
    return flat != null;
  }

  /** The validation failures of {@code value}, empty when it conforms. */
  public List<String> validate(Object value) {
    if (flat != null && flat.certainlyValid(value)) {
      return List.of();
    }
    Set<ValidationMessage> messages = schema.validate(toNode(value));
    return messages.stream().map(JsonSchema::describe).sorted().toList();
  }

  /**
   * "required property 'text' not found" at the root, "/text: integer found, string expected" below
   * it.
   */
  private static String describe(ValidationMessage message) {
    String text = message.getMessage();
    if (text.startsWith("$: ")) {
      return text.substring(3);
    }
    return text.startsWith(": ") ? text.substring(2) : text;
  }

  /**
   * Builds the validator's tree by walking the Vert.x JSON directly: several times cheaper than a
   * round trip through data binding, and this runs on every tool call.
   */
  static JsonNode toNode(Object value) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    if (value == null) {
      return nodes.nullNode();
    }
    if (value instanceof JsonObject object) {
      return toNode(object.getMap());
    }
    if (value instanceof JsonArray array) {
      return toNode(array.getList());
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode node = nodes.objectNode();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        node.set(String.valueOf(e.getKey()), toNode(e.getValue()));
      }
      return node;
    }
    if (value instanceof List<?> list) {
      ArrayNode node = nodes.arrayNode(list.size());
      for (Object item : list) {
        node.add(toNode(item));
      }
      return node;
    }
    if (value instanceof String text) {
      return nodes.textNode(text);
    }
    if (value instanceof Boolean bool) {
      return nodes.booleanNode(bool);
    }
    if (value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte) {
      return nodes.numberNode(((Number) value).longValue());
    }
    if (value instanceof Double || value instanceof Float) {
      return nodes.numberNode(((Number) value).doubleValue());
    }
    if (value instanceof BigInteger big) {
      return nodes.numberNode(big);
    }
    if (value instanceof BigDecimal decimal) {
      return nodes.numberNode(decimal);
    }
    // Anything else (e.g. Instant, byte[]) as Vert.x would encode it.
    return DatabindCodec.mapper().valueToTree(value);
  }
}
