package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * Certificates for the mTLS tests, made with {@code openssl} in a test's directory at test time: a
 * server certificate, CAs and client certificates they sign. Each is {@code <name>.pem} with its
 * key in {@code <name>.key}.
 */
public final class TestCerts {

  private final Path dir;

  public TestCerts(Path dir) {
    this.dir = dir;
  }

  /** The path of a file in the directory, e.g. {@code "ca.pem"}. */
  public String path(String file) {
    return dir.resolve(file).toString();
  }

  /** A self-signed EC certificate: a CA, or a server certificate for localhost / 127.0.0.1. */
  public void selfSigned(String name, String subject, boolean ca) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                path(name + ".key"),
                "-out",
                path(name + ".pem"),
                "-days",
                "1",
                "-subj",
                subject));
    if (ca) {
      cmd.addAll(
          List.of(
              "-addext",
              "basicConstraints=critical,CA:TRUE",
              "-addext",
              "keyUsage=critical,keyCertSign,cRLSign"));
    } else {
      cmd.addAll(List.of("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
    }
    openssl(cmd);
  }

  /**
   * A client certificate (extended key usage clientAuth) for {@code subject}, signed by {@code ca}.
   */
  public void clientCert(String name, String subject, String ca) throws Exception {
    openssl(
        List.of(
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            path(name + ".key"),
            "-out",
            path(name + ".csr"),
            "-subj",
            subject));
    Path ext = TestKeys.write(dir, name + ".ext", "extendedKeyUsage=clientAuth\n");
    openssl(
        List.of(
            "x509",
            "-req",
            "-in",
            path(name + ".csr"),
            "-CA",
            path(ca + ".pem"),
            "-CAkey",
            path(ca + ".key"),
            "-CAcreateserial",
            "-out",
            path(name + ".pem"),
            "-days",
            "1",
            "-extfile",
            ext.toString()));
  }

  private void openssl(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(args);
    Path log = dir.resolve("openssl.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, Files.readString(log)).isZero();
  }

  /**
   * A key manager that offers {@code name}'s certificate to every server, whatever CAs the server
   * names in its certificate request (a standard client keeps a certificate of another CA to
   * itself).
   */
  public X509KeyManager alwaysPresent(String name) throws Exception {
    X509Certificate cert;
    try (var in = Files.newInputStream(dir.resolve(name + ".pem"))) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String pemKey = Files.readString(dir.resolve(name + ".key"));
    byte[] der =
        Base64.getMimeDecoder()
            .decode(pemKey.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    return new X509ExtendedKeyManager() {
      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {name};
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return name;
      }

      @Override
      public String chooseEngineClientAlias(
          String[] keyType, Principal[] issuers, SSLEngine engine) {
        return name;
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return new X509Certificate[] {cert};
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return key;
      }
    };
  }
}
