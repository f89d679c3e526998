package io.trident.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;
import java.util.List;
import java.util.Set;

/**
 * A compiled JSON Schema. The dialect comes from {@code $schema}, 2020-12 when absent (the MCP
 * default); an unsupported dialect is refused when the tool is registered, not when it is called.
 */
public final class JsonSchema {

  private static final SchemaValidatorsConfig CONFIG =
      SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

  private final com.networknt.schema.JsonSchema schema;

  private JsonSchema(com.networknt.schema.JsonSchema schema) {
    this.schema = schema;
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
      return new JsonSchema(JsonSchemaFactory.getInstance(dialect).getSchema(node, CONFIG));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid JSON Schema: " + e.getMessage(), e);
    }
  }

  /** The validation failures of {@code value}, empty when it conforms. */
  public List<String> validate(Object value) {
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

  private static JsonNode toNode(Object value) {
    Object plain = value instanceof JsonObject o ? o.getMap() : value;
    return DatabindCodec.mapper().valueToTree(plain);
  }
}
