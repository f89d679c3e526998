package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.context.Principal;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificatePrincipalsTest {

  @TempDir Path dir;

  /** A self-signed certificate made by the JDK's keytool. */
  static X509Certificate certificate(Path dir, String dname, String san) throws Exception {
    Path store = dir.resolve("c" + System.nanoTime() + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                keytool,
                "-genkeypair",
                "-alias",
                "c",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                dname,
                "-validity",
                "1",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit"));
    if (san != null) {
      cmd.addAll(List.of("-ext", "SAN=" + san));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    return (X509Certificate) ks.getCertificate("c");
  }

  @Test
  void subjectGivesTheCommonNameAndConfiguredScopes() throws Exception {
    X509Certificate cert = certificate(dir, "CN=alice,OU=eng,O=Acme", null);
    Principal p =
        new CertificatePrincipals(new AuthSettings.Mtls("subject", List.of("tools:call")))
            .principal(List.of(cert));
    assertThat(p.subject()).isEqualTo("alice");
    assertThat(p.scopes()).containsExactly("tools:call");
    assertThat(p.credentialKind()).isEqualTo("mtls");
    assertThat((String) p.claims().get("dn")).contains("CN=alice").contains("O=Acme");
  }

  @Test
  void sanUriGivesTheFirstUriName() throws Exception {
    X509Certificate cert =
        certificate(dir, "CN=workload", "dns:w.acme.test,uri:spiffe://acme.test/ns/prod/sa/bot");
    Principal p =
        new CertificatePrincipals(new AuthSettings.Mtls("san-uri", null)).principal(List.of(cert));
    assertThat(p.subject()).isEqualTo("spiffe://acme.test/ns/prod/sa/bot");
  }

  @Test
  void sanUriRequiredButAbsentIsRefused() throws Exception {
    X509Certificate cert = certificate(dir, "CN=plain", null);
    CertificatePrincipals certs = new CertificatePrincipals(new AuthSettings.Mtls("san-uri", null));
    assertThatThrownBy(() -> certs.principal(List.of(cert))).isInstanceOf(AuthFailure.class);
  }

  @Test
  void noCertificateMeansNoPrincipal() {
    CertificatePrincipals certs = new CertificatePrincipals(new AuthSettings.Mtls(null, null));
    assertThat(certs.principal(null)).isNull();
    assertThat(certs.principal(List.of())).isNull();
  }

  @Test
  void subjectWithoutCommonNameFallsBackToTheDn() {
    assertThat(CertificatePrincipals.cn("OU=eng,O=Acme")).isEqualTo("OU=eng,O=Acme");
    assertThat(CertificatePrincipals.cn("CN=bob,O=Acme")).isEqualTo("bob");
  }
}
