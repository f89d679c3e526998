package io.trident.auth;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Removes secrets from what we log: headers, JSON (arguments, {@code _meta}, whole messages) and
 * free text. Every log line that may carry caller data goes through here first. Redaction replaces
 * values, never keys, so a log still shows which fields were sent.
 */
public final class Redaction {

  /** What a redacted value becomes. */
  public static final String REDACTED = "[REDACTED]";

  private static final Set<String> SECRET_HEADERS =
      Set.of("authorization", "proxy-authorization", "x-mcp-api-key", "cookie", "set-cookie");

  /** JSON keys whose values are secrets, compared lower-case with '-' and '_' removed. */
  private static final Set<String> SECRET_KEYS =
      Set.of(
          "token",
          "accesstoken",
          "refreshtoken",
          "idtoken",
          "password",
          "passwd",
          "secret",
          "clientsecret",
          "apikey",
          "xmcpapikey",
          "authorization",
          "proxyauthorization",
          "cookie",
          "setcookie",
          "privatekey");

  private static final Pattern BEARER =
      Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/-]{8,}=*");
  private static final Pattern JWT =
      Pattern.compile("\\beyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

  private Redaction() {}

  /** True when a header of this name carries a credential. */
  public static boolean isSecretHeader(String name) {
    return name != null && SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT));
  }

  /** True when a JSON member of this name holds a secret ({@code token}, {@code apiKey}, …). */
  public static boolean isSecretKey(String name) {
    if (name == null) {
      return false;
    }
    String n = name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    return SECRET_KEYS.contains(n);
  }

  /** A copy of {@code headers} with credential values replaced and other values scrubbed. */
  public static Map<String, String> headers(Map<String, ?> headers) {
    Map<String, String> out = new LinkedHashMap<>();
    headers.forEach((k, v) -> out.put(k, isSecretHeader(k) ? REDACTED : text(String.valueOf(v))));
    return out;
  }

  /** A copy of {@code headers} with credential values replaced and other values scrubbed. */
  public static MultiMap headers(MultiMap headers) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> e : headers) {
      out.add(e.getKey(), isSecretHeader(e.getKey()) ? REDACTED : text(e.getValue()));
    }
    return out;
  }

  /**
   * A copy of {@code json} with the values of secret-named members replaced, at any depth, and
   * strings that look like bearer tokens or JWTs scrubbed.
   */
  public static JsonObject json(JsonObject json) {
    return json == null ? null : object(json, null);
  }

  /**
   * A copy of tool arguments as {@link #json(JsonObject)} does, and also with the values of the
   * properties that {@code inputSchema} marks {@code "x-secret": true} or {@code "writeOnly": true}
   * replaced (top-level and nested object properties).
   */
  public static JsonObject arguments(JsonObject arguments, JsonObject inputSchema) {
    return arguments == null ? null : object(arguments, inputSchema);
  }

  /** {@code text} with {@code Bearer …} credentials and JWT-shaped strings replaced. */
  public static String text(String text) {
    if (text == null) {
      return null;
    }
    String out = BEARER.matcher(text).replaceAll(m -> m.group(1) + " " + REDACTED);
    return JWT.matcher(out).replaceAll(REDACTED);
  }

  private static JsonObject object(JsonObject in, JsonObject schema) {
    JsonObject props = schema == null ? null : schema.getJsonObject("properties");
    JsonObject out = new JsonObject();
    for (Map.Entry<String, Object> e : in) {
      JsonObject propSchema =
          props != null && props.getValue(e.getKey()) instanceof JsonObject p ? p : null;
      if (isSecretKey(e.getKey()) || markedSecret(propSchema)) {
        out.put(e.getKey(), REDACTED);
      } else {
        out.put(e.getKey(), value(e.getValue(), propSchema));
      }
    }
    return out;
  }

  private static Object value(Object v, JsonObject schema) {
    if (v instanceof JsonObject o) {
      return object(o, schema);
    }
    if (v instanceof Map<?, ?> m) {
      return object(JsonObject.mapFrom(m), schema);
    }
    if (v instanceof JsonArray a) {
      JsonObject items =
          schema != null && schema.getValue("items") instanceof JsonObject i ? i : null;
      JsonArray out = new JsonArray();
      a.forEach(x -> out.add(value(x, items)));
      return out;
    }
    if (v instanceof java.util.List<?> l) {
      return value(new JsonArray(new java.util.ArrayList<>(l)), schema);
    }
    if (v instanceof String s) {
      return text(s);
    }
    return v;
  }

  private static boolean markedSecret(JsonObject propertySchema) {
    return propertySchema != null
        && (Boolean.TRUE.equals(propertySchema.getValue("x-secret"))
            || Boolean.TRUE.equals(propertySchema.getValue("writeOnly")));
  }
}
