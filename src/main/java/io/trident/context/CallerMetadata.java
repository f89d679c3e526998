package io.trident.context;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the caller's wire said besides the message: HTTP request headers, gRPC metadata, and the
 * string entries of a request's {@code params._meta} (which win over the headers: a message's own
 * metadata is more specific than its stream's). Keys compare case-insensitively; one value per key
 * (the first one sent). It holds the caller's credentials too, because an upstream may be
 * configured to receive them ({@code forwardCallerToken}); so it never prints values, and whatever
 * forwards from it selects keys by an allowlist.
 *
 * <p>Wraps the transport's headers without copying them: most requests never read it.
 */
public final class CallerMetadata {

  public static final CallerMetadata EMPTY = new CallerMetadata(null, Map.of());

  private final MultiMap headers;
  private final Map<String, String> meta;

  private CallerMetadata(MultiMap headers, Map<String, String> meta) {
    this.headers = headers;
    this.meta = meta;
  }

  /** From HTTP headers or gRPC metadata; binary ({@code -bin}) and pseudo-headers are not read. */
  public static CallerMetadata of(MultiMap headers) {
    return headers == null || headers.isEmpty() ? EMPTY : new CallerMetadata(headers, Map.of());
  }

  public static CallerMetadata of(Map<String, String> values) {
    Map<String, String> entries = new HashMap<>();
    values.forEach((k, v) -> entries.putIfAbsent(k.toLowerCase(Locale.ROOT), v));
    return entries.isEmpty() ? EMPTY : new CallerMetadata(null, Map.copyOf(entries));
  }

  /** These entries overlaid by the string values of a request's {@code _meta}. */
  public CallerMetadata withMeta(JsonObject requestMeta) {
    if (requestMeta == null || requestMeta.isEmpty()) {
      return this;
    }
    Map<String, String> merged = null;
    for (Map.Entry<String, Object> entry : requestMeta) {
      if (entry.getValue() instanceof String value) {
        if (merged == null) {
          merged = new HashMap<>(meta);
        }
        merged.put(entry.getKey().toLowerCase(Locale.ROOT), value);
      }
    }
    return merged == null ? this : new CallerMetadata(headers, Map.copyOf(merged));
  }

  /** The value the caller sent under {@code key} (any case), or null. */
  public String get(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    String value = meta.get(lower);
    if (value != null || headers == null || lower.endsWith("-bin") || lower.startsWith(":")) {
      return value;
    }
    return headers.get(lower);
  }

  /**
   * The value the transport carried under {@code key} (HTTP header or gRPC metadata), ignoring a
   * request's {@code _meta}: for credentials, which count only as the caller authenticated with
   * them.
   */
  public String header(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    if (headers == null || lower.endsWith("-bin") || lower.startsWith(":")) {
      return null;
    }
    return headers.get(lower);
  }

  public boolean isEmpty() {
    return meta.isEmpty() && (headers == null || headers.isEmpty());
  }

  /** Keys only: values may be credentials. */
  @Override
  public String toString() {
    java.util.Set<String> keys = new java.util.TreeSet<>(meta.keySet());
    if (headers != null) {
      headers.names().forEach(n -> keys.add(n.toLowerCase(Locale.ROOT)));
    }
    return "CallerMetadata" + keys;
  }
}
