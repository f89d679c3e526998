package io.trident.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * A safe and an unsafe configuration for {@code trident audit}, written into a directory with the
 * files they name (the audit reads file attributes, not their contents, so placeholders do).
 */
final class AuditConfigs {

  /** Serving flags that go with both files. */
  static final List<String> FLAGS = List.of("--transport", "http,grpc");

  /**
   * What the unsafe configuration must report: control to the severity and a key the line must
   * name.
   */
  static final Map<String, Expected> UNSAFE =
      Map.ofEntries(
          Map.entry("tls.http", new Expected("critical", "http.tlsCert")),
          Map.entry("tls.grpc", new Expected("critical", "grpc.tlsCert")),
          Map.entry("tls.admin", new Expected("critical", "admin.host")),
          Map.entry("exposure.http", new Expected("warning", "http.host")),
          Map.entry("exposure.grpc", new Expected("warning", "grpc.host")),
          Map.entry("exposure.admin", new Expected("warning", "admin.host")),
          Map.entry("grpc.reflection", new Expected("warning", "grpc.reflection")),
          Map.entry("http.origins", new Expected("warning", "http.allowedOrigins")),
          Map.entry("mtls", new Expected("warning", "tlsClientCa")),
          Map.entry("auth.anonymous", new Expected("critical", "auth.anonymous.enabled")),
          Map.entry("auth.jwt.leeway", new Expected("warning", "auth.jwt.leeway")),
          Map.entry(
              "scope.method.tools/call", new Expected("warning", "auth.scopes.methods.tools/call")),
          Map.entry("deadline.server", new Expected("warning", "server.requestTimeout")),
          Map.entry("cap.http.body", new Expected("warning", "http.maxBodyBytes")),
          Map.entry("cap.grpc.message", new Expected("warning", "grpc.maxMessageBytes")),
          Map.entry("limits", new Expected("warning", "limits.enabled")),
          Map.entry("revocation.store", new Expected("warning", "redis.url")),
          Map.entry("revocation.failOpen", new Expected("warning", "redis.failOpen")),
          Map.entry("revocation.recheck", new Expected("warning", "revocation.recheckInterval")),
          Map.entry("audit.destination", new Expected("warning", "TRIDENT_AUDIT_LOG")),
          Map.entry(
              "upstream.inventory.metadata",
              new Expected("warning", "upstreams[0].forwardCallerToken")),
          Map.entry("upstream.inventory.message", new Expected("warning", "maxMessageBytes")),
          Map.entry("secret.auth.jwt.secretFile", new Expected("critical", "auth.jwt.secretFile")),
          Map.entry("secret.auth.apiKeys.file", new Expected("critical", "auth.apiKeys.file")),
          Map.entry("process.user", new Expected("warning", "user")));

  record Expected(String severity, String key) {}

  private AuditConfigs() {}

  static Path safe(Path dir) throws IOException {
    String secret = privateFile(dir, "jwt.secret", "0123456789abcdef0123456789abcdef");
    String keys = privateFile(dir, "keys.yaml", "keys: []\n");
    String cert = privateFile(dir, "server.pem", "placeholder");
    String key = privateFile(dir, "server.key", "placeholder");
    String ca = privateFile(dir, "ca.pem", "placeholder");
    return Files.writeString(
        dir.resolve("safe.yaml"),
        String.join(
            "\n",
            "http:",
            "  host: 127.0.0.1",
            "  tlsCert: " + cert,
            "  tlsKey: " + key,
            "  tlsClientCa: " + ca,
            "grpc:",
            "  host: 127.0.0.1",
            "  tlsCert: " + cert,
            "  tlsKey: " + key,
            "  tlsClientCa: " + ca,
            "auth:",
            "  jwt: { secretFile: " + secret + ", issuer: https://issuer.invalid, audience: mcp }",
            "  apiKeys: { file: " + keys + " }",
            "  mtls: { principalFrom: subject }",
            "admin:",
            "  port: 0",
            "upstreams:",
            "  - name: inventory",
            "    target: inventory.invalid:443",
            "    descriptorSet: " + io.trident.upstream.UpstreamFixture.descriptorSet(),
            "    scope: inventory:read",
            "    tls: { caFile: " + ca + " }",
            "    forwardMetadata: [traceparent]",
            ""));
  }

  static Path unsafe(Path dir) throws IOException {
    String secret = file(dir, "jwt.secret", "0123456789abcdef0123456789abcdef", "rw-r--r--");
    String keys = file(dir, "keys.yaml", "keys: []\n", "rw-rw-rw-");
    return Files.writeString(
        dir.resolve("unsafe.yaml"),
        String.join(
            "\n",
            "server:",
            "  requestTimeout: 1h",
            "http:",
            "  host: 0.0.0.0",
            "  maxBodyBytes: 67108864",
            "  allowedOrigins: ['*']",
            "grpc:",
            "  host: 0.0.0.0",
            "  reflection: true",
            "  maxMessageBytes: 67108864",
            "auth:",
            "  anonymous: { enabled: true, scopes: ['*'] }",
            "  jwt: { secretFile: "
                + secret
                + ", issuer: https://issuer.invalid, audience: mcp,"
                + " leeway: 1h }",
            "  apiKeys: { file: " + keys + " }",
            "  mtls: { principalFrom: subject }",
            "  scopes:",
            "    methods: { tools/call: '' }",
            "admin:",
            "  host: 0.0.0.0",
            "  port: 9090",
            "redis:",
            "  url: redis://redis.invalid:6379",
            "  failOpen: true",
            "revocation:",
            "  recheckInterval: 0s",
            "limits:",
            "  enabled: false",
            "upstreams:",
            "  - name: inventory",
            "    target: inventory.invalid:443",
            "    descriptorSet: " + io.trident.upstream.UpstreamFixture.descriptorSet(),
            "    forwardCallerToken: true",
            "    maxMessageBytes: 67108864",
            ""));
  }

  private static String privateFile(Path dir, String name, String content) throws IOException {
    return file(dir, name, content, "rw-------");
  }

  private static String file(Path dir, String name, String content, String perms)
      throws IOException {
    Path p = Files.writeString(dir.resolve(name), content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    return p.toString();
  }
}
