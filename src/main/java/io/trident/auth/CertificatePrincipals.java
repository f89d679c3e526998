package io.trident.auth;

import io.trident.context.Principal;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The principal of a client certificate chain the TLS layer has already verified against the client
 * CA. Checking the chain is not done here: this class only names the caller.
 */
public final class CertificatePrincipals {

  private static final Logger LOG = LoggerFactory.getLogger(CertificatePrincipals.class);

  /** GeneralName type of a URI (RFC 5280 section 4.2.1.6). */
  private static final int SAN_URI = 6;

  private final AuthSettings.Mtls settings;

  public CertificatePrincipals(AuthSettings.Mtls settings) {
    this.settings = settings;
  }

  /**
   * The principal of {@code chain} (leaf first), or null when there is no certificate.
   *
   * @throws AuthFailure {@link AuthFailure#invalid()} when the leaf lacks what {@code
   *     principalFrom} names (a SAN URI)
   */
  public Principal principal(List<X509Certificate> chain) {
    if (chain == null || chain.isEmpty()) {
      return null;
    }
    X509Certificate leaf = chain.get(0);
    String dn = leaf.getSubjectX500Principal().getName(X500Principal.RFC2253);
    String subject =
        AuthSettings.Mtls.SAN_URI.equals(settings.principalFrom()) ? firstSanUri(leaf) : cn(dn);
    if (subject == null || subject.isBlank()) {
      LOG.debug("client certificate refused: it has no {}", settings.principalFrom());
      throw AuthFailure.invalid();
    }
    return new Principal(subject, new HashSet<>(settings.scopes()), "mtls", Map.of("dn", dn));
  }

  /** The CN of {@code dn}, or the whole DN when it has none. */
  static String cn(String dn) {
    try {
      List<Rdn> rdns = new LdapName(dn).getRdns();
      // LdapName lists RDNs from the root; the most specific CN is the last one.
      for (int i = rdns.size() - 1; i >= 0; i--) {
        if ("CN".equalsIgnoreCase(rdns.get(i).getType())) {
          return String.valueOf(rdns.get(i).getValue());
        }
      }
    } catch (InvalidNameException e) {
      LOG.debug("client certificate subject is not a parsable DN");
    }
    return dn;
  }

  private static String firstSanUri(X509Certificate cert) {
    try {
      Collection<List<?>> names = cert.getSubjectAlternativeNames();
      if (names == null) {
        return null;
      }
      for (List<?> name : names) {
        if (name.size() >= 2
            && name.get(0) instanceof Integer type
            && type == SAN_URI
            && name.get(1) instanceof String uri) {
          return uri;
        }
      }
    } catch (CertificateParsingException e) {
      LOG.debug("client certificate has unreadable subject alternative names");
    }
    return null;
  }
}
