package io.trident.auth;

import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the credentials of a request into a {@link Principal}, the same way on every transport.
 *
 * <p>The credential kinds are tried in the configured order and the first one <em>present</em>
 * decides: a refused JWT is never rescued by an API key, a certificate or anonymous access. A
 * bearer token or API key presented while its kind is not in the chain is refused too (the caller
 * expects it to count, and we cannot check it); a client certificate outside the chain is ignored,
 * since TLS may present one for reasons of its own. With no credential at all the caller is
 * anonymous when that is enabled, else unauthenticated.
 *
 * <p>Failures are {@link AuthFailure}s; map them to the wire in one place per transport.
 */
public final class AuthChain implements Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(AuthChain.class);

  private final AuthSettings settings;
  private final Principal localPrincipal;
  private final JwtVerifier jwt;
  private final ApiKeyStore apiKeys;
  private final CertificatePrincipals certificates;
  private final ScopePolicy scopes;
  private volatile List<String> declaredScopes = List.of();

  private AuthChain(
      AuthSettings settings, Principal localPrincipal, JwtVerifier jwt, ApiKeyStore apiKeys) {
    this.settings = settings;
    this.localPrincipal = localPrincipal;
    this.jwt = jwt;
    this.apiKeys = apiKeys;
    this.certificates = new CertificatePrincipals(settings.mtls());
    this.scopes = new ScopePolicy(settings.scopes());
  }

  /**
   * Loads the configured keys (files on a worker thread, a JWKS URL over HTTP) and returns the
   * chain. Fails when a key file cannot be read or parsed, with a message fit for the command line.
   *
   * @param localPrincipal the stdio caller, from the {@code local:} section
   */
  public static Future<AuthChain> create(
      Vertx vertx, AuthSettings settings, Principal localPrincipal) {
    Future<JwtVerifier> jwt =
        settings.jwt().configured()
            ? JwtVerifier.create(vertx, settings.jwt())
            : Future.succeededFuture();
    Future<ApiKeyStore> keys =
        settings.apiKeys().configured()
            ? ApiKeyStore.create(vertx, settings.apiKeys())
            : Future.succeededFuture();
    return Future.all(jwt, keys)
        .transform(
            ar -> {
              if (ar.failed()) {
                if (jwt.succeeded() && jwt.result() != null) {
                  jwt.result().close();
                }
                if (keys.succeeded() && keys.result() != null) {
                  keys.result().close();
                }
                Throwable cause = ar.cause();
                while (cause.getCause() != null
                    && !(cause instanceof java.nio.file.NoSuchFileException)) {
                  cause = cause.getCause();
                }
                String why =
                    cause instanceof java.nio.file.NoSuchFileException
                        ? "file not found: " + cause.getMessage()
                        : cause.getMessage();
                return Future.failedFuture(
                    new IllegalArgumentException("auth: cannot load keys: " + why, ar.cause()));
              }
              return Future.succeededFuture(
                  new AuthChain(settings, localPrincipal, jwt.result(), keys.result()));
            });
  }

  /** True when at least one credential kind is in the chain. */
  public boolean isConfigured() {
    return !settings.chain().isEmpty();
  }

  /** True when callers without credentials are let in. */
  public boolean anonymousEnabled() {
    return settings.anonymous().enabled();
  }

  public ScopePolicy scopes() {
    return scopes;
  }

  public AuthSettings settings() {
    return settings;
  }

  /**
   * The principal of a network request (HTTP, gRPC).
   *
   * @return a future failed with {@link AuthFailure} when the caller is not let in
   */
  @Override
  public Future<Principal> authenticate(Credentials credentials) {
    Credentials c = credentials == null ? Credentials.none() : credentials;
    for (String kind : settings.chain()) {
      switch (kind) {
        case AuthSettings.JWT -> {
          if (c.bearerToken() != null) {
            return jwt.verify(c.bearerToken());
          }
        }
        case AuthSettings.API_KEY -> {
          if (c.apiKey() != null) {
            try {
              return Future.succeededFuture(apiKeys.authenticate(c.apiKey()));
            } catch (AuthFailure f) {
              return Future.failedFuture(f);
            }
          }
        }
        case AuthSettings.MTLS -> {
          if (c.peerCertificates() != null) {
            try {
              return Future.succeededFuture(certificates.principal(c.peerCertificates()));
            } catch (AuthFailure f) {
              return Future.failedFuture(f);
            }
          }
        }
        default -> throw new IllegalStateException("unknown credential kind " + kind);
      }
    }
    if (c.bearerToken() != null || c.apiKey() != null) {
      LOG.debug("credential refused: its kind is not in auth.chain {}", settings.chain());
      return Future.failedFuture(AuthFailure.invalid());
    }
    if (settings.anonymous().enabled()) {
      return Future.succeededFuture(anonymous());
    }
    return Future.failedFuture(AuthFailure.missing());
  }

  /**
   * The principal of the stdio caller: the local user with the local scopes, or, when {@code
   * auth.local.tokenEnv} names a variable, the principal of the bearer token it holds (the variable
   * must then be set).
   */
  public Future<Principal> authenticateLocal() {
    return authenticateLocal(System::getenv);
  }

  /** As {@link #authenticateLocal()}, reading variables from {@code env}. */
  public Future<Principal> authenticateLocal(Function<String, String> env) {
    String name = settings.local().tokenEnv();
    if (name == null) {
      return Future.succeededFuture(localPrincipal);
    }
    String token = env.apply(name);
    if (token == null || token.isBlank()) {
      LOG.debug("local token refused: environment variable {} is not set", name);
      return Future.failedFuture(AuthFailure.missing());
    }
    return jwt.verify(token.strip());
  }

  /**
   * Whether the credential behind {@code principal} still holds at its source; the stream guard
   * asks on re-checks. API keys: the keys file (revoked or removed entries end their streams).
   * Other kinds: their expiry and revocations are watched by the stream guard itself.
   */
  public boolean credentialStillValid(Principal principal) {
    if (API_KEY_KIND.equals(principal.credentialKind()) && apiKeys != null) {
      return apiKeys.stillValid(principal);
    }
    return true;
  }

  private static final String API_KEY_KIND = "apiKey";

  /**
   * The RFC 9728 protected-resource metadata of this server.
   *
   * @param resourceUrl the URL of the protected resource, as the transport serves it
   * @param declaredScopes scopes the backend declares (e.g. of its tools), added to {@code
   *     scopes_supported}
   */
  public JsonObject protectedResourceMetadata(
      String resourceUrl, Collection<String> declaredScopes) {
    return ProtectedResourceMetadata.document(
        resourceUrl, settings.metadata(), scopes.allScopes(declaredScopes));
  }

  /**
   * Scopes that backend targets declare (e.g. a tool's {@code requiredScope}), listed in {@code
   * scopes_supported} besides those of the policy.
   */
  public AuthChain withDeclaredScopes(Collection<String> declared) {
    this.declaredScopes = List.copyOf(declared);
    return this;
  }

  @Override
  public JsonObject resourceMetadata(String resourceUrl) {
    return protectedResourceMetadata(resourceUrl, declaredScopes);
  }

  /** Stops timers and closes the JWKS HTTP client. */
  public Future<Void> close() {
    Future<Void> a = jwt == null ? Future.succeededFuture() : jwt.close();
    Future<Void> b = apiKeys == null ? Future.succeededFuture() : apiKeys.close();
    return Future.all(a, b).mapEmpty();
  }

  private Principal anonymous() {
    return new Principal(
        "anonymous", new HashSet<>(settings.anonymous().scopes()), "anonymous", Map.of());
  }

  /** For tests: the credential kinds in order. */
  List<String> chain() {
    return settings.chain();
  }
}
