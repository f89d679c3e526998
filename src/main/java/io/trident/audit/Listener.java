package io.trident.audit;

/**
 * A listener the server would open, as the audit sees it.
 *
 * @param name {@code http}, {@code grpc} or {@code admin}
 * @param host the bind address
 * @param port the port (0: a free one)
 * @param loopback whether the bind address is loopback, by the same rule the server's start-up uses
 * @param tlsCert the certificate chain file, or null for plaintext
 * @param tlsKey the private key file, or null
 * @param clientCa the client CA (mTLS), or null
 * @param keyPrefix the config section of its keys, e.g. {@code http}
 */
public record Listener(
    String name,
    String host,
    int port,
    boolean loopback,
    String tlsCert,
    String tlsKey,
    String clientCa,
    String keyPrefix) {

  public boolean tls() {
    return tlsCert != null;
  }

  /** {@code 0.0.0.0}, {@code ::} and the like: every interface. */
  public boolean anyAddress() {
    String h = host.replace("[", "").replace("]", "");
    return h.equals("0.0.0.0") || h.matches("[0:]*::[0:]*") || h.equals("*");
  }
}
