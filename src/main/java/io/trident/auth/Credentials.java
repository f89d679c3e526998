package io.trident.auth;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpConnection;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;

/**
 * The credentials one request carries, as a transport found them. Each is null when absent. An
 * empty {@code bearerToken} means an {@code Authorization} header was present but held no usable
 * Bearer token (another scheme, or nothing after it): it is refused, never ignored.
 *
 * @param bearerToken the token of {@code Authorization: Bearer <token>}
 * @param apiKey the value of {@code X-MCP-API-Key}
 * @param peerCertificates the client certificate chain the TLS layer verified, leaf first
 */
public record Credentials(
    String bearerToken, String apiKey, List<X509Certificate> peerCertificates) {

  /** The header that carries an API key. */
  public static final String API_KEY_HEADER = "X-MCP-API-Key";

  public Credentials {
    peerCertificates =
        peerCertificates == null || peerCertificates.isEmpty()
            ? null
            : List.copyOf(peerCertificates);
  }

  public static Credentials none() {
    return new Credentials(null, null, null);
  }

  /**
   * From the raw header values of a request; any may be null.
   *
   * @param authorization the {@code Authorization} header
   * @param apiKey the {@code X-MCP-API-Key} header
   * @param peerCertificates the verified client certificate chain, or null
   */
  public static Credentials of(
      String authorization, String apiKey, List<X509Certificate> peerCertificates) {
    return new Credentials(
            fromAuthorizationHeader(authorization), apiKey == null ? null : apiKey.strip(), null)
        .withPeerCertificates(peerCertificates);
  }

  /**
   * The token of an {@code Authorization} header: null when the header is absent, the token when
   * the scheme is {@code Bearer} (any case), otherwise the empty string (a malformed credential).
   */
  public static String fromAuthorizationHeader(String header) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    if (h.length() > 7
        && h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")
        && !h.substring(7).isBlank()) {
      String token = h.substring(7).strip();
      return token.indexOf(' ') >= 0 ? "" : token;
    }
    return "";
  }

  /**
   * From a request's headers and connection: the headers {@code authorization} and {@code
   * x-mcp-api-key} (HTTP headers and gRPC metadata alike) and, on TLS, the client certificate chain
   * the TLS layer verified. A plain connection never yields a certificate.
   */
  public static Credentials from(MultiMap headers, HttpConnection connection) {
    return of(
        headers.get("authorization"), headers.get(API_KEY_HEADER), peerCertificates(connection));
  }

  private static List<X509Certificate> peerCertificates(HttpConnection connection) {
    if (connection == null || !connection.isSsl()) {
      return null;
    }
    try {
      List<java.security.cert.Certificate> chain = connection.peerCertificates();
      if (chain == null || chain.isEmpty()) {
        return null;
      }
      List<X509Certificate> x509 = new java.util.ArrayList<>(chain.size());
      for (java.security.cert.Certificate c : chain) {
        if (c instanceof X509Certificate x) {
          x509.add(x);
        }
      }
      return x509;
    } catch (javax.net.ssl.SSLPeerUnverifiedException noCertificate) {
      return null;
    }
  }

  public Credentials withPeerCertificates(List<X509Certificate> chain) {
    return new Credentials(bearerToken, apiKey, chain);
  }

  public boolean isEmpty() {
    return bearerToken == null && apiKey == null && peerCertificates == null;
  }

  /** Says which credentials are present, never their values. */
  @Override
  public String toString() {
    return "Credentials[bearerToken="
        + (bearerToken == null ? "absent" : "present")
        + ", apiKey="
        + (apiKey == null ? "absent" : "present")
        + ", peerCertificates="
        + (peerCertificates == null ? "absent" : peerCertificates.size())
        + "]";
  }
}
