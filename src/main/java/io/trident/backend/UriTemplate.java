package io.trident.backend;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An RFC 6570 URI template used to match resource URIs: level 1 {@code {var}} (one segment,
 * percent-decoded) and the level 2 reserved form {@code {+var}} (may span segments).
 */
public final class UriTemplate {

  private static final Pattern EXPRESSION = Pattern.compile("\\{(\\+?)([A-Za-z0-9_.%]+)}");

  private final String template;
  private final Pattern matcher;
  private final List<String> variables;
  private final List<Boolean> reserved;

  private UriTemplate(
      String template, Pattern matcher, List<String> variables, List<Boolean> reserved) {
    this.template = template;
    this.matcher = matcher;
    this.variables = List.copyOf(variables);
    this.reserved = List.copyOf(reserved);
  }

  /**
   * @throws IllegalArgumentException when the template has an unsupported expression
   */
  public static UriTemplate parse(String template) {
    StringBuilder regex = new StringBuilder("^");
    List<String> variables = new ArrayList<>();
    List<Boolean> reserved = new ArrayList<>();
    Matcher m = EXPRESSION.matcher(template);
    int last = 0;
    while (m.find()) {
      String literal = template.substring(last, m.start());
      if (literal.contains("{") || literal.contains("}")) {
        throw new IllegalArgumentException("unsupported URI template expression in " + template);
      }
      regex.append(Pattern.quote(literal));
      boolean plus = !m.group(1).isEmpty();
      regex.append(plus ? "(.+?)" : "([^/?#]+)");
      variables.add(m.group(2));
      reserved.add(plus);
      last = m.end();
    }
    String tail = template.substring(last);
    if (tail.contains("{") || tail.contains("}")) {
      throw new IllegalArgumentException("unsupported URI template expression in " + template);
    }
    regex.append(Pattern.quote(tail)).append('$');
    return new UriTemplate(template, Pattern.compile(regex.toString()), variables, reserved);
  }

  public String template() {
    return template;
  }

  public List<String> variables() {
    return variables;
  }

  /** The variable values when {@code uri} matches, in template order. */
  public Optional<Map<String, String>> match(String uri) {
    Matcher m = matcher.matcher(uri);
    if (!m.matches()) {
      return Optional.empty();
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < variables.size(); i++) {
      String raw = m.group(i + 1);
      values.put(
          variables.get(i),
          reserved.get(i)
              ? raw
              : URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
    }
    return Optional.of(values);
  }
}
