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
import io.trident.store.RedisServer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue #11: what rate limits cost when they are on but not reached. The Streamable HTTP load of
 * {@link HttpBench} (N sessions, one {@code tools/call} of echo in flight each, every answer
 * checked) against four Trident processes in turn: limits off (the baseline), limits in memory,
 * limits off with {@code --redis} (Redis then serves the revocation store only), and limits in a
 * real Redis ({@code redis-server} started here, {@code --redis}). All three run {@code --no-auth}
 * with {@code limits.local: true}, so the one bench caller is limited as any principal would be
 * (buckets, in-flight count, audit), without the cost of authentication mixed in. Rates are far
 * above what the machine can do, so nothing is refused. Not a JUnit test: run it with {@code
 * scripts/bench limits}. Goals: at least 0.95 of the baseline in memory, 0.85 with Redis.
 */
public final class LimitsBench {

  static final String OFF = "off";
  static final String MEMORY = "memory";
  static final String OFF_REDIS = "off+redis";
  static final String REDIS = "redis";

  private static double memoryGoal = 0.95;
  private static double redisGoal = 0.85;

  private LimitsBench() {}

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(HttpBench.CHILDREN, "limits-bench-kill-children");
    HttpBench.haltAfterBudget(4, HttpBench.CHILDREN, "limits bench");
    runAndExit(HttpBench.CHILDREN, LimitsBench::run);
  }

  private static int run() throws Exception {
    long benchStart = System.nanoTime();
    Files.createDirectories(HttpBench.logDir);
    System.out.println(
        "Trident rate-limit benchmark (issue #11: Streamable HTTP tools/call of echo with limits"
            + " off, on in memory, on in Redis; limits never reached)");
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Machine: %d CPUs visible to the JVM; the load generator (this JVM, %d client event"
            + " loops), the server and redis-server share them%n",
        Runtime.getRuntime().availableProcessors(),
        HttpBench.clientThreads);
    System.out.printf(
        Locale.ROOT,
        "Load: %d sessions x 1 in flight, as scripts/bench http; warm-up of %.0f s (up to %.0f s),"
            + " then %.0f s measured per mode%n",
        HttpBench.sessions,
        HttpBench.warmupSeconds,
        Math.max(HttpBench.warmupSeconds, HttpBench.warmupMaxSeconds),
        HttpBench.durationSeconds);
    printMachineState("start");
    System.out.println();
    System.out.flush();

    Path dir = Files.createTempDirectory("trident-limits-bench-");
    dir.toFile().deleteOnExit();
    Path off = write(dir, "off.yaml", "limits:\n  enabled: false\n");
    Path on =
        write(
            dir,
            "on.yaml",
            """
            limits:
              local: true
              perPrincipal: { rate: 10000000/s, burst: 10000000 }
              maxInFlightPerPrincipal: 100000
            """);
    String javaBin = javaBin();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(HttpBench.clientThreads));
    List<ModeResult> results = new ArrayList<>();
    try (RedisServer redis = RedisServer.start()) {
      List<Context> loops = HttpBench.clientLoops(vertx);
      results.add(mode(OFF, javaBin, List.of("--config", off.toString()), vertx, loops));
      results.add(mode(MEMORY, javaBin, List.of("--config", on.toString()), vertx, loops));
      results.add(
          mode(
              OFF_REDIS,
              javaBin,
              List.of("--config", off.toString(), "--redis", redis.url()),
              vertx,
              loops));
      results.add(
          mode(
              REDIS,
              javaBin,
              List.of("--config", on.toString(), "--redis", redis.url()),
              vertx,
              loops));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    boolean failed = printReport(results);
    System.out.println();
    printMachineState("end");
    System.out.printf(
        Locale.ROOT,
        "Total limits bench time %.1f s; server output in %s/http-<mode>.log%n",
        (System.nanoTime() - benchStart) / 1e9,
        HttpBench.logDir);
    return failed ? 1 : 0;
  }

  private static ModeResult mode(
      String mode, String javaBin, List<String> options, Vertx vertx, List<Context> loops)
      throws Exception {
    int port = HttpBench.freePort();
    List<String> all = new ArrayList<>(List.of("--no-auth"));
    all.addAll(options);
    return HttpBench.runServer(
        mode,
        HttpBench.tridentCommand(javaBin, port, all),
        port,
        true,
        false,
        Map.of(),
        vertx,
        loops);
  }

  private static Path write(Path dir, String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    file.toFile().deleteOnExit();
    return file;
  }

  private static boolean printReport(List<ModeResult> results) {
    ModeResult base = results.get(0);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Rate-limit cost: %d sessions x 1 in flight, >= %.0f s warm-up then %.0f s measured per"
            + " mode; one principal, limits never reached%n",
        HttpBench.sessions,
        HttpBench.warmupSeconds,
        HttpBench.durationSeconds);
    String format = "  %-9s %10s %9s %9s %11s %9s %7s%n";
    System.out.printf(
        Locale.ROOT, format, "mode", "req/s", "p50 ms", "p99 ms", "srv us/req", "vs off", "errors");
    for (ModeResult r : results) {
      Double ratio = ratio(r, base);
      System.out.printf(
          Locale.ROOT,
          format,
          r.mode,
          fmtRate(r.rate) + (r.disturbed ? "*" : ""),
          fmtMs(r.p50Millis),
          fmtMs(r.p99Millis),
          fmtPerRequest(r.serverCpu, r.rate),
          ratio == null ? "-" : String.format(Locale.ROOT, "%.3f", ratio),
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
    for (ModeResult r : results) {
      if (!MEMORY.equals(r.mode) && !REDIS.equals(r.mode)) {
        continue;
      }
      double goal = REDIS.equals(r.mode) ? redisGoal : memoryGoal;
      Double ratio = ratio(r, base);
      boolean pass = ratio != null && r.clean() && base.clean() && ratio >= goal;
      System.out.printf(
          Locale.ROOT,
          "  limits %s >= %.2f x off: %s%s -> %s%n",
          r.mode,
          goal,
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
    ModeResult offRedis = results.stream().filter(r -> OFF_REDIS.equals(r.mode)).findFirst().get();
    ModeResult redis = results.stream().filter(r -> REDIS.equals(r.mode)).findFirst().get();
    Double own = ratio(redis, offRedis);
    System.out.printf(
        Locale.ROOT,
        "  (limits redis vs off+redis, i.e. without the Redis revocation store's share: %s)%n",
        own == null ? "n/a" : String.format(Locale.ROOT, "%.3f", own));
    return HttpBench.printErrors(results);
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
        case "--memory-goal" -> memoryGoal = Double.parseDouble(need(a, v));
        case "--redis-goal" -> redisGoal = Double.parseDouble(need(a, v));
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
              usage: LimitsBench [options]
                --memory-goal R      limits-in-memory / off rate goal (default 0.95)
                --redis-goal R       limits-in-Redis / off rate goal (default 0.85)
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
