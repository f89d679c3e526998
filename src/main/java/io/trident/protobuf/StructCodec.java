package io.trident.protobuf;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * JSON values to {@code google.protobuf.Struct} and back, tree to tree (no JSON text in between).
 * Struct numbers are doubles: integral numbers come back as {@link Long} when exactly
 * representable, so {@code {"n": 3}} survives the round trip as an integer.
 */
public final class StructCodec {

  /** Integral doubles up to 2^53 are exact; beyond that a double is not an integer we can trust. */
  private static final double MAX_EXACT = 9007199254740992d;

  private StructCodec() {}

  public static Struct toStruct(JsonObject json) {
    Struct.Builder struct = Struct.newBuilder();
    for (Map.Entry<String, Object> entry : json) {
      struct.putFields(entry.getKey(), toValue(entry.getValue()));
    }
    return struct.build();
  }

  public static Value toValue(Object value) {
    Value.Builder out = Value.newBuilder();
    if (value == null) {
      out.setNullValue(NullValue.NULL_VALUE);
    } else if (value instanceof String s) {
      out.setStringValue(s);
    } else if (value instanceof Boolean b) {
      out.setBoolValue(b);
    } else if (value instanceof Number n) {
      out.setNumberValue(n.doubleValue());
    } else if (value instanceof JsonObject o) {
      out.setStructValue(toStruct(o));
    } else if (value instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) m;
      out.setStructValue(toStruct(new JsonObject(map)));
    } else if (value instanceof JsonArray a) {
      out.setListValue(toList(a));
    } else if (value instanceof java.util.List<?> l) {
      out.setListValue(toList(new JsonArray(new java.util.ArrayList<>(l))));
    } else {
      out.setStringValue(value.toString());
    }
    return out.build();
  }

  private static ListValue toList(JsonArray array) {
    ListValue.Builder list = ListValue.newBuilder();
    for (Object item : array) {
      list.addValues(toValue(item));
    }
    return list.build();
  }

  public static JsonObject fromStruct(Struct struct) {
    JsonObject json = new JsonObject();
    for (Map.Entry<String, Value> field : struct.getFieldsMap().entrySet()) {
      json.put(field.getKey(), fromValue(field.getValue()));
    }
    return json;
  }

  public static Object fromValue(Value value) {
    return switch (value.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> null;
      case BOOL_VALUE -> value.getBoolValue();
      case STRING_VALUE -> value.getStringValue();
      case NUMBER_VALUE -> number(value.getNumberValue());
      case STRUCT_VALUE -> fromStruct(value.getStructValue());
      case LIST_VALUE -> {
        JsonArray array = new JsonArray();
        for (Value item : value.getListValue().getValuesList()) {
          array.add(fromValue(item));
        }
        yield array;
      }
    };
  }

  private static Object number(double d) {
    if (d == Math.rint(d) && Math.abs(d) <= MAX_EXACT && !(d == 0 && 1 / d < 0)) {
      return (long) d;
    }
    return d;
  }
}
