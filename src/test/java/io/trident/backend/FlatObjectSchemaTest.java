package io.trident.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast check of flat object schemas never disagrees with the general validator. */
class FlatObjectSchemaTest {

  private static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";

  private static final List<JsonObject> SCHEMAS =
      List.of(
          new JsonObject(
              "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\","
                  + "\"description\":\"what to echo\"}},\"required\":[\"text\"]}"),
          new JsonObject(
              "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
                  + "\"b\":{\"type\":\"number\"},\"c\":{\"type\":\"boolean\"}},"
                  + "\"required\":[\"a\",\"c\"],\"additionalProperties\":false}"),
          new JsonObject("{\"type\":\"object\"}"),
          new JsonObject(
              "{\"type\":\"object\",\"title\":\"t\",\"properties\":{\"x\":{\"type\":\"string\"}},"
                  + "\"additionalProperties\":true}"));

  private static final Object[] VALUES = {
    "s",
    "",
    1,
    -7L,
    1.0,
    1.5,
    12345678901234L,
    true,
    false,
    null,
    new JsonObject(),
    new JsonArray(),
    new BigDecimal("2.5"),
    Double.NaN
  };

  private static final String[] NAMES = {"text", "a", "b", "c", "x", "other"};

  @Test
  void agreesWithTheGeneralValidatorOnEveryValue() {
    Random random = new Random(8);
    for (JsonObject schema : SCHEMAS) {
      JsonSchema fast = JsonSchema.compile(schema);
      JsonSchema general = JsonSchema.compile(schema.copy().put("$schema", DIALECT));
      assertThat(fast.hasFastCheck()).as("%s", schema).isTrue();
      assertThat(general.hasFastCheck()).isFalse();
      for (int i = 0; i < 2_000; i++) {
        Object value = i % 50 == 0 ? VALUES[random.nextInt(VALUES.length)] : randomObject(random);
        assertThat(fast.validate(value))
            .as("%s against %s", value, schema)
            .isEqualTo(general.validate(value));
      }
    }
  }

  @Test
  void schemasWithOtherKeywordsUseTheGeneralValidatorOnly() {
    for (String schema :
        List.of(
            "{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"string\",\"minLength\":2}}}",
            "{\"type\":\"object\",\"properties\":{\"t\":{\"type\":[\"string\",\"null\"]}}}",
            "{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"string\",\"format\":\"email\"}}}",
            "{\"type\":\"object\",\"minProperties\":1}",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}",
            "{\"type\":\"array\"}")) {
      assertThat(JsonSchema.compile(new JsonObject(schema)).hasFastCheck()).as(schema).isFalse();
    }
  }

  private static JsonObject randomObject(Random random) {
    JsonObject object = new JsonObject();
    int members = random.nextInt(4);
    for (int i = 0; i < members; i++) {
      object.put(NAMES[random.nextInt(NAMES.length)], VALUES[random.nextInt(VALUES.length)]);
    }
    return object;
  }
}
