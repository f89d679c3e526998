package io.trident.auth;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.trident.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code auth:} section of the configuration. Every key is optional; an absent section means no
 * credential kind is configured (see {@link AuthChain#isConfigured()}). Invalid combinations are
 * refused when the file is read, with a message naming the key.
 *
 * @param chain order in which credential kinds are tried: {@code jwt}, {@code apiKey}, {@code
 *     mtls}. The first kind whose credential is present decides. Default: the configured kinds in
 *     that order ({@code mtls} counts as configured when its section is present).
 * @param anonymous what a caller without any credential gets
 * @param jwt bearer JWT verification
 * @param apiKeys the {@code X-MCP-API-Key} keys file
 * @param mtls the principal of a verified client certificate
 * @param local the stdio caller
 * @param scopes overrides of the scope table
 * @param metadata the RFC 9728 protected-resource metadata document
 */
public record AuthSettings(
    @JsonProperty("chain") List<String> chain,
    @JsonProperty("anonymous") Anonymous anonymous,
    @JsonProperty("jwt") Jwt jwt,
    @JsonProperty("apiKeys") ApiKeys apiKeys,
    @JsonProperty("mtls") Mtls mtls,
    @JsonProperty("local") Local local,
    @JsonProperty("scopes") Scopes scopes,
    @JsonProperty("metadata") Metadata metadata) {

  /** Names of the credential kinds as written in {@code chain}. */
  public static final String JWT = "jwt";

  public static final String API_KEY = "apiKey";
  public static final String MTLS = "mtls";

  public AuthSettings {
    anonymous = anonymous == null ? new Anonymous(null, null) : anonymous;
    jwt = jwt == null ? Jwt.none() : jwt;
    apiKeys = apiKeys == null ? new ApiKeys(null, null) : apiKeys;
    boolean mtlsGiven = mtls != null;
    mtls = mtls == null ? new Mtls(null, null) : mtls;
    local = local == null ? new Local(null) : local;
    scopes = scopes == null ? new Scopes(null, null, null, null) : scopes;
    metadata = metadata == null ? new Metadata(null, null) : metadata;
    if (chain == null) {
      List<String> configured = new ArrayList<>();
      if (jwt.configured()) {
        configured.add(JWT);
      }
      if (apiKeys.configured()) {
        configured.add(API_KEY);
      }
      if (mtlsGiven) {
        configured.add(MTLS);
      }
      chain = List.copyOf(configured);
    } else {
      chain = List.copyOf(chain);
      for (String kind : chain) {
        switch (kind) {
          case JWT -> {
            if (!jwt.configured()) {
              throw new IllegalArgumentException(
                  "auth.chain names jwt but auth.jwt has no key"
                      + " (secretFile, publicKeyFiles, jwksFile or jwksUrl)");
            }
          }
          case API_KEY -> {
            if (!apiKeys.configured()) {
              throw new IllegalArgumentException(
                  "auth.chain names apiKey but auth.apiKeys.file is not set");
            }
          }
          case MTLS -> {
            // Nothing to check: the TLS layer verifies certificates against the client CA.
          }
          default ->
              throw new IllegalArgumentException(
                  "auth.chain: unknown credential kind '" + kind + "' (use jwt, apiKey, mtls)");
        }
      }
      if (chain.stream().distinct().count() != chain.size()) {
        throw new IllegalArgumentException("auth.chain names a credential kind twice");
      }
    }
    if (local.tokenEnv() != null && !jwt.configured()) {
      throw new IllegalArgumentException("auth.local.tokenEnv needs auth.jwt to be configured");
    }
  }

  /** No credential kind configured, anonymous off. */
  public static AuthSettings defaults() {
    return new AuthSettings(null, null, null, null, null, null, null, null);
  }

  /** A caller that presents no credential at all. */
  public record Anonymous(
      @JsonProperty("enabled") Boolean enabled, @JsonProperty("scopes") List<String> scopes) {
    public Anonymous {
      enabled = enabled != null && enabled;
      scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }
  }

  /**
   * Bearer JWTs. At least one key source makes JWT configured; then {@code issuer} and {@code
   * audience} are required. Only the algorithms of the configured keys are accepted.
   *
   * @param secretFile a file holding the HS256 secret (at least 32 bytes; a trailing newline is
   *     ignored)
   * @param publicKeyFiles PEM files ({@code PUBLIC KEY} or {@code CERTIFICATE}) of RSA (RS256) or
   *     EC (ES256/384/512 by curve) keys
   * @param jwksFile a local JWKS document
   * @param jwksUrl a JWKS URL, fetched at start and again when a token names an unknown {@code kid}
   * @param jwksRefreshMinInterval least time between two fetches of {@code jwksUrl} (default 30s)
   * @param jwksRefreshInterval time between routine fetches of {@code jwksUrl} (default 15m), so
   *     removed keys stop being accepted
   * @param issuer the required {@code iss}
   * @param audience the accepted {@code aud} values (one or a list); a token must name one
   * @param leeway clock skew allowed on {@code exp}, {@code nbf} and {@code iat} (default 30s)
   * @param scopeClaim the claim holding scopes (default {@code scope}); {@code scp} is read when it
   *     is absent. Either a space-separated string or an array.
   * @param cacheSize how many verified tokens are remembered until their expiry (default 10000)
   */
  public record Jwt(
      @JsonProperty("secretFile") String secretFile,
      @JsonProperty("publicKeyFiles") List<String> publicKeyFiles,
      @JsonProperty("jwksFile") String jwksFile,
      @JsonProperty("jwksUrl") String jwksUrl,
      @JsonProperty("jwksRefreshMinInterval") String jwksRefreshMinInterval,
      @JsonProperty("jwksRefreshInterval") String jwksRefreshInterval,
      @JsonProperty("issuer") String issuer,
      @JsonProperty("audience") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
          List<String> audience,
      @JsonProperty("leeway") String leeway,
      @JsonProperty("scopeClaim") String scopeClaim,
      @JsonProperty("cacheSize") Integer cacheSize) {

    public Jwt {
      publicKeyFiles = publicKeyFiles == null ? List.of() : List.copyOf(publicKeyFiles);
      audience = audience == null ? List.of() : List.copyOf(audience);
      jwksRefreshMinInterval = jwksRefreshMinInterval == null ? "30s" : jwksRefreshMinInterval;
      jwksRefreshInterval = jwksRefreshInterval == null ? "15m" : jwksRefreshInterval;
      leeway = leeway == null ? "30s" : leeway;
      scopeClaim = scopeClaim == null ? "scope" : scopeClaim;
      cacheSize = cacheSize == null ? 10_000 : cacheSize;
      Durations.parse(jwksRefreshMinInterval);
      Durations.parse(jwksRefreshInterval);
      Durations.parse(leeway);
      if (cacheSize < 0) {
        throw new IllegalArgumentException("auth.jwt.cacheSize must not be negative");
      }
      // Fields are assigned only after this constructor body: test the parameters, not
      // configured().
      boolean anyKey =
          secretFile != null || !publicKeyFiles.isEmpty() || jwksFile != null || jwksUrl != null;
      if (anyKey) {
        if (issuer == null || issuer.isBlank()) {
          throw new IllegalArgumentException("auth.jwt.issuer is required when a JWT key is set");
        }
        if (audience.isEmpty()) {
          throw new IllegalArgumentException("auth.jwt.audience is required when a JWT key is set");
        }
      }
      if (jwksUrl != null && !secureOrLocal(jwksUrl)) {
        throw new IllegalArgumentException(
            "auth.jwt.jwksUrl must use https (plain http only to localhost)");
      }
    }

    private static boolean secureOrLocal(String url) {
      java.net.URI uri;
      try {
        uri = java.net.URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("auth.jwt.jwksUrl is not a URL: " + url);
      }
      String host = uri.getHost();
      return "https".equals(uri.getScheme())
          || ("http".equals(uri.getScheme())
              && ("127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host)));
    }

    static Jwt none() {
      return new Jwt(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** True when at least one key source is set. */
    public boolean configured() {
      return secretFile != null || !publicKeyFiles.isEmpty() || jwksFile != null || jwksUrl != null;
    }

    public Duration leewayDuration() {
      return Durations.parse(leeway);
    }

    public Duration refreshMinInterval() {
      return Durations.parse(jwksRefreshMinInterval);
    }

    public Duration refreshInterval() {
      return Durations.parse(jwksRefreshInterval);
    }
  }

  /**
   * API keys, stored as hashes only (see {@link ApiKeyStore} for the file format).
   *
   * @param file the keys file (YAML or JSON)
   * @param reloadInterval how often the file is checked for changes, so removing or revoking a key
   *     takes effect without a restart (default 30s)
   */
  public record ApiKeys(
      @JsonProperty("file") String file, @JsonProperty("reloadInterval") String reloadInterval) {
    public ApiKeys {
      reloadInterval = reloadInterval == null ? "30s" : reloadInterval;
      Durations.parse(reloadInterval);
    }

    public boolean configured() {
      return file != null;
    }

    public Duration reloadDuration() {
      return Durations.parse(reloadInterval);
    }
  }

  /**
   * Client certificates, already verified by the TLS layer against the client CA.
   *
   * @param principalFrom {@code subject} (the CN, or the whole DN when there is no CN) or {@code
   *     san-uri} (the first URI subject alternative name, e.g. a SPIFFE id)
   * @param scopes the scopes every certificate principal gets
   */
  public record Mtls(
      @JsonProperty("principalFrom") String principalFrom,
      @JsonProperty("scopes") List<String> scopes) {
    public static final String SUBJECT = "subject";
    public static final String SAN_URI = "san-uri";

    public Mtls {
      principalFrom = principalFrom == null ? SUBJECT : principalFrom;
      scopes = scopes == null ? List.of() : List.copyOf(scopes);
      if (!SUBJECT.equals(principalFrom) && !SAN_URI.equals(principalFrom)) {
        throw new IllegalArgumentException(
            "auth.mtls.principalFrom must be subject or san-uri, not '" + principalFrom + "'");
      }
    }
  }

  /**
   * The stdio caller. Its user and scopes live in the top-level {@code local:} section.
   *
   * @param tokenEnv when set, the name of an environment variable whose bearer token is verified
   *     like any JWT; the variable must then be set
   */
  public record Local(@JsonProperty("tokenEnv") String tokenEnv) {}

  /**
   * Overrides of the scope table. A blank value means "no scope needed".
   *
   * @param methods MCP method to scope, e.g. {@code tools/list: tools:list}
   * @param tools tool name to scope (wins over the scope the tool declares)
   * @param resources resource URI or URI template to scope
   * @param prompts prompt name to scope
   */
  public record Scopes(
      @JsonProperty("methods") Map<String, String> methods,
      @JsonProperty("tools") Map<String, String> tools,
      @JsonProperty("resources") Map<String, String> resources,
      @JsonProperty("prompts") Map<String, String> prompts) {
    public Scopes {
      methods = copy(methods);
      tools = copy(tools);
      resources = copy(resources);
      prompts = copy(prompts);
    }

    private static Map<String, String> copy(Map<String, String> map) {
      if (map == null) {
        return Map.of();
      }
      // Map.copyOf refuses null values, and YAML "key:" with nothing reads as null: keep it as "".
      Map<String, String> out = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> out.put(k, v == null ? "" : v));
      return java.util.Collections.unmodifiableMap(out);
    }
  }

  /**
   * The RFC 9728 document.
   *
   * @param authorizationServers issuer URLs of the authorization servers clients should use
   * @param resourceName a human-readable name (default {@code Trident})
   */
  public record Metadata(
      @JsonProperty("authorizationServers") List<String> authorizationServers,
      @JsonProperty("resourceName") String resourceName) {
    public Metadata {
      authorizationServers =
          authorizationServers == null ? List.of() : List.copyOf(authorizationServers);
      resourceName = resourceName == null ? "Trident" : resourceName;
    }
  }
}
