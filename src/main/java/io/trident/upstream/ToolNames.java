package io.trident.upstream;

import com.google.protobuf.Descriptors.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tool names for an upstream's methods: {@code <upstream>_<Method>}, or {@code
 * <upstream>_<Service>_<Method>} for a method name that two services share. Only {@code
 * [A-Za-z0-9_-]} (what the strictest clients accept), at most {@link #MAX} characters: a longer
 * name keeps its start and ends with a hash of the full method name, so it stays stable across
 * restarts and descriptor changes elsewhere.
 */
final class ToolNames {

  static final int MAX = 64;

  private ToolNames() {}

  static Map<MethodDescriptor, String> assign(String upstream, List<MethodDescriptor> methods) {
    Map<String, Integer> byMethodName = new HashMap<>();
    for (MethodDescriptor m : methods) {
      byMethodName.merge(m.getName(), 1, Integer::sum);
    }
    Map<MethodDescriptor, String> names = new LinkedHashMap<>();
    Set<String> taken = new HashSet<>();
    for (MethodDescriptor m : methods) {
      String name =
          byMethodName.get(m.getName()) > 1
              ? upstream + "_" + m.getService().getName() + "_" + m.getName()
              : upstream + "_" + m.getName();
      name = fit(sanitize(name), m.getFullName());
      if (!taken.add(name)) {
        // Same service name in two packages: the hash of the full name tells them apart.
        name = withHash(name, m.getFullName());
        taken.add(name);
      }
      names.put(m, name);
    }
    return names;
  }

  static String sanitize(String name) {
    return name.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  static String fit(String name, String fullName) {
    return name.length() <= MAX ? name : withHash(name, fullName);
  }

  private static String withHash(String name, String fullName) {
    String hash = hash(fullName);
    String start = name.substring(0, Math.min(name.length(), MAX - hash.length() - 1));
    return start + "_" + hash;
  }

  private static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
