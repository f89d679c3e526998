package io.trident.upstream;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Schemas (2020-12) of protobuf messages as protobuf's JSON mapping writes them, so that what
 * a client validates is exactly what {@code JsonFormat} parses and prints: lowerCamelCase field
 * names ({@code json_name}), 64-bit integers as decimal strings (numbers accepted on input), enums
 * by name, the well-known types in their JSON forms, maps as objects, real oneofs as a "one at
 * most" constraint, proto3 {@code optional} as a plain property. Schemas are inlined; a message
 * type met again inside itself is expanded {@link #MAX_RECURSION} times, then left an open object.
 */
final class ProtoJsonSchema {

  /** How many times a message type is expanded inside itself before the schema stops. */
  static final int MAX_RECURSION = 2;

  /** A bound on nesting of any kind, so a pathological descriptor cannot blow the stack. */
  static final int MAX_DEPTH = 24;

  static final String INT64 = "^-?[0-9]+$";
  static final String UINT64 = "^[0-9]+$";
  static final String DURATION = "^-?[0-9]+(\\.[0-9]{1,9})?s$";
  private static final String FLOAT_WORDS = "^(NaN|-?Infinity)$";
  private static final String FLOAT_INPUT =
      "^(NaN|-?Infinity|-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?)$";

  private final DescriptorPool pool;
  private final boolean input;

  private ProtoJsonSchema(DescriptorPool pool, boolean input) {
    this.pool = pool;
    this.input = input;
  }

  /** The schema of a request message: what a caller may send. */
  static JsonObject input(Descriptor message, DescriptorPool pool) {
    return top(new ProtoJsonSchema(pool, true).message(message, new ArrayList<>()));
  }

  /** The schema of a reply message: what {@code structuredContent} holds. */
  static JsonObject output(Descriptor message, DescriptorPool pool) {
    return top(new ProtoJsonSchema(pool, false).message(message, new ArrayList<>()));
  }

  private static JsonObject top(JsonObject schema) {
    // Tools need an object at the top; a reply of a well-known type that is not an object (a
    // Timestamp, say) is still printed as JSON, so such schemas are wrapped by the caller.
    JsonObject out =
        new JsonObject().put("$schema", "https://json-schema.org/draft/2020-12/schema");
    schema.forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** True when a message of this type prints as a JSON object (the top of a tool schema). */
  static boolean printsAsObject(Descriptor message) {
    return switch (message.getFullName()) {
      case "google.protobuf.Timestamp",
          "google.protobuf.Duration",
          "google.protobuf.FieldMask",
          "google.protobuf.Value",
          "google.protobuf.ListValue",
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue" ->
          false;
      default -> true;
    };
  }

  private JsonObject message(Descriptor message, List<Descriptor> path) {
    JsonObject wkt = wellKnown(message);
    if (wkt != null) {
      return wkt;
    }
    long seen = path.stream().filter(d -> d == message).count();
    if (seen > MAX_RECURSION || path.size() >= MAX_DEPTH) {
      return new JsonObject()
          .put("type", "object")
          .put(
              "description",
              "A " + message.getName() + " (nested too deep to describe; any fields of its type)");
    }
    path.add(message);
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (FieldDescriptor f : message.getFields()) {
      JsonObject field = field(f, path);
      String comment = pool.comment(f);
      if (comment != null && !field.containsKey("description")) {
        field.put("description", comment);
      }
      properties.put(f.getJsonName(), field);
      if (input && f.isRequired()) {
        required.add(f.getJsonName());
      }
    }
    path.remove(path.size() - 1);
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties);
    String comment = pool.comment(message);
    if (comment != null) {
      schema.put("description", comment);
    }
    if (!required.isEmpty()) {
      schema.put("required", required);
    }
    JsonArray oneofs = new JsonArray();
    for (OneofDescriptor o : message.getRealOneofs()) {
      oneofs.add(atMostOne(o));
    }
    if (!oneofs.isEmpty()) {
      schema.put("allOf", oneofs);
    }
    if (input) {
      // The parser refuses unknown fields: say so, so a client finds out before the call.
      schema.put("additionalProperties", false);
    }
    return schema;
  }

  /**
   * At most one member of a oneof may be set: exactly one of "member i present", or none present.
   */
  private static JsonObject atMostOne(OneofDescriptor oneof) {
    JsonArray each = new JsonArray();
    List<String> names = new ArrayList<>();
    for (FieldDescriptor f : oneof.getFields()) {
      names.add(f.getJsonName());
      each.add(new JsonObject().put("required", new JsonArray().add(f.getJsonName())));
    }
    JsonArray branches = each.copy();
    branches.add(new JsonObject().put("not", new JsonObject().put("anyOf", each.copy())));
    return new JsonObject()
        .put(
            "description",
            "oneof " + oneof.getName() + ": at most one of " + String.join(", ", names))
        .put("oneOf", branches);
  }

  private JsonObject field(FieldDescriptor f, List<Descriptor> path) {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      FieldDescriptor key = entry.findFieldByNumber(1);
      FieldDescriptor value = entry.findFieldByNumber(2);
      JsonObject schema =
          new JsonObject().put("type", "object").put("additionalProperties", single(value, path));
      JsonObject names = mapKey(key);
      if (names != null) {
        schema.put("propertyNames", names);
      }
      return schema;
    }
    if (f.isRepeated()) {
      return new JsonObject().put("type", "array").put("items", single(f, path));
    }
    return single(f, path);
  }

  private static JsonObject mapKey(FieldDescriptor key) {
    return switch (key.getJavaType()) {
      case INT, LONG ->
          new JsonObject()
              .put(
                  "pattern",
                  key.getType() == FieldDescriptor.Type.UINT32
                          || key.getType() == FieldDescriptor.Type.UINT64
                          || key.getType() == FieldDescriptor.Type.FIXED32
                          || key.getType() == FieldDescriptor.Type.FIXED64
                      ? UINT64
                      : INT64);
      case BOOLEAN -> new JsonObject().put("enum", new JsonArray().add("true").add("false"));
      default -> null;
    };
  }

  private JsonObject single(FieldDescriptor f, List<Descriptor> path) {
    return switch (f.getType()) {
      case STRING -> type("string");
      case BYTES -> type("string").put("contentEncoding", "base64");
      case BOOL -> type("boolean");
      case INT32, SINT32, SFIXED32 ->
          type("integer").put("minimum", Integer.MIN_VALUE).put("maximum", Integer.MAX_VALUE);
      case UINT32, FIXED32 -> type("integer").put("minimum", 0).put("maximum", 4294967295L);
      case INT64, SINT64, SFIXED64 -> int64(INT64);
      case UINT64, FIXED64 -> int64(UINT64);
      case FLOAT, DOUBLE -> floating();
      case ENUM -> enumeration(f.getEnumType());
      case MESSAGE, GROUP -> message(f.getMessageType(), path);
    };
  }

  private static JsonObject type(String type) {
    return new JsonObject().put("type", type);
  }

  /** 64-bit integers print as strings; the parser also takes JSON numbers. */
  private JsonObject int64(String pattern) {
    JsonObject schema =
        input
            ? new JsonObject().put("type", new JsonArray().add("string").add("integer"))
            : type("string");
    return schema.put("pattern", pattern);
  }

  private JsonObject floating() {
    return new JsonObject()
        .put("type", new JsonArray().add("number").add("string"))
        .put("pattern", input ? FLOAT_INPUT : FLOAT_WORDS);
  }

  private JsonObject enumeration(EnumDescriptor e) {
    if (e.getFullName().equals("google.protobuf.NullValue")) {
      return type("null");
    }
    JsonArray names = new JsonArray();
    for (EnumValueDescriptor v : e.getValues()) {
      names.add(v.getName());
    }
    JsonObject byName = type("string").put("enum", names);
    if (input) {
      return byName;
    }
    // A value this descriptor does not know (a newer upstream) prints as its number.
    return new JsonObject().put("anyOf", new JsonArray().add(byName).add(type("integer")));
  }

  private JsonObject wellKnown(Descriptor message) {
    return switch (message.getFullName()) {
      case "google.protobuf.Timestamp" ->
          type("string")
              .put("format", "date-time")
              .put("description", "RFC 3339 date-time, e.g. 2026-01-02T15:04:05Z");
      case "google.protobuf.Duration" ->
          type("string")
              .put("pattern", DURATION)
              .put("description", "seconds with an s suffix, e.g. 1.5s");
      case "google.protobuf.FieldMask" ->
          type("string").put("description", "comma-separated field paths in lowerCamelCase");
      case "google.protobuf.Struct" -> type("object");
      case "google.protobuf.Value" -> new JsonObject().put("description", "any JSON value");
      case "google.protobuf.ListValue" -> type("array");
      case "google.protobuf.Empty" ->
          type("object").put("properties", new JsonObject()).put("additionalProperties", false);
      case "google.protobuf.Any" ->
          type("object")
              .put(
                  "properties",
                  new JsonObject()
                      .put(
                          "@type",
                          type("string")
                              .put("description", "type URL, e.g. type.googleapis.com/pkg.Msg")))
              .put("required", new JsonArray().add("@type"));
      case "google.protobuf.DoubleValue", "google.protobuf.FloatValue" -> nullable(floating());
      case "google.protobuf.Int64Value" -> nullable(int64(INT64));
      case "google.protobuf.UInt64Value" -> nullable(int64(UINT64));
      case "google.protobuf.Int32Value" ->
          nullable(
              type("integer").put("minimum", Integer.MIN_VALUE).put("maximum", Integer.MAX_VALUE));
      case "google.protobuf.UInt32Value" ->
          nullable(type("integer").put("minimum", 0).put("maximum", 4294967295L));
      case "google.protobuf.BoolValue" -> nullable(type("boolean"));
      case "google.protobuf.StringValue" -> nullable(type("string"));
      case "google.protobuf.BytesValue" ->
          nullable(type("string").put("contentEncoding", "base64"));
      default -> null;
    };
  }

  /** A wrapper: its scalar, or null (unset) on input. */
  private JsonObject nullable(JsonObject scalar) {
    if (!input) {
      return scalar;
    }
    Object t = scalar.getValue("type");
    JsonArray types = t instanceof JsonArray a ? a.copy() : new JsonArray().add(t);
    types.add("null");
    return scalar.put("type", types);
  }
}
