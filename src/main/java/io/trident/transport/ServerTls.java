package io.trident.transport;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.List;
import java.util.Set;

/**
 * TLS as every network transport serves it: TLS 1.2 and 1.3 only, ALPN, and, when a client CA is
 * configured, client certificates requested and verified against it (mTLS). Requested, not
 * required: a caller may still authenticate with a token, and the auth chain decides.
 */
public final class ServerTls {

  private ServerTls() {}

  /**
   * @param clientCaPath PEM bundle of the CAs client certificates must chain to, or null for no
   *     client certificates
   * @param alpn the HTTP versions to offer
   */
  public static HttpServerOptions apply(
      HttpServerOptions options,
      String certPath,
      String keyPath,
      String clientCaPath,
      List<HttpVersion> alpn) {
    options
        .setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certPath).setKeyPath(keyPath))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
        .setUseAlpn(true)
        .setAlpnVersions(alpn);
    if (clientCaPath != null) {
      options
          .setClientAuth(ClientAuth.REQUEST)
          .setTrustOptions(new PemTrustOptions().addCertPath(clientCaPath));
    }
    return options;
  }
}
