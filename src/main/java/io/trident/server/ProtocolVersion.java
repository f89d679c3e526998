package io.trident.server;

import java.util.List;
import java.util.Optional;

/** The MCP protocol revisions this server speaks, oldest first. */
public enum ProtocolVersion {
  /** Spoken by clients of the legacy HTTP+SSE transport. */
  V2024_11_05("2024-11-05"),
  V2025_03_26("2025-03-26"),
  V2025_06_18("2025-06-18"),
  V2025_11_25("2025-11-25");

  public static final ProtocolVersion LATEST = V2025_11_25;

  /** What a Streamable HTTP server assumes when the client sends no version header. */
  public static final ProtocolVersion HTTP_DEFAULT = V2025_03_26;

  private final String wire;

  ProtocolVersion(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<ProtocolVersion> parse(String wire) {
    for (ProtocolVersion v : values()) {
      if (v.wire.equals(wire)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }

  /** The client's version when we support it, else our newest (the spec's negotiation rule). */
  public static ProtocolVersion negotiate(String requested) {
    return parse(requested).orElse(LATEST);
  }

  public static List<String> supportedWire() {
    return List.of(V2025_11_25.wire, V2025_06_18.wire, V2025_03_26.wire, V2024_11_05.wire);
  }

  /** JSON-RPC batches were removed in 2025-06-18. */
  public boolean allowsBatches() {
    return this.compareTo(V2025_06_18) < 0;
  }

  public boolean atLeast(ProtocolVersion other) {
    return compareTo(other) >= 0;
  }
}
