package io.trident.audit;

import io.trident.auth.AuthSettings;
import io.trident.auth.LimitSettings;
import io.trident.auth.ScopePolicy;
import io.trident.config.Durations;
import io.trident.upstream.UpstreamSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reviews a {@link Posture} control by control (the controls SPEC.md §7 and the README promise) and
 * says, for each, its state, a {@link Severity} and the key that changes it. It starts nothing and
 * contacts nothing; it only reads the configuration and the attributes of the files it names.
 */
public final class PostureAudit {

  /** Caps above these let one request hold that much memory or time: worth a second look. */
  static final long LARGE_BODY_BYTES = 16L * 1024 * 1024;

  static final Duration LONG_DEADLINE = Duration.ofMinutes(5);

  private final Posture posture;
  private final List<Finding> findings = new ArrayList<>();

  private PostureAudit(Posture posture) {
    this.posture = posture;
  }

  /** The findings, in a stable order: listeners, auth, scopes, caps, stores, upstreams, process. */
  public static List<Finding> review(Posture posture) {
    PostureAudit audit = new PostureAudit(posture);
    audit.listeners();
    audit.authentication();
    audit.scopes();
    audit.deadlines();
    audit.caps();
    audit.rateLimits();
    audit.revocation();
    audit.upstreams();
    audit.secretFiles();
    audit.process();
    return List.copyOf(audit.findings);
  }

  /** True when a finding is critical: {@code trident audit} then exits 1. */
  public static boolean anyCritical(List<Finding> findings) {
    return findings.stream().anyMatch(f -> f.severity() == Severity.CRITICAL);
  }

  private void add(Finding finding) {
    findings.add(finding);
  }

  private void listeners() {
    if (posture.listeners().isEmpty()) {
      add(Finding.info("exposure", "no network listener: stdio only", "--transport"));
    }
    for (Listener l : posture.listeners()) {
      String where = l.host() + ":" + (l.port() == 0 ? "<free port>" : l.port());
      String hostKey = l.keyPrefix() + ".host" + (l.name().equals("admin") ? "" : " / --host");
      if (l.loopback()) {
        add(Finding.ok("exposure." + l.name(), "listens on " + where + ": loopback only", hostKey));
      } else if (l.anyAddress()) {
        add(
            Finding.warning(
                "exposure." + l.name(),
                "listens on " + where + ": every interface",
                hostKey + " (bind the one interface meant to serve)"));
      } else {
        add(
            Finding.info(
                "exposure." + l.name(),
                "listens on " + where + ": reachable off this host",
                hostKey));
      }
      tls(l);
    }
    for (Listener l : posture.listeners()) {
      if (l.name().equals("grpc")) {
        add(
            posture.grpcReflection()
                ? Finding.warning(
                    "grpc.reflection",
                    "server reflection on: it maps the whole surface to any caller",
                    "grpc.reflection / --grpc-reflection")
                : Finding.ok("grpc.reflection", "server reflection off", "grpc.reflection"));
      }
    }
    if (posture.allowedOrigins().contains("*")) {
      add(
          Finding.warning(
              "http.origins",
              "any Origin is accepted: browsers on any site may call the server",
              "http.allowedOrigins"));
    }
    mtls();
  }

  private void tls(Listener l) {
    String control = "tls." + l.name();
    if (l.name().equals("admin")) {
      // The admin listener has no TLS of its own: it is meant for loopback.
      add(
          l.loopback()
              ? Finding.info(
                  control, "plaintext HTTP, allowed: loopback bind", "admin.host (keep loopback)")
              : Finding.critical(
                  control,
                  "plaintext HTTP off loopback: admin credentials travel in clear",
                  "admin.host (bind 127.0.0.1)"));
      return;
    }
    String keys = l.keyPrefix() + ".tlsCert, " + l.keyPrefix() + ".tlsKey / --tls-cert, --tls-key";
    if (l.tls()) {
      add(
          Finding.ok(
              control,
              "TLS 1.2 and 1.3 only, ALPN " + (l.name().equals("grpc") ? "h2" : "h2, http/1.1"),
              keys));
    } else if (l.loopback()) {
      add(Finding.info(control, "plaintext, allowed: loopback bind", keys));
    } else {
      add(
          Finding.critical(
              control, "plaintext off loopback: credentials and data travel in clear", keys));
    }
  }

  private void mtls() {
    List<Listener> withCa = posture.listeners().stream().filter(l -> l.clientCa() != null).toList();
    boolean inChain = posture.auth().chain().contains(AuthSettings.MTLS);
    boolean network = posture.listeners().stream().anyMatch(l -> !l.name().equals("admin"));
    if (!network) {
      return;
    }
    if (!withCa.isEmpty()) {
      add(
          Finding.ok(
              "mtls",
              "client certificates verified on "
                  + String.join(", ", withCa.stream().map(Listener::name).toList())
                  + "; principal from "
                  + posture.auth().mtls().principalFrom()
                  + (inChain
                      ? ""
                      : " (mtls is not in auth.chain: certificates yield no principal)"),
              "http.tlsClientCa, grpc.tlsClientCa / --tls-client-ca"));
    } else if (inChain) {
      add(
          Finding.warning(
              "mtls",
              "auth.chain names mtls but no listener has a client CA: no certificate is verified",
              "http.tlsClientCa, grpc.tlsClientCa / --tls-client-ca"));
    } else {
      add(Finding.info("mtls", "off: no client CA", "--tls-client-ca / http.tlsClientCa"));
    }
  }

  private void authentication() {
    AuthSettings auth = posture.auth();
    switch (posture.authMode()) {
      case STDIO_ONLY ->
          add(
              Finding.info(
                  "auth",
                  "stdio only: the caller is "
                      + (auth.local().tokenEnv() != null
                          ? "the holder of the JWT in $" + auth.local().tokenEnv()
                          : "local user "
                              + posture.localUser()
                              + " with scopes "
                              + posture.localScopes()),
                  "local.user, local.scopes, auth.local.tokenEnv"));
      case NO_AUTH ->
          add(
              Finding.warning(
                  "auth",
                  "--no-auth: every network caller is let in with every scope (loopback only)",
                  "--no-auth (configure auth.jwt, auth.apiKeys or mTLS)"));
      case DEVELOPMENT_KEY ->
          add(
              Finding.warning(
                  "auth",
                  "nothing configured: a one-off development API key with every scope (loopback"
                      + " only)",
                  "auth.jwt, auth.apiKeys.file, --tls-client-ca"));
      case CONFIGURED ->
          add(
              Finding.ok(
                  "auth",
                  auth.chain().isEmpty()
                      ? "anonymous access only"
                      : "credential chain " + auth.chain() + describeJwt(auth.jwt()),
                  "auth.chain, auth.jwt, auth.apiKeys.file"));
    }
    if (posture.authMode() == Posture.AuthMode.CONFIGURED && auth.anonymous().enabled()) {
      List<String> scopes = auth.anonymous().scopes();
      add(
          scopes.contains("*")
              ? Finding.critical(
                  "auth.anonymous",
                  "callers without credentials get every scope (*)",
                  "auth.anonymous.enabled, auth.anonymous.scopes")
              : Finding.warning(
                  "auth.anonymous",
                  "callers without credentials are let in with scopes " + scopes,
                  "auth.anonymous.enabled, auth.anonymous.scopes"));
    }
    if (auth.jwt().configured()) {
      Duration leeway = auth.jwt().leewayDuration();
      if (leeway.compareTo(Duration.ofMinutes(5)) > 0) {
        add(
            Finding.warning(
                "auth.jwt.leeway",
                "expired tokens are accepted for " + format(leeway),
                "auth.jwt.leeway"));
      }
    }
  }

  private static String describeJwt(AuthSettings.Jwt jwt) {
    if (!jwt.configured()) {
      return "";
    }
    List<String> keys = new ArrayList<>();
    if (jwt.secretFile() != null) {
      keys.add("HS256 secret");
    }
    if (!jwt.publicKeyFiles().isEmpty()) {
      keys.add(jwt.publicKeyFiles().size() + " public key(s)");
    }
    if (jwt.jwksFile() != null) {
      keys.add("JWKS file");
    }
    if (jwt.jwksUrl() != null) {
      keys.add("JWKS URL");
    }
    return "; JWT: "
        + String.join(", ", keys)
        + ", issuer "
        + jwt.issuer()
        + ", audience "
        + jwt.audience();
  }

  private void scopes() {
    if (posture.authMode() == Posture.AuthMode.NO_AUTH) {
      add(
          Finding.warning(
              "scopes",
              "not enforced for network callers: --no-auth grants every scope",
              "--no-auth"));
      return;
    }
    AuthSettings.Scopes overrides = posture.auth().scopes();
    ScopePolicy policy = new ScopePolicy(overrides);
    for (String method : ScopePolicy.DEFAULT_METHOD_SCOPES.keySet()) {
      String scope = policy.methodScope(method);
      String key = "auth.scopes.methods." + method;
      if (scope == null || scope.isEmpty()) {
        add(
            Finding.warning(
                "scope.method." + method, "needs no scope: every authenticated caller may", key));
      } else {
        add(
            Finding.ok(
                "scope.method." + method,
                "needs " + scope + (overrides.methods().containsKey(method) ? " (overridden)" : ""),
                key));
      }
    }
    for (Posture.ToolScope tool : posture.tools()) {
      String scope = policy.toolScope(tool.name(), tool.declaredScope());
      String key = "auth.scopes.tools." + tool.name();
      add(
          scope == null || scope.isEmpty()
              ? Finding.info(
                  "scope.tool." + tool.name(), "needs tools:call only (no scope of its own)", key)
              : Finding.ok("scope.tool." + tool.name(), "needs tools:call and " + scope, key));
    }
  }

  private void deadlines() {
    Duration cap = posture.options().requestTimeout();
    add(
        cap.compareTo(LONG_DEADLINE) > 0
            ? Finding.warning(
                "deadline.server",
                "each request may run " + format(cap) + " (more than 5 minutes)",
                "server.requestTimeout")
            : Finding.ok(
                "deadline.server",
                "each request is cut off after " + format(cap),
                "server.requestTimeout"));
    posture
        .options()
        .toolTimeouts()
        .forEach(
            (tool, d) ->
                add(
                    Finding.ok(
                        "deadline.tool." + tool,
                        "calls capped at "
                            + format(d)
                            + (d.compareTo(cap) > 0
                                ? " (server.requestTimeout, shorter, applies first)"
                                : ""),
                        "server.toolTimeouts." + tool)));
  }

  private void caps() {
    if (posture.maxBodyBytes() >= 0) {
      add(byteCap("cap.http.body", "request bodies", posture.maxBodyBytes(), "http.maxBodyBytes"));
    }
    if (posture.maxMessageBytes() >= 0) {
      add(
          byteCap(
              "cap.grpc.message", "messages", posture.maxMessageBytes(), "grpc.maxMessageBytes"));
    }
    if (posture.stdio()) {
      add(byteCap("cap.stdio.line", "lines", posture.maxLineBytes(), "stdio.maxLineBytes"));
    }
  }

  private static Finding byteCap(String control, String what, long bytes, String key) {
    String state = what + " up to " + bytes + " bytes";
    return bytes > LARGE_BODY_BYTES
        ? Finding.warning(control, state + " (more than 16 MiB per request)", key)
        : Finding.ok(control, state, key);
  }

  private void rateLimits() {
    LimitSettings limits = posture.limits();
    if (!limits.enabled()) {
      add(
          Finding.warning(
              "limits", "rate limits off: one caller may take the whole server", "limits.enabled"));
      return;
    }
    add(
        Finding.ok(
            "limits",
            "per principal "
                + limits.perPrincipal().rate()
                + " (burst "
                + limits.perPrincipal().toRate("limits.perPrincipal").burst()
                + "), anonymous "
                + limits.anonymous().rate()
                + ", "
                + limits.tools().size()
                + " tool and "
                + limits.upstreams().size()
                + " upstream limit(s)"
                + (limits.local() ? ", local callers limited too" : ""),
            "limits.perPrincipal, limits.tools, limits.upstreams"));
    add(
        limits.maxInFlightPerPrincipal() == 0
            ? Finding.warning(
                "limits.inFlight",
                "no cap on requests running at once per principal",
                "limits.maxInFlightPerPrincipal")
            : Finding.ok(
                "limits.inFlight",
                "at most " + limits.maxInFlightPerPrincipal() + " requests at once per principal",
                "limits.maxInFlightPerPrincipal"));
  }

  private void revocation() {
    if (!posture.redis().configured()) {
      add(
          Finding.info(
              "revocation.store",
              "in memory: revocations reach this instance only",
              "redis.url / --redis"));
    } else {
      io.trident.store.RedisSettings redis = posture.redis();
      boolean plainOffLoopback = false;
      for (String url : redis.endpoints()) {
        if (url.startsWith("redis://") && !UpstreamSettings.isLoopback(redisHost(url))) {
          plainOffLoopback = true;
        }
      }
      String mode = " (redis.mode " + redis.mode() + ")";
      if (plainOffLoopback) {
        add(
            Finding.warning(
                "revocation.store",
                "Redis " + redis.safeUrl() + " in plaintext off loopback" + mode,
                "redis.url / redis.nodes / --redis (rediss://)"));
      } else {
        add(
            Finding.ok(
                "revocation.store",
                "shared through Redis " + redis.safeUrl() + mode,
                "redis.url / redis.nodes / --redis"));
      }
      if (posture.redis().failOpen()) {
        add(
            Finding.warning(
                "revocation.failOpen",
                "while Redis is unreachable, revoked credentials keep working",
                "redis.failOpen"));
      }
    }
    Duration recheck = Durations.parse(posture.revocation().recheckInterval());
    add(
        recheck.isZero()
            ? Finding.warning(
                "revocation.recheck",
                "open streams are never re-checked against the store on a timer",
                "revocation.recheckInterval")
            : Finding.ok(
                "revocation.recheck",
                "open streams re-checked every " + format(recheck),
                "revocation.recheckInterval"));
    String target = posture.process().auditLogTarget();
    if (target == null) {
      add(Finding.info("audit.destination", "audit lines go to stderr", "env TRIDENT_AUDIT_LOG"));
    } else if ("off".equalsIgnoreCase(target)) {
      add(Finding.warning("audit.destination", "audit lines are off", "env TRIDENT_AUDIT_LOG"));
    } else {
      add(Finding.ok("audit.destination", "audit lines go to " + target, "env TRIDENT_AUDIT_LOG"));
    }
  }

  /** {@code 90s} reads better as {@code 1m30s}; {@code PT1M30S} reads worst. */
  static String format(Duration d) {
    String iso = d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    return iso.replaceAll("\\.0+s", "s");
  }

  private static String redisHost(String url) {
    try {
      String host = java.net.URI.create(url).getHost();
      return host == null ? "" : host.replace("[", "").replace("]", "");
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private void upstreams() {
    List<UpstreamSettings> upstreams = posture.upstreams();
    for (int i = 0; i < upstreams.size(); i++) {
      UpstreamSettings u = upstreams.get(i);
      String at = "upstreams[" + i + "]";
      String control = "upstream." + u.name();
      if (u.insecure()) {
        add(
            Finding.info(
                control + ".tls",
                "plaintext h2c to " + u.target() + ", allowed: loopback target",
                at + ".insecure"));
      } else {
        UpstreamSettings.Tls tls = u.tls();
        add(
            Finding.ok(
                control + ".tls",
                "TLS 1.2+ to "
                    + u.target()
                    + ", certificate checked against "
                    + (tls != null && tls.caFile() != null ? tls.caFile() : "the JVM trust store")
                    + (tls != null && tls.serverName() != null ? " as " + tls.serverName() : "")
                    + (tls != null && tls.certFile() != null ? ", client certificate" : ""),
                at + ".tls"));
      }
      metadata(u, at, control);
      add(
          Finding.ok(
              control + ".deadline",
              "each call capped at " + format(u.timeout()),
              at + ".timeout"));
      add(byteCap(control + ".message", "messages", u.maxMessageBytes(), at + ".maxMessageBytes"));
      add(
          u.scope() == null
              ? Finding.info(
                  "scope.upstream." + u.name(),
                  "its tools need tools:call only (no scope of their own)",
                  at + ".scope, " + at + ".tools.<Method>.scope")
              : Finding.ok(
                  "scope.upstream." + u.name(),
                  "its tools need tools:call and " + u.scope(),
                  at + ".scope, " + at + ".tools.<Method>.scope"));
    }
  }

  private void metadata(UpstreamSettings u, String at, String control) {
    List<String> parts = new ArrayList<>();
    if (!u.forwardMetadata().isEmpty()) {
      parts.add("forwards caller metadata " + u.forwardMetadata());
    }
    if (!u.metadata().isEmpty()) {
      parts.add("sends its own metadata " + u.metadata().keySet() + " (values not shown)");
    }
    if (u.callerIdentity() != null) {
      parts.add("sends the verified subject as " + u.callerIdentity());
    }
    if (u.forwardCallerToken()) {
      parts.add("FORWARDS THE CALLER'S BEARER TOKEN as authorization");
      add(
          Finding.warning(
              control + ".metadata",
              String.join("; ", parts) + ": the upstream can act as the caller",
              at + ".forwardCallerToken"));
      return;
    }
    add(
        parts.isEmpty()
            ? Finding.ok(
                control + ".metadata",
                "no caller metadata forwarded, no credential",
                at + ".forwardMetadata, " + at + ".metadata")
            : Finding.info(
                control + ".metadata",
                String.join("; ", parts) + "; no caller credential",
                at + ".forwardMetadata, " + at + ".metadata, " + at + ".callerIdentity"));
  }

  /** Files whose content is a secret, each with the key that names it. */
  private Map<String, String> secretFilePaths() {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    AuthSettings auth = posture.auth();
    if (auth.jwt().secretFile() != null) {
      files.put("auth.jwt.secretFile", auth.jwt().secretFile());
    }
    for (Listener l : posture.listeners()) {
      if (l.tlsKey() != null) {
        files.put(l.keyPrefix() + ".tlsKey", l.tlsKey());
      }
    }
    if (posture.redis().passwordFile() != null) {
      files.put("redis.passwordFile", posture.redis().passwordFile());
    }
    for (int i = 0; i < posture.upstreams().size(); i++) {
      UpstreamSettings.Tls tls = posture.upstreams().get(i).tls();
      if (tls != null && tls.keyFile() != null) {
        files.put("upstreams[" + i + "].tls.keyFile", tls.keyFile());
      }
    }
    return files;
  }

  private void secretFiles() {
    secretFilePaths()
        .forEach(
            (key, file) -> {
              Set<PosixFilePermission> perms = permissions(file);
              String control = "secret." + key;
              if (perms == null) {
                add(Finding.info(control, file + ": permissions cannot be read", key));
              } else if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                add(
                    Finding.critical(
                        control,
                        file + " is readable by every user",
                        key + " (chmod 600 " + file + ")"));
              } else if (perms.contains(PosixFilePermission.GROUP_READ)) {
                add(
                    Finding.warning(
                        control,
                        file + " is readable by its group",
                        key + " (chmod 600 " + file + ")"));
              } else {
                add(Finding.ok(control, file + " is readable by its owner only", key));
              }
            });
    String keys = posture.auth().apiKeys().file();
    if (keys != null) {
      Set<PosixFilePermission> perms = permissions(keys);
      boolean writable =
          perms != null
              && (perms.contains(PosixFilePermission.OTHERS_WRITE)
                  || perms.contains(PosixFilePermission.GROUP_WRITE));
      add(
          writable
              ? Finding.critical(
                  "secret.auth.apiKeys.file",
                  keys + " is writable by group or others: anyone there can add a key",
                  "auth.apiKeys.file (chmod 600 " + keys + ")")
              : Finding.ok(
                  "secret.auth.apiKeys.file",
                  keys + " holds hashes only and is writable by its owner only",
                  "auth.apiKeys.file"));
    }
  }

  private static Set<PosixFilePermission> permissions(String file) {
    try {
      return Files.getPosixFilePermissions(Path.of(file));
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private void process() {
    ProcessFacts p = posture.process();
    add(
        p.root()
            ? Finding.warning(
                "process.user",
                "running as root: a flaw in any tool runs with every privilege",
                "the user the service runs as (e.g. systemd User=, docker --user)")
            : Finding.ok(
                "process.user",
                "running as " + p.user() + (p.uid() >= 0 ? " (uid " + p.uid() + ")" : ""),
                "the user the service runs as"));
  }
}
