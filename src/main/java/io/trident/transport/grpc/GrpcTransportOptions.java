package io.trident.transport.grpc;

/**
 * How the gRPC transport listens and what it allows.
 *
 * @param host bind address; loopback unless chosen on purpose
 * @param port port, 0 for any free one
 * @param maxMessageBytes the largest message accepted; bigger ones end the call with
 *     RESOURCE_EXHAUSTED
 * @param reflection whether the server reflection service is on (it maps the whole surface)
 * @param tlsCertPath PEM certificate chain, or null for plaintext h2c
 * @param tlsKeyPath PEM private key, or null
 * @param tlsClientCaPath PEM CA bundle: client certificates are requested and verified against it
 *     (mTLS), or null
 * @param shareHttpPort serve gRPC on the HTTP transport's port instead of a port of its own
 */
public record GrpcTransportOptions(
    String host,
    int port,
    int maxMessageBytes,
    boolean reflection,
    String tlsCertPath,
    String tlsKeyPath,
    String tlsClientCaPath,
    boolean shareHttpPort) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 50051;
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  public GrpcTransportOptions {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("grpc.port must be between 0 and 65535");
    }
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("grpc.maxMessageBytes must be at least 1024");
    }
    if ((tlsCertPath == null) != (tlsKeyPath == null)) {
      throw new IllegalArgumentException("grpc.tlsCert and grpc.tlsKey must be set together");
    }
    if (tlsClientCaPath != null && tlsCertPath == null) {
      throw new IllegalArgumentException("a TLS client CA needs TLS (tlsCert and tlsKey)");
    }
  }

  public static GrpcTransportOptions defaults() {
    return new GrpcTransportOptions(
        DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_MESSAGE_BYTES, false, null, null, null, false);
  }

  public boolean tls() {
    return tlsCertPath != null;
  }

  public GrpcTransportOptions withPort(int newPort) {
    return new GrpcTransportOptions(
        host,
        newPort,
        maxMessageBytes,
        reflection,
        tlsCertPath,
        tlsKeyPath,
        tlsClientCaPath,
        shareHttpPort);
  }
}
