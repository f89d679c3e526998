package io.trident.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code conf/trident.yaml}. {@code ${VAR}} and {@code ${VAR:-default}} are replaced from the
 * environment first, so secrets can stay out of the file.
 */
public final class ConfigLoader {

  private static final Pattern ENV =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private ConfigLoader() {}

  /**
   * @throws IllegalArgumentException with a message fit for the command line
   */
  public static TridentConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static TridentConfig parse(String yaml, String origin) {
    ObjectMapper mapper =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    String text = substituteEnv(yaml);
    if (text.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
      return TridentConfig.defaults();
    }
    try {
      TridentConfig config = mapper.readValue(text, TridentConfig.class);
      return config == null ? TridentConfig.defaults() : config;
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(
          "config " + origin + ": unknown key '" + e.getPropertyName() + "' at " + path(e));
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      String msg = cause == e ? e.getOriginalMessage() : cause.getMessage();
      throw new IllegalArgumentException("config " + origin + ": " + msg);
    }
  }

  private static String path(UnrecognizedPropertyException e) {
    StringBuilder sb = new StringBuilder();
    e.getPath()
        .forEach(
            ref -> {
              if (ref.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
              } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
              }
            });
    return sb.toString();
  }

  /** Replaces environment references, except on comment lines (which may mention the syntax). */
  static String substituteEnv(String text) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(line.stripLeading().startsWith("#") ? line : substituteLine(line));
    }
    return out.toString();
  }

  private static String substituteLine(String text) {
    Matcher m = ENV.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = System.getenv(m.group(1));
      if (value == null) {
        value = m.group(2);
      }
      if (value == null) {
        throw new IllegalArgumentException(
            "environment variable " + m.group(1) + " is not set and has no default");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
