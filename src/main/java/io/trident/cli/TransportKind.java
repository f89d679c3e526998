package io.trident.cli;

import java.util.Locale;

/** The transports named on the command line. */
public enum TransportKind {
  STDIO,
  HTTP,
  GRPC,
  ALL;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
