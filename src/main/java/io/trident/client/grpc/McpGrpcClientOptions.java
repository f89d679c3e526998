package io.trident.client.grpc;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an {@link McpGrpcClient} reaches a server: default deadline, metadata sent on every call
 * (credentials), the MCP protocol version it asks for, message size limit and TLS (with, for mTLS,
 * a client certificate). Mutable and fluent like Vert.x options; the client copies it, so later
 * changes do not affect a client.
 */
public final class McpGrpcClientOptions {

  /** The protocol version sent in {@code mcp-protocol-version} unless set otherwise. */
  public static final String DEFAULT_PROTOCOL_VERSION = "2025-11-25";

  /** No default deadline: calls wait as long as the server lets them run. */
  public static final Duration DEFAULT_TIMEOUT = null;

  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private Duration timeout = DEFAULT_TIMEOUT;
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private String protocolVersion = DEFAULT_PROTOCOL_VERSION;
  private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private boolean ssl;
  private String trustPemPath;
  private boolean trustAll;
  private String keyCertPemPath;
  private String keyPemPath;

  public McpGrpcClientOptions() {}

  public McpGrpcClientOptions(McpGrpcClientOptions other) {
    this.timeout = other.timeout;
    this.metadata.putAll(other.metadata);
    this.protocolVersion = other.protocolVersion;
    this.maxMessageBytes = other.maxMessageBytes;
    this.ssl = other.ssl;
    this.trustPemPath = other.trustPemPath;
    this.trustAll = other.trustAll;
    this.keyCertPemPath = other.keyCertPemPath;
    this.keyPemPath = other.keyPemPath;
  }

  public Duration getTimeout() {
    return timeout;
  }

  /**
   * The deadline of every call that sets none itself (sent as {@code grpc-timeout}); null: none.
   */
  public McpGrpcClientOptions setTimeout(Duration timeout) {
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    this.timeout = timeout;
    return this;
  }

  public Map<String, String> getMetadata() {
    return Map.copyOf(metadata);
  }

  /**
   * Adds a header sent with every call, e.g. {@code authorization: Bearer <token>} or {@code
   * x-mcp-api-key}. Names are lower-cased, as HTTP/2 requires.
   */
  public McpGrpcClientOptions addMetadata(String name, String value) {
    metadata.put(name.toLowerCase(java.util.Locale.ROOT), value);
    return this;
  }

  /** Sends {@code authorization: Bearer <token>} with every call. */
  public McpGrpcClientOptions setBearerToken(String token) {
    return addMetadata("authorization", "Bearer " + token);
  }

  public String getProtocolVersion() {
    return protocolVersion;
  }

  /** The {@code mcp-protocol-version} header; null sends none (the server picks its latest). */
  public McpGrpcClientOptions setProtocolVersion(String protocolVersion) {
    this.protocolVersion = protocolVersion;
    return this;
  }

  public int getMaxMessageBytes() {
    return maxMessageBytes;
  }

  /** The largest message the client accepts from the server. */
  public McpGrpcClientOptions setMaxMessageBytes(int maxMessageBytes) {
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be positive");
    }
    this.maxMessageBytes = maxMessageBytes;
    return this;
  }

  public boolean isSsl() {
    return ssl;
  }

  /** TLS instead of plaintext HTTP/2 (h2c). */
  public McpGrpcClientOptions setSsl(boolean ssl) {
    this.ssl = ssl;
    return this;
  }

  public String getTrustPemPath() {
    return trustPemPath;
  }

  /** PEM file of the certificates to trust (implies TLS); null: the JVM's trust store. */
  public McpGrpcClientOptions setTrustPemPath(String trustPemPath) {
    this.trustPemPath = trustPemPath;
    if (trustPemPath != null) {
      this.ssl = true;
    }
    return this;
  }

  public boolean isTrustAll() {
    return trustAll;
  }

  /** Trusts any server certificate and host name (implies TLS). For tests only. */
  public McpGrpcClientOptions setTrustAll(boolean trustAll) {
    this.trustAll = trustAll;
    if (trustAll) {
      this.ssl = true;
    }
    return this;
  }

  public String getKeyCertPemPath() {
    return keyCertPemPath;
  }

  public String getKeyPemPath() {
    return keyPemPath;
  }

  /**
   * The client certificate presented in the TLS handshake, for servers that authenticate callers by
   * certificate (mTLS); implies TLS. The client offers it only to a server whose requested CAs
   * include its issuer. Both null: no client certificate.
   *
   * @param certPath PEM file of the certificate chain, leaf first
   * @param keyPath PEM file of its private key (PKCS#8, or PKCS#1 for RSA)
   */
  public McpGrpcClientOptions setKeyCertPem(String certPath, String keyPath) {
    if ((certPath == null) != (keyPath == null)) {
      throw new IllegalArgumentException("the certificate and its key must be set together");
    }
    this.keyCertPemPath = certPath;
    this.keyPemPath = keyPath;
    if (certPath != null) {
      this.ssl = true;
    }
    return this;
  }
}
