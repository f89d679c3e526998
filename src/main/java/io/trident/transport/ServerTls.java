package io.trident.transport;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * TLS as every network transport serves it: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites
 * only (ECDHE with AES-GCM or ChaCha20-Poly1305 on TLS 1.2; TLS 1.3 has no others), ALPN, and, when
 * a client CA is configured, client certificates requested and verified against it (mTLS).
 * Requested, not required: a caller may still authenticate with a token, and the auth chain
 * decides.
 */
public final class ServerTls {

  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** In order of preference. */
  public static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

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
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setUseAlpn(true)
        .setAlpnVersions(alpn);
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    if (clientCaPath != null) {
      options
          .setClientAuth(ClientAuth.REQUEST)
          .setTrustOptions(new PemTrustOptions().addCertPath(clientCaPath));
    }
    return options;
  }

  /** The same TLS set-up as {@link #apply}, for {@code HttpServer.updateSSLOptions}. */
  public static ServerSSLOptions sslOptions(
      String certPath, String keyPath, String clientCaPath, long handshakeTimeoutMillis) {
    ServerSSLOptions ssl =
        new ServerSSLOptions()
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certPath).setKeyPath(keyPath))
            .setEnabledSecureTransportProtocols(PROTOCOLS)
            .setUseAlpn(true)
            .setSslHandshakeTimeout(handshakeTimeoutMillis)
            .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
    CIPHER_SUITES.forEach(ssl::addEnabledCipherSuite);
    if (clientCaPath != null) {
      ssl.setClientAuth(ClientAuth.REQUEST)
          .setTrustOptions(new PemTrustOptions().addCertPath(clientCaPath));
    }
    return ssl;
  }

  /**
   * Blocking: checks that the files can serve TLS (certificates parse, the key is PEM and, when
   * PKCS#8, matches the first certificate), so that a bad file is reported by name before it is
   * used, at start-up and on rotation.
   *
   * @param keyPrefix the config keys the paths came from, e.g. {@code http}
   * @throws IllegalArgumentException naming the key and the file
   */
  public static void check(String keyPrefix, String certPath, String keyPath, String clientCaPath) {
    List<X509Certificate> chain = certificates(keyPrefix + ".tlsCert", certPath);
    String keyPem = read(keyPrefix + ".tlsKey", keyPath);
    if (!keyPem.contains("PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          keyPrefix + ".tlsKey: " + keyPath + " holds no PEM private key");
    }
    if (keyPem.contains("-----BEGIN PRIVATE KEY-----")) {
      matches(keyPrefix, keyPath, pkcs8(keyPrefix, keyPath, keyPem), chain.get(0).getPublicKey());
    }
    if (clientCaPath != null) {
      certificates(keyPrefix + ".tlsClientCa", clientCaPath);
    }
  }

  private static List<X509Certificate> certificates(String key, String path) {
    String pem = read(key, path);
    try {
      List<X509Certificate> certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))
              .stream()
              .map(c -> (X509Certificate) c)
              .toList();
      if (certs.isEmpty()) {
        throw new IllegalArgumentException(key + ": " + path + " holds no PEM certificate");
      }
      return certs;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          key + ": " + path + " is not a PEM certificate: " + e.getMessage());
    }
  }

  private static PrivateKey pkcs8(String keyPrefix, String path, String pem) {
    StringBuilder b64 = new StringBuilder();
    boolean inside = false;
    for (String line : pem.split("\r?\n")) {
      if (line.startsWith("-----BEGIN PRIVATE KEY")) {
        inside = true;
      } else if (line.startsWith("-----END")) {
        inside = false;
      } else if (inside) {
        b64.append(line.strip());
      }
    }
    try {
      PKCS8EncodedKeySpec spec =
          new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64.toString()));
      for (String type : new String[] {"EC", "RSA", "Ed25519"}) {
        try {
          return KeyFactory.getInstance(type).generatePrivate(spec);
        } catch (GeneralSecurityException other) {
          // The PKCS#8 header names the type, but KeyFactory must be asked by name: try the next.
        }
      }
    } catch (IllegalArgumentException badBase64) {
      // Reported below.
    }
    throw new IllegalArgumentException(
        keyPrefix + ".tlsKey: " + path + " is not a readable PKCS#8 private key");
  }

  private static void matches(String keyPrefix, String path, PrivateKey key, PublicKey cert) {
    String alg =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          default -> null;
        };
    if (alg == null) {
      return;
    }
    try {
      byte[] probe = "trident".getBytes(StandardCharsets.US_ASCII);
      Signature sign = Signature.getInstance(alg);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(alg);
      verify.initVerify(cert);
      verify.update(probe);
      if (verify.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException mismatch) {
      // Reported below: a key of another type than the certificate's does not match either.
    }
    throw new IllegalArgumentException(
        keyPrefix + ".tlsKey: " + path + " does not match the certificate in tlsCert");
  }

  private static String read(String key, String path) {
    Path file = Path.of(path);
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(key + ": file not found: " + path);
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(key + ": not a regular file: " + path);
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IllegalArgumentException(key + ": " + path + " is not a PEM text file");
    } catch (IOException e) {
      throw new IllegalArgumentException(key + ": cannot read " + path + ": " + e.getMessage());
    }
  }
}
