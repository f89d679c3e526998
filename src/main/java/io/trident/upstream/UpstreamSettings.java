package io.trident.upstream;

import io.trident.config.Durations;
import io.trident.config.TridentConfig.UpstreamSection;
import io.trident.config.TridentConfig.UpstreamTlsSection;
import io.trident.config.TridentConfig.UpstreamToolSection;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One upstream, validated: every key of an {@code upstreams:} entry checked at start-up, with a
 * message that names it ({@code upstreams[0].target: ...}). Build with {@link #fromConfig(List)}.
 *
 * @param name the tool name prefix
 * @param host the target host (a name or an address literal)
 * @param port the target port
 * @param descriptorSet the descriptor set file, or null with {@code reflection}
 * @param reflection learn the descriptors from the upstream's server reflection, when first reached
 * @param services only these services (full names), or empty for all
 * @param methods only these methods (simple or full names), or empty for all
 * @param timeout this upstream's cap on each call
 * @param scope the scope a caller needs for these tools, or null
 * @param tools per-method description and scope, keyed by method or full method name
 * @param tls how to reach the upstream over TLS, or null when {@code insecure}
 * @param insecure plaintext (h2c), allowed only with a loopback target
 * @param forwardMetadata the keys copied from the caller's metadata (lower case)
 * @param metadata this upstream's own metadata (its credential); values never logged
 * @param forwardCallerToken the caller's bearer token goes along as {@code authorization}
 * @param callerIdentity the key under which the verified subject is sent, or null
 * @param maxMessageBytes the largest message sent or received
 */
public record UpstreamSettings(
    String name,
    String host,
    int port,
    Path descriptorSet,
    boolean reflection,
    List<String> services,
    List<String> methods,
    Duration timeout,
    String scope,
    Map<String, ToolOverride> tools,
    Tls tls,
    boolean insecure,
    List<String> forwardMetadata,
    Map<String, String> metadata,
    boolean forwardCallerToken,
    String callerIdentity,
    int maxMessageBytes) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /** Tool name prefixes: short, so that prefix and method fit in 64 characters. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,31}");

  /** HTTP/2 header names as gRPC allows them for ASCII metadata. */
  private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

  /**
   * Keys that carry a caller's credential or belong to the protocol: never forwarded by the
   * allowlist nor set as the upstream's own metadata ({@code forwardCallerToken} is the one way a
   * credential goes along).
   */
  static final Set<String> CREDENTIAL_KEYS =
      Set.of("authorization", "proxy-authorization", "cookie", "set-cookie", "x-mcp-api-key");

  private static final Set<String> RESERVED_KEYS =
      Set.of(
          "content-type",
          "te",
          "host",
          "user-agent",
          "connection",
          "keep-alive",
          "transfer-encoding",
          "upgrade",
          "mcp-session-id",
          "mcp-protocol-version");

  /** A method's own description and scope. */
  public record ToolOverride(String description, String scope) {}

  /** TLS to the upstream: CA to trust (JVM default when null), client certificate, name. */
  public record Tls(String caFile, String certFile, String keyFile, String serverName) {}

  public UpstreamSettings {
    services = List.copyOf(services);
    methods = List.copyOf(methods);
    tools = Map.copyOf(tools);
    forwardMetadata = List.copyOf(forwardMetadata);
    metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * Validates every upstream.
   *
   * @throws IllegalArgumentException naming the first bad key, e.g. {@code upstreams[1].target}
   */
  public static List<UpstreamSettings> fromConfig(List<UpstreamSection> sections) {
    List<UpstreamSettings> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < sections.size(); i++) {
      UpstreamSettings s = from(sections.get(i), "upstreams[" + i + "]");
      if (!names.add(s.name().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "upstreams[" + i + "].name: '" + s.name() + "' is used by another upstream");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  static UpstreamSettings from(UpstreamSection u, String at) {
    if (u == null) {
      throw new IllegalArgumentException(at + ": empty entry");
    }
    String name = required(u.name(), at + ".name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          at
              + ".name: '"
              + name
              + "' must be a letter then up to 31 of [A-Za-z0-9_-] (it prefixes tool names)");
    }
    String target = required(u.target(), at + ".target");
    HostPort hp = HostPort.parse(target, at + ".target");

    boolean reflection = Boolean.TRUE.equals(u.reflection());
    Path descriptorSet = null;
    if (reflection) {
      if (u.descriptorSet() != null) {
        throw new IllegalArgumentException(
            at + ".reflection: set together with descriptorSet; choose one");
      }
    } else {
      String ds = u.descriptorSet();
      if (ds == null || ds.isBlank()) {
        throw new IllegalArgumentException(
            at
                + ".descriptorSet: required (protoc --include_imports --descriptor_set_out=FILE),"
                + " or reflection: true");
      }
      descriptorSet = Path.of(ds.trim());
      if (!Files.isRegularFile(descriptorSet) || !Files.isReadable(descriptorSet)) {
        throw new IllegalArgumentException(
            at + ".descriptorSet: cannot read '" + ds + "' (no such file, or not readable)");
      }
    }

    List<String> services = names(u.services(), at + ".services");
    List<String> methods = names(u.methods(), at + ".methods");

    Duration timeout = DEFAULT_TIMEOUT;
    if (u.timeout() != null) {
      try {
        timeout = Durations.parse(u.timeout());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(at + ".timeout: " + e.getMessage());
      }
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException(at + ".timeout: must be positive");
      }
    }

    String scope = scope(u.scope(), at + ".scope");
    Map<String, ToolOverride> tools = new LinkedHashMap<>();
    if (u.tools() != null) {
      for (Map.Entry<String, UpstreamToolSection> e : u.tools().entrySet()) {
        String key = at + ".tools." + e.getKey();
        UpstreamToolSection t = e.getValue();
        if (t == null) {
          throw new IllegalArgumentException(key + ": empty entry");
        }
        if (t.description() != null && t.description().isBlank()) {
          throw new IllegalArgumentException(key + ".description: must not be blank");
        }
        tools.put(e.getKey(), new ToolOverride(t.description(), scope(t.scope(), key + ".scope")));
      }
    }

    boolean insecure = Boolean.TRUE.equals(u.insecure());
    Tls tls = null;
    UpstreamTlsSection t = u.tls();
    if (insecure) {
      if (t != null) {
        throw new IllegalArgumentException(
            at + ".tls: set together with insecure: true; choose one");
      }
      if (!isLoopback(hp.host())) {
        throw new IllegalArgumentException(
            at
                + ".insecure: plaintext is allowed only to a loopback target, and '"
                + hp.host()
                + "' is not one: anyone on the path could read and change the calls and the"
                + " credentials they carry; use TLS (tls.caFile) instead");
      }
    } else {
      t = t == null ? new UpstreamTlsSection(null, null, null, null) : t;
      readable(t.caFile(), at + ".tls.caFile");
      readable(t.certFile(), at + ".tls.certFile");
      readable(t.keyFile(), at + ".tls.keyFile");
      if ((t.certFile() == null) != (t.keyFile() == null)) {
        throw new IllegalArgumentException(
            at + ".tls: certFile and keyFile go together (the client certificate and its key)");
      }
      if (t.serverName() != null && !HostPort.HOST.matcher(t.serverName()).matches()) {
        throw new IllegalArgumentException(
            at + ".tls.serverName: not a host name: '" + t.serverName() + "'");
      }
      tls = new Tls(t.caFile(), t.certFile(), t.keyFile(), t.serverName());
    }

    List<String> forward = new ArrayList<>();
    if (u.forwardMetadata() != null) {
      for (int i = 0; i < u.forwardMetadata().size(); i++) {
        String key = at + ".forwardMetadata[" + i + "]";
        String k = metadataKey(u.forwardMetadata().get(i), key);
        if (CREDENTIAL_KEYS.contains(k)) {
          throw new IllegalArgumentException(
              key
                  + ": '"
                  + k
                  + "' carries the caller's credential and is never forwarded by the allowlist"
                  + (k.equals("authorization") ? " (forwardCallerToken: true is the opt-in)" : ""));
        }
        forward.add(k);
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    if (u.metadata() != null) {
      for (Map.Entry<String, String> e : u.metadata().entrySet()) {
        String key = at + ".metadata." + e.getKey();
        String k = metadataKey(e.getKey(), key);
        String v = e.getValue();
        if (v == null || v.isEmpty()) {
          throw new IllegalArgumentException(key + ": empty value (is its ${VARIABLE} empty?)");
        }
        if (!v.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
          throw new IllegalArgumentException(key + ": the value must be printable ASCII");
        }
        metadata.put(k, v);
      }
    }
    String callerIdentity =
        u.callerIdentity() == null ? null : metadataKey(u.callerIdentity(), at + ".callerIdentity");
    if (callerIdentity != null && CREDENTIAL_KEYS.contains(callerIdentity)) {
      throw new IllegalArgumentException(
          at + ".callerIdentity: '" + callerIdentity + "' is a credential header");
    }

    if (callerIdentity != null
        && (forward.contains(callerIdentity) || metadata.containsKey(callerIdentity))) {
      throw new IllegalArgumentException(
          at
              + ".callerIdentity: '"
              + callerIdentity
              + "' is also in forwardMetadata or metadata; it must carry only the verified subject");
    }
    if (Boolean.TRUE.equals(u.forwardCallerToken()) && metadata.containsKey("authorization")) {
      throw new IllegalArgumentException(
          at
              + ".forwardCallerToken: metadata.authorization is set too; the upstream gets one"
              + " authorization, choose which");
    }
    int maxMessageBytes =
        u.maxMessageBytes() == null ? DEFAULT_MAX_MESSAGE_BYTES : u.maxMessageBytes();
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException(at + ".maxMessageBytes: must be at least 1024");
    }
    return new UpstreamSettings(
        name,
        hp.host(),
        hp.port(),
        descriptorSet,
        reflection,
        services,
        methods,
        timeout,
        scope,
        tools,
        tls,
        insecure,
        forward,
        metadata,
        Boolean.TRUE.equals(u.forwardCallerToken()),
        callerIdentity,
        maxMessageBytes);
  }

  /** These settings with {@code services} as the service filter. */
  UpstreamSettings withServices(List<String> only) {
    return new UpstreamSettings(
        name,
        host,
        port,
        descriptorSet,
        reflection,
        only,
        methods,
        timeout,
        scope,
        tools,
        tls,
        insecure,
        forwardMetadata,
        metadata,
        forwardCallerToken,
        callerIdentity,
        maxMessageBytes);
  }

  /** {@code host:port} for logs and error details (never shown to MCP clients). */
  public String target() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static String required(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(key + ": required");
    }
    return value.trim();
  }

  private static List<String> names(List<String> values, String key) {
    if (values == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v == null || !v.matches("[A-Za-z_][A-Za-z0-9_.]*(/[A-Za-z_][A-Za-z0-9_]*)?")) {
        throw new IllegalArgumentException(key + "[" + i + "]: not a protobuf name: '" + v + "'");
      }
      out.add(v);
    }
    return out;
  }

  private static String scope(String scope, String key) {
    if (scope == null) {
      return null;
    }
    if (scope.isBlank() || scope.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
      throw new IllegalArgumentException(key + ": one scope, printable with no spaces");
    }
    return scope;
  }

  private static void readable(String file, String key) {
    if (file != null && (!Files.isRegularFile(Path.of(file)) || !Files.isReadable(Path.of(file)))) {
      throw new IllegalArgumentException(key + ": cannot read '" + file + "'");
    }
  }

  private static String metadataKey(String raw, String key) {
    String k = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
    if (!KEY.matcher(k).matches()) {
      throw new IllegalArgumentException(key + ": not a metadata key: '" + raw + "'");
    }
    if (k.endsWith("-bin")) {
      throw new IllegalArgumentException(key + ": binary (-bin) metadata is not supported");
    }
    if (k.startsWith("grpc-") || RESERVED_KEYS.contains(k)) {
      throw new IllegalArgumentException(key + ": '" + k + "' is reserved by the protocol");
    }
    return k;
  }

  /** True for {@code localhost} and loopback address literals; names are never resolved here. */
  public static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (!h.matches("[0-9.]+|[0-9a-f:]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** A parsed {@code host:port}, {@code [v6]:port} included. */
  record HostPort(String host, int port) {
    static final Pattern HOST =
        Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

    static HostPort parse(String target, String key) {
      String host;
      String port;
      if (target.startsWith("[")) {
        int close = target.indexOf(']');
        if (close < 0 || close + 1 >= target.length() || target.charAt(close + 1) != ':') {
          throw new IllegalArgumentException(key + ": expected [ipv6]:port, got '" + target + "'");
        }
        host = target.substring(1, close);
        port = target.substring(close + 2);
        if (!host.matches("[0-9A-Fa-f:.]+")) {
          throw new IllegalArgumentException(key + ": not an IPv6 address: '" + host + "'");
        }
      } else {
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || target.indexOf(':') != colon) {
          throw new IllegalArgumentException(key + ": expected host:port, got '" + target + "'");
        }
        host = target.substring(0, colon);
        port = target.substring(colon + 1);
        if (!HOST.matcher(host).matches()) {
          throw new IllegalArgumentException(key + ": not a host name: '" + host + "'");
        }
      }
      int p;
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException(key + ": port must be 1-65535, got '" + port + "'");
      }
      return new HostPort(host, p);
    }
  }
}
