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
import io.trident.observe.OtlpReceiver;
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
 * Issue #15: what observability costs. The Streamable HTTP load of {@link HttpBench} (N sessions,
 * one {@code tools/call} of echo in flight each, every answer checked) against Trident processes in
 * turn: everything off ({@code metrics.enabled: false}, the baseline); metrics on (the default);
 * metrics with Vert.x's own meters ({@code metrics.vertx}); metrics and tracing with every trace
 * sampled, exported over OTLP to a receiver in this JVM ({@link OtlpReceiver}, which counts the
 * spans). All {@code --no-auth}, limits off. Not a JUnit test: run it with {@code scripts/bench
 * observe}. Goals: metrics at least 0.97 of off, metrics and tracing at least 0.90.
 */
public final class ObserveBench {

  static final String OFF = "off";
  static final String METRICS = "metrics";
  static final String VERTX = "metrics+vertx";
  static final String TRACING = "metrics+tracing";

  private static double metricsGoal = 0.97;
  private static double tracingGoal = 0.90;

  private ObserveBench() {}

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(HttpBench.CHILDREN, "observe-bench-kill-children");
    HttpBench.haltAfterBudget(4, HttpBench.CHILDREN, "observe bench");
    runAndExit(HttpBench.CHILDREN, ObserveBench::run);
  }

  private static int run() throws Exception {
    long benchStart = System.nanoTime();
    Files.createDirectories(HttpBench.logDir);
    System.out.println(
        "Trident observability benchmark (issue #15: Streamable HTTP tools/call of echo with"
            + " metrics and tracing off, metrics on, metrics + Vert.x meters, metrics + tracing"
            + " sampled 100% to an OTLP receiver)");
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Machine: %d CPUs visible to the JVM; the load generator and OTLP receiver (this JVM, %d"
            + " client event loops) and the server share them%n",
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

    Path dir = Files.createTempDirectory("trident-observe-bench-");
    dir.toFile().deleteOnExit();
    String common = "limits:\n  enabled: false\n";
    Path off = write(dir, "off.yaml", common + "metrics:\n  enabled: false\n");
    Path metrics = write(dir, "metrics.yaml", common);
    Path vertxMeters = write(dir, "vertx.yaml", common + "metrics:\n  vertx: true\n");
    Path tracing =
        write(dir, "tracing.yaml", common + "tracing:\n  enabled: true\n  sampleRatio: 1.0\n");
    String javaBin = javaBin();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(HttpBench.clientThreads));
    List<ModeResult> results = new ArrayList<>();
    long spans = 0;
    try {
      OtlpReceiver receiver =
          OtlpReceiver.start(vertx, false).toCompletionStage().toCompletableFuture().get();
      List<Context> loops = HttpBench.clientLoops(vertx);
      results.add(mode(OFF, javaBin, off, List.of(), vertx, loops));
      results.add(mode(METRICS, javaBin, metrics, List.of(), vertx, loops));
      results.add(mode(VERTX, javaBin, vertxMeters, List.of(), vertx, loops));
      results.add(
          mode(
              TRACING,
              javaBin,
              tracing,
              List.of("-Dotel.exporter.otlp.traces.endpoint=" + receiver.endpoint()),
              vertx,
              loops));
      spans = receiver.received.get();
      receiver.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    boolean failed = printReport(results, spans);
    System.out.println();
    printMachineState("end");
    System.out.printf(
        Locale.ROOT,
        "Total observe bench time %.1f s; server output in %s/http-<mode>.log%n",
        (System.nanoTime() - benchStart) / 1e9,
        HttpBench.logDir);
    return failed ? 1 : 0;
  }

  private static ModeResult mode(
      String mode,
      String javaBin,
      Path config,
      List<String> jvmOptions,
      Vertx vertx,
      List<Context> loops)
      throws Exception {
    int port = HttpBench.freePort();
    List<String> saved = HttpBench.serverJavaOptions;
    List<String> options = new ArrayList<>(saved);
    options.addAll(jvmOptions);
    HttpBench.serverJavaOptions = options;
    try {
      return HttpBench.runServer(
          mode,
          HttpBench.tridentCommand(
              javaBin, port, List.of("--no-auth", "--config", config.toString())),
          port,
          true,
          false,
          Map.of(),
          vertx,
          loops);
    } finally {
      HttpBench.serverJavaOptions = saved;
    }
  }

  private static Path write(Path dir, String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    file.toFile().deleteOnExit();
    return file;
  }

  private static boolean printReport(List<ModeResult> results, long spans) {
    ModeResult base = results.get(0);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Observability cost: %d sessions x 1 in flight, >= %.0f s warm-up then %.0f s measured per"
            + " mode%n",
        HttpBench.sessions,
        HttpBench.warmupSeconds,
        HttpBench.durationSeconds);
    String format = "  %-15s %10s %9s %9s %11s %9s %7s%n";
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
    System.out.printf(
        Locale.ROOT, "  spans received by the OTLP receiver (warm-up included): %d%n", spans);
    System.out.println();
    System.out.println("Details");
    for (ModeResult r : results) {
      HttpBench.printDetails(r);
    }
    System.out.println();
    System.out.println("Goals");
    for (ModeResult r : results) {
      if (!METRICS.equals(r.mode) && !TRACING.equals(r.mode)) {
        continue;
      }
      double goal = TRACING.equals(r.mode) ? tracingGoal : metricsGoal;
      Double ratio = ratio(r, base);
      boolean pass =
          ratio != null
              && r.clean()
              && base.clean()
              && !r.disturbed
              && !base.disturbed
              && ratio >= goal;
      System.out.printf(
          Locale.ROOT,
          "  %s >= %.2f x off: %s%s -> %s%n",
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
    if (spans == 0) {
      System.out.println("  tracing exported no span: the tracing run is not what it claims");
      return true;
    }
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
        case "--metrics-goal" -> metricsGoal = Double.parseDouble(need(a, v));
        case "--tracing-goal" -> tracingGoal = Double.parseDouble(need(a, v));
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
              usage: ObserveBench [options]
                --metrics-goal R     metrics / off rate goal (default 0.97)
                --tracing-goal R     metrics+tracing / off rate goal (default 0.90)
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
