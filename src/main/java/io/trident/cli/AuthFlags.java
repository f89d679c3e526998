package io.trident.cli;

import io.trident.auth.AuthSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The quick-start auth flags. Each overrides one documented key of the {@code auth:} section, so a
 * set-up that outgrows flags moves to the config file unchanged.
 */
final class AuthFlags {

  @Option(
      names = "--jwt-secret-file",
      paramLabel = "FILE",
      description = "HS256 secret for bearer JWTs (auth.jwt.secretFile)")
  Path jwtSecretFile;

  @Option(
      names = "--jwt-public-key",
      paramLabel = "FILE",
      description =
          "RS256/ES256 public key or certificate PEM; repeatable (auth.jwt.publicKeyFiles)")
  List<Path> jwtPublicKeys = new ArrayList<>();

  @Option(
      names = "--jwks-file",
      paramLabel = "FILE",
      description = "local JWKS file (auth.jwt.jwksFile)")
  Path jwksFile;

  @Option(
      names = "--jwks-url",
      paramLabel = "URL",
      description = "JWKS URL, refreshed on key rotation (auth.jwt.jwksUrl)")
  String jwksUrl;

  @Option(
      names = "--jwt-issuer",
      paramLabel = "ISS",
      description = "required iss of bearer JWTs (auth.jwt.issuer)")
  String jwtIssuer;

  @Option(
      names = "--jwt-audience",
      paramLabel = "AUD",
      description = "accepted aud of bearer JWTs; repeatable (auth.jwt.audience)")
  List<String> jwtAudience = new ArrayList<>();

  @Option(
      names = "--api-keys-file",
      paramLabel = "FILE",
      description = "hashed API keys (auth.apiKeys.file)")
  Path apiKeysFile;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "TLS certificate chain PEM for the network transports")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "TLS private key PEM")
  Path tlsKey;

  @Option(
      names = "--tls-client-ca",
      paramLabel = "FILE",
      description = "CA PEM that client certificates must chain to: turns on mTLS")
  Path tlsClientCa;

  @Option(
      names = "--no-auth",
      description =
          "let every network caller in with every scope: local development only, refused unless"
              + " bound to loopback")
  boolean noAuth;

  /** {@code base} with what the flags set put in place; new credential kinds join the chain. */
  AuthSettings applyTo(AuthSettings base) {
    AuthSettings.Jwt j = base.jwt();
    List<String> publicKeys = new ArrayList<>(j.publicKeyFiles());
    jwtPublicKeys.forEach(p -> publicKeys.add(p.toString()));
    AuthSettings.Jwt jwt =
        new AuthSettings.Jwt(
            jwtSecretFile != null ? jwtSecretFile.toString() : j.secretFile(),
            publicKeys,
            jwksFile != null ? jwksFile.toString() : j.jwksFile(),
            jwksUrl != null ? jwksUrl : j.jwksUrl(),
            j.jwksRefreshMinInterval(),
            j.jwksRefreshInterval(),
            jwtIssuer != null ? jwtIssuer : j.issuer(),
            jwtAudience.isEmpty() ? j.audience() : jwtAudience,
            j.leeway(),
            j.scopeClaim(),
            j.cacheSize());
    AuthSettings.ApiKeys keys =
        apiKeysFile != null
            ? new AuthSettings.ApiKeys(apiKeysFile.toString(), base.apiKeys().reloadInterval())
            : base.apiKeys();
    boolean mtls = tlsClientCa != null || base.chain().contains(AuthSettings.MTLS);
    List<String> chain = new ArrayList<>(base.chain());
    if (jwt.configured() && !chain.contains(AuthSettings.JWT)) {
      chain.add(AuthSettings.JWT);
    }
    if (keys.configured() && !chain.contains(AuthSettings.API_KEY)) {
      chain.add(AuthSettings.API_KEY);
    }
    if (mtls && !chain.contains(AuthSettings.MTLS)) {
      chain.add(AuthSettings.MTLS);
    }
    return new AuthSettings(
        chain,
        base.anonymous(),
        jwt,
        keys,
        base.mtls(),
        base.local(),
        base.scopes(),
        base.metadata());
  }

  /** The same settings with one more API key file in the chain (the development key). */
  static AuthSettings withApiKeysFile(AuthSettings base, Path file) {
    List<String> chain = new ArrayList<>(base.chain());
    chain.add(AuthSettings.API_KEY);
    return new AuthSettings(
        chain,
        base.anonymous(),
        base.jwt(),
        new AuthSettings.ApiKeys(file.toString(), null),
        base.mtls(),
        base.local(),
        base.scopes(),
        base.metadata());
  }
}
