package io.trident.bench;

import static io.trident.bench.BenchSupport.fmtMs;
import static io.trident.bench.BenchSupport.fmtPerRequest;
import static io.trident.bench.BenchSupport.fmtRate;
import static io.trident.bench.BenchSupport.javaBin;
import static io.trident.bench.BenchSupport.jdkDescription;
import static io.trident.bench.BenchSupport.killOnExit;
import static io.trident.bench.BenchSupport.need;
import static io.trident.bench.BenchSupport.printMachineState;
import static io.trident.bench.BenchSupport.runAndExit;

import io.trident.bench.HttpBench.ModeResult;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue #5: what JWT verification costs. The Streamable HTTP load of {@link HttpBench} (N sessions,
 * one {@code tools/call} of echo in flight each, every answer checked) against three Trident
 * processes in turn: {@code --no-auth} (the baseline), HS256 ({@code --jwt-secret-file}) and RS256
 * ({@code --jwt-public-key}). With auth, every request carries {@code Authorization: Bearer} and
 * the same token, minted here with keys made here. Not a JUnit test: run it with {@code
 * scripts/bench auth}.
 *
 * <p>The token is reused on purpose: the server caches verified tokens by SHA-256 digest until they
 * expire (SPEC.md §7.1), so this measures the cached path, the one a real client that keeps its
 * token takes. The goal of issue #5 is authenticated throughput at 90% of the baseline or more.
 */
public final class AuthBench {

  static final String NONE = "no-auth";
  static final String HS256 = "hs256";
  static final String RS256 = "rs256";

  private static final String ISSUER = "https://issuer.bench.test";
  private static final String AUDIENCE = "trident-bench";

  private static double goalRatio = 0.90;

  private AuthBench() {}

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(HttpBench.CHILDREN, "auth-bench-kill-children");
    HttpBench.haltAfterBudget(3, HttpBench.CHILDREN, "auth bench");
    runAndExit(HttpBench.CHILDREN, AuthBench::run);
  }

  private static int run() throws Exception {
    long benchStart = System.nanoTime();
    Files.createDirectories(HttpBench.logDir);
    int cpus = Runtime.getRuntime().availableProcessors();

    System.out.println(
        "Trident auth benchmark (issue #5: Streamable HTTP tools/call of echo, without auth, with"
            + " HS256 and with RS256 bearer tokens)");
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Machine: %d CPUs visible to the JVM, %s %s; the load generator (this JVM, %d client event"
            + " loops) competes with the server for them%n",
        cpus,
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        HttpBench.clientThreads);
    System.out.printf(
        Locale.ROOT,
        "Load: %d sessions x 1 in flight, as scripts/bench http; warm-up of %.0f s (longer while"
            + " the rate still climbs, up to %.0f s), then %.0f s measured per mode%n",
        HttpBench.sessions,
        HttpBench.warmupSeconds,
        Math.max(HttpBench.warmupSeconds, HttpBench.warmupMaxSeconds),
        HttpBench.durationSeconds);
    System.out.println(
        "Measures the CACHED path: every request of a mode carries the same token, so the server"
            + " verifies its signature once and then finds it in its verified-token cache (SHA-256"
            + " digest, until exp); a client sending a new token per request would pay the"
            + " signature check each time.");
    printMachineState("start");
    System.out.println();
    System.out.flush();

    Path keys = Files.createTempDirectory("trident-auth-bench-");
    keys.toFile().deleteOnExit();
    byte[] secretBytes = new byte[32];
    new SecureRandom().nextBytes(secretBytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
    Path secretFile = write(keys, "jwt.secret", secret + "\n");
    KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
    rsaGenerator.initialize(2048);
    KeyPair rsa = rsaGenerator.generateKeyPair();
    Path publicKeyFile =
        write(keys, "jwt-rsa.pem", pem("PUBLIC KEY", rsa.getPublic().getEncoded()));
    // The bench's one caller far exceeds the default rate limits (SPEC.md §7.8): off, so that
    // this bench measures authentication alone (scripts/bench limits measures the limits).
    Path noLimits = write(keys, "no-limits.yaml", "limits:\n  enabled: false\n");
    List<String> claimsOptions =
        List.of(
            "--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE, "--config", noLimits.toString());

    String javaBin = javaBin();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(HttpBench.clientThreads));
    List<ModeResult> results = new ArrayList<>();
    try {
      String hsToken =
          token(
              vertx,
              new PubSecKeyOptions()
                  .setBuffer(Buffer.buffer(secret.getBytes(StandardCharsets.UTF_8))),
              "HS256");
      String rsToken =
          token(
              vertx,
              new PubSecKeyOptions().setBuffer(pem("PRIVATE KEY", rsa.getPrivate().getEncoded())),
              "RS256");
      List<Context> loops = HttpBench.clientLoops(vertx);
      results.add(mode(NONE, javaBin, List.of("--no-auth"), null, vertx, loops));
      List<String> hs = new ArrayList<>(List.of("--jwt-secret-file", secretFile.toString()));
      hs.addAll(claimsOptions);
      results.add(mode(HS256, javaBin, hs, hsToken, vertx, loops));
      List<String> rs = new ArrayList<>(List.of("--jwt-public-key", publicKeyFile.toString()));
      rs.addAll(claimsOptions);
      results.add(mode(RS256, javaBin, rs, rsToken, vertx, loops));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Files.deleteIfExists(secretFile);
      Files.deleteIfExists(publicKeyFile);
    }

    boolean failed = printReport(results);
    System.out.println();
    printMachineState("end");
    System.out.printf(
        Locale.ROOT,
        "Total auth bench time %.1f s; server output in %s/http-<mode>.log%n",
        (System.nanoTime() - benchStart) / 1e9,
        HttpBench.logDir);
    return failed ? 1 : 0;
  }

  private static ModeResult mode(
      String mode,
      String javaBin,
      List<String> serverOptions,
      String token,
      Vertx vertx,
      List<Context> loops)
      throws Exception {
    int port = HttpBench.freePort();
    return HttpBench.runServer(
        mode,
        HttpBench.tridentCommand(javaBin, port, serverOptions),
        port,
        true,
        false,
        token == null ? Map.of() : Map.of("Authorization", "Bearer " + token),
        vertx,
        loops);
  }

  /** A token for the bench's caller: may call tools, valid for a day (longer than any run). */
  private static String token(Vertx vertx, PubSecKeyOptions key, String algorithm) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject claims =
        new JsonObject()
            .put("sub", "bench")
            .put("iss", ISSUER)
            .put("aud", AUDIENCE)
            .put("scope", "tools:call")
            .put("iat", now)
            .put("exp", now + TimeUnit.DAYS.toSeconds(1));
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key.setAlgorithm(algorithm)))
        .generateToken(claims, new JWTOptions().setAlgorithm(algorithm).setNoTimestamp(true));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static Path write(Path dir, String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    file.toFile().deleteOnExit();
    return file;
  }

  // ---------------------------------------------------------------------------------------------
  // Report

  private static boolean printReport(List<ModeResult> results) {
    ModeResult base = results.get(0);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Auth cost: %d sessions x 1 in flight, >= %.0f s warm-up then %.0f s measured per mode;"
            + " one token reused (the cached path)%n",
        HttpBench.sessions,
        HttpBench.warmupSeconds,
        HttpBench.durationSeconds);
    String format = "  %-8s %10s %9s %9s %11s %10s %7s%n";
    System.out.printf(
        Locale.ROOT,
        format,
        "mode",
        "req/s",
        "p50 ms",
        "p99 ms",
        "srv us/req",
        "vs no-auth",
        "errors");
    for (ModeResult r : results) {
      System.out.printf(
          Locale.ROOT,
          format,
          r.mode,
          fmtRate(r.rate) + (r.disturbed ? "*" : ""),
          fmtMs(r.p50Millis),
          fmtMs(r.p99Millis),
          fmtPerRequest(r.serverCpu, r.rate),
          ratio(r, base) == null ? "-" : String.format(Locale.ROOT, "%.3f", ratio(r, base)),
          r.setupFailure != null ? "setup" : Long.toString(r.errors + r.lost));
    }
    if (results.stream().anyMatch(r -> r.disturbed)) {
      System.out.println(
          "  * no clean window (other processes busy, or the rate not steady): the best one is"
              + " shown, see Details");
    }

    System.out.println();
    System.out.println("Details");
    for (ModeResult r : results) {
      HttpBench.printDetails(r);
    }

    System.out.println();
    System.out.println("Goals");
    boolean failed = false;
    for (ModeResult r : results.subList(1, results.size())) {
      Double ratio = ratio(r, base);
      boolean pass = ratio != null && r.clean() && base.clean() && ratio >= goalRatio;
      System.out.printf(
          Locale.ROOT,
          "  %s (cached token) >= %.2f x no-auth: %s%s -> %s%n",
          r.mode,
          goalRatio,
          ratio == null
              ? "n/a (missing or failed run)"
              : String.format(
                  Locale.ROOT,
                  "%.3f (%s / %s req/s; server CPU per answer %s vs %s us)",
                  ratio,
                  fmtRate(r.rate),
                  fmtRate(base.rate),
                  fmtPerRequest(r.serverCpu, r.rate),
                  fmtPerRequest(base.serverCpu, base.rate)),
          r.disturbed || base.disturbed ? "; NOT CLEAN: disturbed or unsteady" : "",
          pass ? "PASS" : "MISS");
    }
    return HttpBench.printErrors(results) | failed;
  }

  private static Double ratio(ModeResult r, ModeResult base) {
    return Double.isNaN(r.rate) || Double.isNaN(base.rate) || base.rate == 0
        ? null
        : r.rate / base.rate;
  }

  private static void parseArgs(String[] args) {
    List<String> shared = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--goal" -> goalRatio = Double.parseDouble(need(a, v));
        case "--warmup",
            "--warmup-max",
            "--duration",
            "--sessions",
            "--client-threads",
            "--jar",
            "--quiet-wait",
            "--retries",
            "--pool",
            "--server-java-options",
            "--log-dir" -> {
          shared.add(a);
          shared.add(need(a, v));
        }
        case "-h", "--help" -> {
          System.out.println(
              """
              usage: AuthBench [options]
                --goal R             authenticated / no-auth rate goal (default 0.90)
                --warmup S, --warmup-max S, --duration S, --sessions N, --client-threads N,
                --jar PATH, --quiet-wait S, --retries N, --pool shared|per-session,
                --server-java-options "OPTS", --log-dir DIR
                                     as for HttpBench (see HttpBench --help)""");
          System.exit(0);
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + " (try --help)");
      }
      i++;
    }
    HttpBench.parseArgs(shared.toArray(String[]::new));
  }
}
