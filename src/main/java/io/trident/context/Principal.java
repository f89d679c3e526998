package io.trident.context;

import java.util.Map;
import java.util.Set;

/**
 * Who is calling. Built by the guard (or, until the auth chain exists, by the transport for a local
 * process) and carried by every {@link CallContext}; tools read it here and never re-parse headers.
 *
 * @param subject stable identifier of the caller
 * @param scopes granted scopes
 * @param credentialKind how the caller proved who it is, e.g. {@code local}, {@code jwt}
 * @param claims extra verified attributes (never secrets)
 */
public record Principal(
    String subject, Set<String> scopes, String credentialKind, Map<String, Object> claims) {

  public Principal {
    scopes = Set.copyOf(scopes);
    claims = Map.copyOf(claims);
  }

  /** The user that spawned this process, as on stdio. */
  public static Principal local(String user, Set<String> scopes) {
    return new Principal(user, scopes, "local", Map.of());
  }

  public boolean hasScope(String scope) {
    return scopes.contains(scope) || scopes.contains("*");
  }
}
