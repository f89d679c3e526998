package io.trident.audit;

import java.util.Objects;

/**
 * One control as the audit found it.
 *
 * @param control what is reviewed, e.g. {@code tls.http} or {@code upstream.inventory.metadata};
 *     each control appears once in an audit
 * @param severity how much the state matters
 * @param state what the configuration does, in a sentence
 * @param key the config key (or flag) that changes it
 */
public record Finding(String control, Severity severity, String state, String key) {
  public Finding {
    Objects.requireNonNull(control, "control");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(key, "key");
  }

  static Finding ok(String control, String state, String key) {
    return new Finding(control, Severity.OK, state, key);
  }

  static Finding info(String control, String state, String key) {
    return new Finding(control, Severity.INFO, state, key);
  }

  static Finding warning(String control, String state, String key) {
    return new Finding(control, Severity.WARNING, state, key);
  }

  static Finding critical(String control, String state, String key) {
    return new Finding(control, Severity.CRITICAL, state, key);
  }
}
