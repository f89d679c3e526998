package io.trident.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.model.CallToolResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ToolTest {

  private static Tool.Builder valid(String name) {
    return Tool.builder(name)
        .description("d")
        .handler((a, c) -> Future.succeededFuture(CallToolResult.text("x")));
  }

  @Test
  void schemasAreServedVerbatim() {
    JsonObject schema =
        new JsonObject(
            "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
                + "\"$defs\":{\"a\":{\"type\":\"string\"}},\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}},\"additionalProperties\":false}");
    Tool tool = valid("t").inputSchema(schema).build();
    assertThat(tool.info().toJson().getJsonObject("inputSchema").encode())
        .isEqualTo(schema.encode());
    assertThat(tool.compileSchemas().input().validate(new JsonObject().put("x", 1))).isNotEmpty();
    assertThat(tool.compileSchemas().input().validate(new JsonObject().put("x", "ok"))).isEmpty();
    assertThat(tool.compileSchemas().input().validate(new JsonObject().put("y", "no")))
        .isNotEmpty();
  }

  @Test
  void refusesBadNamesMissingDescriptionAndUnknownDialects() {
    assertThatThrownBy(() -> Tool.builder("has space"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Tool.builder("x").handler((a, c) -> null).build())
        .hasMessageContaining("description");
    assertThatThrownBy(
            () ->
                valid("x")
                    .inputSchema(
                        new JsonObject()
                            .put("type", "object")
                            .put("$schema", "https://example.com/my-dialect"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> valid("x").inputSchema(new JsonObject().put("type", "string")).build())
        .hasMessageContaining("object");
  }

  @Test
  void validatesNestedValuesOfEveryJsonType() {
    JsonObject schema =
        new JsonObject(
            "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"},"
                + "\"x\":{\"type\":\"number\"},\"b\":{\"type\":\"boolean\"},\"z\":{\"type\":\"null\"},"
                + "\"list\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
                + "\"properties\":{\"s\":{\"type\":\"string\"}},\"required\":[\"s\"]}}}}");
    JsonSchema validator = valid("t").inputSchema(schema).build().compileSchemas().input();
    JsonObject good =
        new JsonObject(
            "{\"n\":5,\"x\":5.5,\"b\":true,\"z\":null,\"list\":[{\"s\":\"a\"},{\"s\":\"b\"}]}");
    assertThat(validator.validate(good)).isEmpty();
    assertThat(validator.validate(good.copy().put("n", 5.5))).hasSize(1);
    assertThat(validator.validate(new JsonObject("{\"list\":[{\"s\":1}]}"))).hasSize(1);
    assertThat(validator.validate(new JsonObject("{\"n\":12345678901234}"))).isEmpty();
  }
}
