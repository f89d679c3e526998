package io.trident.cli;

import io.trident.auth.ApiKeyStore;
import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.Authenticator;
import io.trident.backend.Backend;
import io.trident.backend.Resource;
import io.trident.backend.Tool;
import io.trident.context.Principal;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Decides, once at start-up, how callers are let in: the configured chain; {@code --no-auth} (only
 * on loopback, loudly); or, with nothing configured on a loopback bind, a one-off development API
 * key printed to stderr. A non-loopback bind with no credentials configured is refused.
 */
final class AuthBootstrap {

  /**
   * @param chain the auth chain (also the source of the scope policy)
   * @param network who network callers are (the chain, or everyone under {@code --no-auth})
   * @param stdio the stdio caller
   */
  record Result(AuthChain chain, Authenticator network, Principal stdio) {}

  private AuthBootstrap() {}

  /**
   * @param networkHosts bind addresses of the network transports selected (empty: stdio only)
   * @throws IllegalArgumentException with a message for the command line when the set-up is refused
   */
  static Result start(
      Vertx vertx,
      AuthSettings configured,
      boolean noAuth,
      List<String> networkHosts,
      Principal local,
      boolean stdioSelected,
      Backend backend,
      Logger log) {
    String refused = refusal(configured, noAuth, networkHosts);
    if (refused != null) {
      throw new IllegalArgumentException(refused);
    }
    AuthSettings settings = configured;
    if (noAuth) {
      if (!networkHosts.isEmpty()) {
        log.warn(
            "*** --no-auth: every network caller is let in with every scope. Local development"
                + " only. ***");
      }
    } else if (needsDevelopmentKey(settings, networkHosts)) {
      settings = AuthFlags.withApiKeysFile(settings, developmentKey());
    }
    AuthChain chain;
    try {
      chain =
          AuthChain.create(vertx, settings, local)
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalArgumentException("interrupted while loading auth keys");
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(cause.getMessage(), cause);
    }
    chain.withDeclaredScopes(declaredScopes(backend));
    Authenticator networkCallers =
        noAuth
            ? Authenticator.open(new Principal("anonymous", Set.of("*"), "none", Map.of()))
            : chain;
    Principal stdio = null;
    if (stdioSelected) {
      try {
        stdio =
            chain
                .authenticateLocal()
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalArgumentException("interrupted while checking the local token");
      } catch (Exception e) {
        throw new IllegalArgumentException(
            "stdio: the token in $"
                + settings.local().tokenEnv()
                + " is missing, invalid or expired");
      }
    }
    return new Result(chain, networkCallers, stdio);
  }

  /**
   * Why the server refuses to start with these settings (SPEC.md §7.2), or null when it does not:
   * {@code --no-auth}, or no credential at all, on a non-loopback bind.
   */
  static String refusal(AuthSettings settings, boolean noAuth, List<String> networkHosts) {
    String exposed = networkHosts.stream().filter(h -> !isLoopback(h)).findFirst().orElse(null);
    if (exposed == null) {
      return null;
    }
    if (noAuth) {
      return "--no-auth is for local development only and is refused on a non-loopback bind ("
          + exposed
          + ")";
    }
    if (settings.chain().isEmpty() && !settings.anonymous().enabled()) {
      return "no credentials are configured for a non-loopback bind ("
          + exposed
          + "): configure auth (README, Authentication) or bind 127.0.0.1";
    }
    return null;
  }

  /** Nothing configured for network callers (on loopback): a development key lets them in. */
  static boolean needsDevelopmentKey(AuthSettings settings, List<String> networkHosts) {
    return !networkHosts.isEmpty() && settings.chain().isEmpty() && !settings.anonymous().enabled();
  }

  /**
   * A fresh random API key with every scope, valid for this process only: its hash goes to a
   * private temporary file deleted at exit, the key itself to stderr (never stdout, never a log).
   */
  private static Path developmentKey() {
    String key = ApiKeyStore.generateKey();
    try {
      Path file =
          Files.createTempFile(
              "trident-dev-keys",
              ".yaml",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      file.toFile().deleteOnExit();
      Files.writeString(
          file,
          "keys:\n  - hash: "
              + ApiKeyStore.hash(key)
              + "\n    subject: developer\n    scopes: [\"*\"]\n    id: development\n");
      System.err.println(
          "No auth is configured: generated a one-off development API key (loopback only).\n"
              + "Send it as the header  X-MCP-API-Key: "
              + key
              + "\n(configure auth for real use; --no-auth skips this for local experiments)");
      return file;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write the development key file: " + e);
    }
  }

  private static List<String> declaredScopes(Backend backend) {
    return java.util.stream.Stream.concat(
            backend.tools().stream().map(Tool::requiredScope),
            backend.resources().stream().map(Resource::requiredScope))
        .filter(Objects::nonNull)
        .toList();
  }

  static boolean isLoopback(String host) {
    if ("localhost".equalsIgnoreCase(host)) {
      return true;
    }
    try {
      // Literal addresses only: a name is not resolved, and a name is not loopback here.
      return host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?")
          && InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
