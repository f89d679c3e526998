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
   * URIs longer than this match no template: with backtracking regular expressions the cost of a
   * match grows with the URI, and a client chooses the URI.
   */
  static final int MAX_URI_CHARS = 8 * 1024;

  /**
   * @throws IllegalArgumentException when the template has an unsupported expression, two
   *     expressions with no literal between them, or more than one {@code {+var}}: those cannot be
   *     matched unambiguously, and matching them backtracks without bound
   */
  public static UriTemplate parse(String template) {
    StringBuilder regex = new StringBuilder("^");
    List<String> variables = new ArrayList<>();
    List<Boolean> reserved = new ArrayList<>();
    Matcher m = EXPRESSION.matcher(template);
    int last = 0;
    boolean previousSimple = false;
    while (m.find()) {
      String literal = template.substring(last, m.start());
      if (literal.contains("{") || literal.contains("}")) {
        throw new IllegalArgumentException("unsupported URI template expression in " + template);
      }
      if (!variables.isEmpty() && literal.isEmpty()) {
        throw new IllegalArgumentException(
            "two URI template expressions need a literal between them in " + template);
      }
      closeSimple(regex, previousSimple, literal);
      regex.append(Pattern.quote(literal));
      boolean plus = !m.group(1).isEmpty();
      if (plus && reserved.contains(true)) {
        throw new IllegalArgumentException(
            "at most one {+var} reserved expansion is supported in " + template);
      }
      regex.append(plus ? "(.+?)" : "([^/?#]+");
      previousSimple = !plus;
      variables.add(m.group(2));
      reserved.add(plus);
      last = m.end();
    }
    String tail = template.substring(last);
    if (tail.contains("{") || tail.contains("}")) {
      throw new IllegalArgumentException("unsupported URI template expression in " + template);
    }
    closeSimple(regex, previousSimple, tail);
    regex.append(Pattern.quote(tail)).append('$');
    return new UriTemplate(template, Pattern.compile(regex.toString()), variables, reserved);
  }

  /**
   * Ends a one-segment group. When what follows cannot be part of a segment ({@code /}, {@code ?},
   * {@code #} or the end), giving characters back can never help, so the group is possessive and a
   * failed match costs one pass instead of a backtracking search.
   */
  private static void closeSimple(StringBuilder regex, boolean open, String following) {
    if (!open) {
      return;
    }
    boolean boundary = following.isEmpty() || "/?#".indexOf(following.charAt(0)) >= 0;
    regex.append(boundary ? "+)" : ")");
  }

  public String template() {
    return template;
  }

  public List<String> variables() {
    return variables;
  }

  /**
   * The variable values when {@code uri} matches, in template order. A value that is not valid
   * percent-encoding ({@code %zz}, a lone {@code %}) does not match: the URI names no resource.
   */
  public Optional<Map<String, String>> match(String uri) {
    if (uri.length() > MAX_URI_CHARS) {
      return Optional.empty();
    }
    Matcher m = matcher.matcher(uri);
    if (!m.matches()) {
      return Optional.empty();
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < variables.size(); i++) {
      String raw = m.group(i + 1);
      String value;
      try {
        value =
            reserved.get(i)
                ? raw
                : URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      values.put(variables.get(i), value);
    }
    return Optional.of(values);
  }
}
