package io.trident.auth;

import io.trident.backend.Backend;
import io.trident.backend.builtin.DefaultBackend;
import io.trident.context.Principal;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.store.RevocationStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One server instance with the stream guard on, as {@code Main} wires it: a real {@link AuthChain}
 * (HS256 secret file, leeway 0 so that a token ends exactly at {@code exp}), the default backend
 * ({@code simulate_work} is the long tool), a {@link StreamGuards} over the given store, and the
 * authenticator that admits through it. Tokens are minted here with the same secret.
 */
public final class StreamGuardFixture implements AutoCloseable {

  public final Vertx vertx;
  public final AuthChain chain;
  public final StreamGuards guards;
  public final Backend backend;
  public final McpServer server;
  public final Authenticator authenticator;
  private final String secret;

  private StreamGuardFixture(
      Vertx vertx, AuthChain chain, StreamGuards guards, Backend backend, String secret) {
    this.vertx = vertx;
    this.chain = chain;
    this.guards = guards;
    this.backend = backend;
    this.secret = secret;
    this.server =
        new McpServer(
            vertx,
            backend,
            ServerOptions.defaults(Implementation.of("trident-stream-guard-test", "1"))
                .withRequestTimeout(Duration.ofSeconds(60)),
            RequestGuard.of(chain.scopes(), backend),
            guards);
    this.authenticator = guards.guarding(chain);
  }

  /**
   * @param secret the HS256 secret (instances that share tokens share it)
   * @param store the revocation store, or null for a fresh in-memory one
   * @param settings re-check settings, or null for the defaults
   */
  public static StreamGuardFixture create(
      Vertx vertx,
      Path dir,
      String secret,
      RevocationStore store,
      RevocationSettings settings,
      boolean failOpen)
      throws Exception {
    Path secretFile = TestKeys.write(dir, "jwt-" + System.nanoTime() + ".secret", secret);
    AuthSettings.Jwt jwt =
        new AuthSettings.Jwt(
            secretFile.toString(),
            null,
            null,
            null,
            null,
            null,
            TestKeys.ISSUER,
            List.of(TestKeys.AUDIENCE),
            "0s",
            null,
            null);
    AuthSettings auth =
        new AuthSettings(
            null, null, jwt, null, null, new AuthSettings.Local("TRIDENT_TEST_TOKEN"), null, null);
    AuthChain chain = await(AuthChain.create(vertx, auth, Principal.local("nobody", Set.of())));
    Backend backend = new Backend();
    new DefaultBackend().register(backend, vertx);
    RevocationStore s = store != null ? store : RevocationStore.memory(vertx, Duration.ofHours(1));
    StreamGuards guards =
        StreamGuards.create(
            vertx,
            s,
            settings != null ? settings : RevocationSettings.defaults(),
            Duration.ZERO,
            failOpen,
            chain::credentialStillValid);
    return new StreamGuardFixture(vertx, chain, guards, backend, secret);
  }

  /**
   * A token of {@code sub} with {@code scope}, expiring at {@code exp} (epoch s), id {@code jti}.
   */
  public String token(String sub, String scope, long exp, String jti) {
    JsonObject claims = TestKeys.claims(sub, scope).put("exp", exp);
    if (jti != null) {
      claims.put("jti", jti);
    }
    return TestKeys.signHs(vertx, secret, claims);
  }

  /** A token valid for an hour. */
  public String token(String sub, String scope, String jti) {
    return token(sub, scope, System.currentTimeMillis() / 1000 + 3600, jti);
  }

  /**
   * An {@code exp} at least {@code seconds} from now, on a whole second (as every exp is), and the
   * instant in milliseconds at which a stream of that token must end.
   */
  public static long expIn(int seconds) {
    return System.currentTimeMillis() / 1000 + seconds + 1;
  }

  /** An exp that leaves a loaded machine time to open the stream first. */
  public static long soon() {
    return expIn(2);
  }

  @Override
  public void close() throws Exception {
    guards.close();
    await(guards.store().close());
    await(chain.close());
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
