package io.trident.audit;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The audit for a person: one aligned line per finding, then a count per severity. */
public final class TextReport {

  private TextReport() {}

  public static String render(List<Finding> findings) {
    int width = findings.stream().mapToInt(f -> f.control().length()).max().orElse(10);
    StringBuilder out = new StringBuilder();
    Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
    for (Finding f : findings) {
      counts.merge(f.severity(), 1, Integer::sum);
      out.append(
          String.format(
              "%-8s  %-" + width + "s  %s  [%s]%n",
              f.severity().label(),
              f.control(),
              f.state(),
              f.key()));
    }
    out.append(String.format("%n%d controls:", findings.size()));
    for (Severity s : Severity.values()) {
      out.append(' ').append(counts.getOrDefault(s, 0)).append(' ').append(s.label());
      out.append(s == Severity.CRITICAL ? "" : ",");
    }
    out.append(System.lineSeparator());
    return out.toString();
  }
}
