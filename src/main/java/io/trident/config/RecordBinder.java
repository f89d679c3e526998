package io.trident.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Binds a YAML node tree to the configuration records through their canonical constructors: keys
 * are the components' {@code @JsonProperty} names, unknown keys are refused with their path, values
 * are read by the component's type (text, whole numbers, decimals, booleans, lists, maps and nested
 * records). It does what Jackson's data binding did for these records at a fraction of the start-up
 * cost: building an {@code ObjectMapper} and introspecting some thirty record types loaded about
 * 500 classes, the largest single slice of a stdio start-up with a config file.
 */
final class RecordBinder {

  private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
  private static final Set<String> TRUE_WORDS = Set.of("true", "yes", "y", "on");
  private static final Set<String> FALSE_WORDS = Set.of("false", "no", "n", "off");

  private RecordBinder() {}

  /**
   * @throws IllegalArgumentException naming the key's path
   */
  static <T extends Record> T bind(Node node, Class<T> type) {
    return type.cast(value(node, type, "", false));
  }

  private static Object value(Node node, Type type, String path, boolean singleAsList) {
    if (isNull(node)) {
      return null;
    }
    Class<?> raw =
        type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    if (raw.isRecord()) {
      return record(node, raw, path);
    }
    if (raw == List.class) {
      Type item = ((ParameterizedType) type).getActualTypeArguments()[0];
      if (node instanceof SequenceNode seq) {
        List<Object> out = new ArrayList<>(seq.getValue().size());
        for (int i = 0; i < seq.getValue().size(); i++) {
          out.add(value(seq.getValue().get(i), item, path + "[" + i + "]", false));
        }
        return out;
      }
      if (singleAsList && node instanceof ScalarNode) {
        List<Object> out = new ArrayList<>(1);
        out.add(value(node, item, path, false));
        return out;
      }
      throw mismatch(path, "a list", node);
    }
    if (raw == Map.class) {
      Type item = ((ParameterizedType) type).getActualTypeArguments()[1];
      if (!(node instanceof MappingNode map)) {
        throw mismatch(path, "a mapping", node);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      for (NodeTuple t : map.getValue()) {
        String key = key(t.getKeyNode(), path);
        out.put(key, value(t.getValueNode(), item, join(path, key), false));
      }
      return out;
    }
    if (!(node instanceof ScalarNode scalar)) {
      throw mismatch(path, describe(raw), node);
    }
    String text = scalar.getValue();
    try {
      if (raw == String.class) {
        return text;
      }
      if (raw == Integer.class) {
        return Integer.valueOf(text.strip());
      }
      if (raw == Long.class) {
        return Long.valueOf(text.strip());
      }
      if (raw == Double.class) {
        return Double.valueOf(text.strip());
      }
    } catch (NumberFormatException e) {
      throw mismatch(path, describe(raw), node);
    }
    if (raw == Boolean.class) {
      // YAML 1.1's words too (on, yes, ...), which the Jackson-based loader accepted.
      String word = text.strip().toLowerCase(java.util.Locale.ROOT);
      if (TRUE_WORDS.contains(word)) {
        return Boolean.TRUE;
      }
      if (FALSE_WORDS.contains(word)) {
        return Boolean.FALSE;
      }
      throw mismatch(path, describe(raw), node);
    }
    throw new IllegalArgumentException(path + ": a " + raw.getSimpleName() + " cannot be read");
  }

  private static Object record(Node node, Class<?> type, String path) {
    if (!(node instanceof MappingNode map)) {
      throw mismatch(path, "a mapping of keys", node);
    }
    RecordComponent[] components = type.getRecordComponents();
    String[] names = new String[components.length];
    boolean[] singleAsList = new boolean[components.length];
    for (int i = 0; i < components.length; i++) {
      Method accessor = components[i].getAccessor();
      JsonProperty property = accessor.getAnnotation(JsonProperty.class);
      names[i] =
          property != null && !property.value().isEmpty()
              ? property.value()
              : components[i].getName();
      JsonFormat format = accessor.getAnnotation(JsonFormat.class);
      singleAsList[i] =
          format != null
              && Arrays.asList(format.with())
                  .contains(JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    }
    Object[] args = new Object[components.length];
    for (NodeTuple t : map.getValue()) {
      String key = key(t.getKeyNode(), path);
      int i = Arrays.asList(names).indexOf(key);
      if (i < 0) {
        throw new IllegalArgumentException("unknown key '" + key + "' at " + join(path, key));
      }
      // A key given twice: the last one wins, as it did with Jackson.
      args[i] =
          value(t.getValueNode(), components[i].getGenericType(), join(path, key), singleAsList[i]);
    }
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
    }
    try {
      Constructor<?> canonical = type.getDeclaredConstructor(types);
      return canonical.newInstance(args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
        throw iae;
      }
      throw new IllegalArgumentException(
          (path.isEmpty() ? "" : path + ": ") + cause, cause); // the records' own checks
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(type + " cannot be built from configuration", e);
    }
  }

  private static String key(Node node, String path) {
    if (node instanceof ScalarNode s) {
      return s.getValue();
    }
    throw new IllegalArgumentException(
        (path.isEmpty() ? "the top level" : path) + ": keys must be plain names");
  }

  private static boolean isNull(Node node) {
    if (node == null) {
      return true;
    }
    if (!(node instanceof ScalarNode s)) {
      return false;
    }
    // Quoted '' or "null" are text; a plain null, ~ or nothing at all is no value.
    return Tag.NULL.equals(s.getTag()) || (s.isPlain() && NULLS.contains(s.getValue()));
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String describe(Class<?> raw) {
    if (raw == Integer.class || raw == Long.class) {
      return "a whole number";
    }
    if (raw == Double.class) {
      return "a number";
    }
    if (raw == Boolean.class) {
      return "true or false";
    }
    return "a text value";
  }

  private static IllegalArgumentException mismatch(String path, String expected, Node node) {
    String got =
        node instanceof ScalarNode s
            ? "'" + abbreviate(s.getValue()) + "'"
            : node instanceof SequenceNode ? "a list" : "a mapping";
    return new IllegalArgumentException(
        (path.isEmpty() ? "the top level" : path) + ": expected " + expected + ", got " + got);
  }

  private static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }
}
