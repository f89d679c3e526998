package io.trident.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

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
    String text = substituteEnv(yaml);
    if (text.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
      return TridentConfig.defaults();
    }
    Node root;
    try {
      // The node tree only (no Java objects made from tags; no Yaml facade, whose constructor and
      // representer cost classes for nothing): the binder reads it by key and type.
      LoaderOptions options = new LoaderOptions();
      root =
          new Composer(
                  new ParserImpl(new StreamReader(new StringReader(text)), options),
                  new Resolver(),
                  options)
              .getSingleNode();
    } catch (YAMLException e) {
      throw new IllegalArgumentException("config " + origin + ": " + e.getMessage());
    } catch (RuntimeException | StackOverflowError e) {
      throw new IllegalArgumentException("config " + origin + ": not valid YAML (" + e + ")");
    }
    try {
      TridentConfig config = RecordBinder.bind(root, TridentConfig.class);
      return config == null ? TridentConfig.defaults() : config;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("config " + origin + ": " + e.getMessage(), e);
    }
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
