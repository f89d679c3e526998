package io.trident.audit;

import java.util.Locale;

/** How much a finding matters; {@link #CRITICAL} makes {@code trident audit} exit 1. */
public enum Severity {
  /** The control is in place. */
  OK,
  /** Worth knowing, allowed as it is (e.g. plaintext on loopback). */
  INFO,
  /** Weaker than it should be for production; a deliberate choice at best. */
  WARNING,
  /** Exposes callers or credentials: fix before serving. */
  CRITICAL;

  /** As printed: {@code ok}, {@code info}, {@code warning}, {@code critical}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
