package io.trident.bench;

import static io.trident.bench.BenchSupport.fmtCores;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue #9: what putting an upstream gRPC service behind Trident costs. One upstream process
 * ({@link BenchUpstream}, grpc-java, {@code Inventory/GetItem}) and one Trident process configured
 * with it as an upstream ({@code upstreams:} in a config file written here, plaintext to loopback),
 * measured in three modes one after the other, in one run:
 *
 * <ul>
 *   <li>{@code direct}: the upstream called by grpc-java async stubs from this JVM, no Trident (the
 *       baseline: what a service that needs no MCP gets);
 *   <li>{@code upstream-tool}: Streamable HTTP {@code tools/call} of the upstream tool {@code
 *       bench_GetItem}, N sessions with one call in flight each (Trident → the same upstream);
 *   <li>{@code local-tool}: the same load calling the built-in {@code echo} on the same Trident (no
 *       upstream hop), to tell the cost of the hop from the cost of the MCP request.
 * </ul>
 *
 * Every answer is checked. Goals: upstream-tool ≥ 0.5× direct throughput, and Trident's server CPU
 * per upstream-tool call ≤ 60 µs (judged on the whole Trident process per call, the strict reading
 * of "what Trident adds"; the hop alone, upstream-tool minus local-tool, is printed beside it). Not
 * a JUnit test: {@code scripts/bench upstream}.
 */
public final class UpstreamBench {

  static final String DIRECT = "direct";
  static final String UPSTREAM_TOOL = "upstream-tool";
  static final String LOCAL_TOOL = "local-tool";

  private static List<String> modes = List.of(DIRECT, UPSTREAM_TOOL, LOCAL_TOOL);
  private static int inFlight = 64;
  private static int connections = 4;
  private static double goalRatio = 0.5;
  private static double goalCpuMicros = 60;
  private static String jar = "target/trident.jar";
  private static String descriptorSet = "target/test-descriptors/upstream-test.binpb";

  private static final Set<Process> CHILDREN = ConcurrentHashMap.newKeySet();

  private UpstreamBench() {}

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(CHILDREN, "upstream-bench-kill-children");
    HttpBench.haltAfterBudget(modes.size(), CHILDREN, "upstream bench");
    runAndExit(CHILDREN, UpstreamBench::run);
  }

  private static int run() throws Exception {
    long benchStart = System.nanoTime();
    Files.createDirectories(HttpBench.logDir);
    int cpus = Runtime.getRuntime().availableProcessors();
    System.out.println(
        "Trident upstream benchmark (issue #9: an upstream gRPC method as an MCP tool, against the"
            + " same upstream called directly)");
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Machine: %d CPUs; the load generator (this JVM), Trident and the upstream share them:"
            + " compare ratios and CPU per call, not absolute rates%n",
        cpus);
    System.out.printf(
        Locale.ROOT,
        "Load: %d calls in flight in every mode, every answer checked; warm-up of %.0f s (longer"
            + " while the rate still climbs, up to %.0f s), then %.0f s measured per mode%n",
        inFlight,
        HttpBench.warmupSeconds,
        Math.max(HttpBench.warmupSeconds, HttpBench.warmupMaxSeconds),
        HttpBench.durationSeconds);
    printMachineState("start");
    System.out.println();

    int upstreamPort = HttpBench.freePort();
    Path upstreamLog = HttpBench.logDir.resolve("upstream-upstream.log");
    Process upstream =
        start(
            List.of(
                javaBin(),
                "-cp",
                System.getProperty("java.class.path"),
                BenchUpstream.class.getName(),
                Integer.toString(upstreamPort)),
            upstreamLog);
    Path config = Files.createTempFile("trident-upstream-bench-", ".yaml");
    config.toFile().deleteOnExit();
    Files.writeString(
        config,
        String.join(
            "\n",
            "upstreams:",
            "  - name: bench",
            "    target: 127.0.0.1:" + upstreamPort,
            "    descriptorSet: " + Path.of(descriptorSet).toAbsolutePath(),
            "    services: [trident.test.upstream.v1.Inventory]",
            "    methods: [GetItem]",
            "    insecure: true",
            "    timeout: 10s",
            "http:",
            "  maxSessionsPerPrincipal: 10000 # each mode opens its own sessions",
            ""),
        StandardCharsets.UTF_8);
    int httpPort = HttpBench.freePort();
    List<String> command = new ArrayList<>();
    command.add(javaBin());
    command.addAll(HttpBench.serverJavaOptions);
    command.addAll(
        List.of(
            "-jar",
            jar,
            "--transport",
            "http",
            "--port",
            Integer.toString(httpPort),
            "--no-auth",
            "--backend",
            "default",
            "--config",
            config.toString()));
    Path tridentLog = HttpBench.logDir.resolve("upstream-trident.log");
    System.out.println("upstream: " + BenchUpstream.class.getSimpleName() + " on " + upstreamPort);
    System.out.println("trident : " + String.join(" ", command));
    Process trident = start(command, tridentLog);

    List<ModeResult> results = new ArrayList<>();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(HttpBench.clientThreads));
    try {
      if (!waitForLine(upstreamLog, "bench upstream listening", upstream)
          || !waitForLine(tridentLog, "MCP Streamable HTTP on", trident)) {
        String why = "a server did not start; see " + upstreamLog + " and " + tridentLog;
        System.out.println("FAILED: " + why);
        for (String mode : modes) {
          ModeResult r = new ModeResult(mode);
          r.setupFailure = why;
          results.add(r);
        }
      } else {
        System.out.println();
        List<Context> loops = HttpBench.clientLoops(vertx);
        for (String mode : modes) {
          results.add(
              runMode(
                  mode,
                  mode.equals(DIRECT) ? upstream : trident,
                  upstreamPort,
                  httpPort,
                  vertx,
                  loops));
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      String tridentExit = HttpBench.stopServer(trident, true);
      String upstreamExit = HttpBench.stopServer(upstream, false);
      CHILDREN.clear();
      List<String> findings = HttpBench.scanLog(tridentLog);
      for (ModeResult r : results) {
        boolean direct = r.mode.equals(DIRECT);
        r.exit = direct ? upstreamExit : tridentExit;
        r.log = direct ? upstreamLog : tridentLog;
        r.logFindings = direct ? List.of() : findings;
      }
    }

    boolean failed = printReport(results, cpus);
    System.out.println();
    printMachineState("end");
    System.out.printf(
        Locale.ROOT,
        "Total upstream bench time %.1f s; output in %s and %s%n",
        (System.nanoTime() - benchStart) / 1e9,
        tridentLog,
        upstreamLog);
    return failed ? 1 : 0;
  }

  private static Process start(List<String> command, Path log) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    CHILDREN.add(p);
    return p;
  }

  private static boolean waitForLine(Path log, String line, Process p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HttpBench.START_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try {
        if (Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
          return true;
        }
      } catch (IOException e) {
        // not written yet
      }
      Thread.sleep(20);
    }
    return false;
  }

  private static ModeResult runMode(
      String mode, Process p, int upstreamPort, int httpPort, Vertx vertx, List<Context> loops)
      throws Exception {
    ModeResult r = new ModeResult(mode);
    BenchLoad load =
        switch (mode) {
          case DIRECT ->
              new UpstreamDirectLoad(
                  vertx, HttpBench.clientThreads, upstreamPort, connections, inFlight);
          case UPSTREAM_TOOL ->
              new HttpLoad(vertx, loops, httpPort, inFlight, false, true, false)
                  .tool("bench_GetItem", "sku");
          default -> new HttpLoad(vertx, loops, httpPort, inFlight, false, true, false);
        };
    r.command =
        load.describe()
            + (mode.equals(UPSTREAM_TOOL) ? "; tools/call bench_GetItem {sku}" : "")
            + (mode.equals(LOCAL_TOOL) ? "; tools/call echo {text}" : "");
    System.out.printf(Locale.ROOT, "%-13s: %s%n", mode, r.command);
    System.out.printf(Locale.ROOT, "%-13s: ", mode);
    System.out.flush();
    try {
      if (!p.isAlive()) {
        r.setupFailure = "server had exited with code " + p.exitValue();
        r.died = true;
        return r;
      }
      String openFailure = load.open(HttpBench.OPEN_TIMEOUT_SECONDS);
      if (openFailure != null) {
        r.setupFailure = "opening: " + openFailure;
        return r;
      }
      System.out.print("open; warm-up ");
      System.out.flush();
      HttpBench.drive(load, p, r);
      return r;
    } finally {
      if (r.setupFailure != null) {
        System.out.println("FAILED: " + r.setupFailure);
      }
      load.close();
      System.out.flush();
    }
  }

  private static boolean printReport(List<ModeResult> results, int cpus) {
    ModeResult direct = find(results, DIRECT);
    ModeResult viaTrident = find(results, UPSTREAM_TOOL);
    ModeResult local = find(results, LOCAL_TOOL);
    System.out.println();
    String format = "  %-13s %10s %9s %9s %11s %10s %11s %10s %11s %9s %7s%n";
    System.out.printf(
        Locale.ROOT,
        format,
        "mode",
        "req/s",
        "p50 ms",
        "p99 ms",
        "worst 1 s",
        "server CPU",
        "srv us/req",
        "others CPU",
        "oth us/req",
        "vs direct",
        "errors");
    for (ModeResult r : results) {
      System.out.printf(
          Locale.ROOT,
          format,
          r.mode,
          fmtRate(r.rate) + (r.disturbed ? "*" : ""),
          fmtMs(r.p50Millis),
          fmtMs(r.p99Millis),
          fmtRate(r.worstSecondRate),
          fmtCores(r.serverCpu),
          fmtPerRequest(r.serverCpu, r.rate),
          fmtCores(r.otherCpu),
          fmtPerRequest(r.otherCpu, r.rate),
          ratio(r, direct),
          r.setupFailure != null ? "setup" : Long.toString(r.errors + r.lost));
    }
    System.out.printf(
        Locale.ROOT,
        "  server = the upstream process in %s, the Trident process in the other modes; others ="
            + " every other process (in %s mostly the upstream); CPU in cores of %d%n",
        DIRECT,
        UPSTREAM_TOOL,
        cpus);
    if (results.stream().anyMatch(r -> r.disturbed)) {
      System.out.println("  * no clean window: the best one is shown, see Details");
    }
    System.out.println();
    System.out.println("Details");
    for (ModeResult r : results) {
      HttpBench.printDetails(r);
    }
    System.out.println();
    System.out.println("Goals");
    boolean clean = direct != null && viaTrident != null && direct.clean() && viaTrident.clean();
    String note = clean ? "" : "; NOT CLEAN: disturbed, unsteady or failed, see above";
    if (direct != null && viaTrident != null && direct.rate > 0 && viaTrident.rate > 0) {
      double r = viaTrident.rate / direct.rate;
      System.out.printf(
          Locale.ROOT,
          "  upstream tool through Trident >= %.2fx the direct calls: %.2fx (%s / %s req/s%s) ->"
              + " %s%n",
          goalRatio,
          r,
          fmtRate(viaTrident.rate),
          fmtRate(direct.rate),
          note,
          clean && r >= goalRatio ? "PASS" : "MISS");
      double micros = viaTrident.serverCpu / viaTrident.rate * 1e6;
      System.out.printf(
          Locale.ROOT,
          "  Trident server CPU per upstream-tool call <= %.0f us: %.1f us%s -> %s%n",
          goalCpuMicros,
          micros,
          note,
          clean && micros <= goalCpuMicros ? "PASS" : "MISS");
      if (local != null && local.rate > 0) {
        double localMicros = local.serverCpu / local.rate * 1e6;
        System.out.printf(
            Locale.ROOT,
            "    of which the upstream hop (upstream-tool minus local-tool, same Trident, same"
                + " HTTP path): %.1f us; the MCP request over Streamable HTTP alone: %.1f us%n",
            micros - localMicros,
            localMicros);
      }
    } else {
      System.out.println("  n/a (a mode is missing or failed) -> MISS");
    }
    return HttpBench.printErrors(results);
  }

  private static String ratio(ModeResult r, ModeResult direct) {
    return direct == null || !(direct.rate > 0) || Double.isNaN(r.rate)
        ? "-"
        : String.format(Locale.ROOT, "%.2fx", r.rate / direct.rate);
  }

  private static ModeResult find(List<ModeResult> results, String mode) {
    return results.stream().filter(r -> r.mode.equals(mode)).findFirst().orElse(null);
  }

  private static void parseArgs(String[] args) {
    List<String> shared = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--modes" -> modes = List.of(need(a, v).split(","));
        case "--inflight" -> inFlight = Integer.parseInt(need(a, v));
        case "--connections" -> connections = Integer.parseInt(need(a, v));
        case "--goal" -> goalRatio = Double.parseDouble(need(a, v));
        case "--goal-cpu-us" -> goalCpuMicros = Double.parseDouble(need(a, v));
        case "--jar" -> jar = need(a, v);
        case "--descriptor-set" -> descriptorSet = need(a, v);
        case "--warmup",
            "--warmup-max",
            "--duration",
            "--client-threads",
            "--quiet-wait",
            "--retries",
            "--server-java-options",
            "--log-dir" -> {
          shared.add(a);
          shared.add(need(a, v));
        }
        case "-h", "--help" -> {
          System.out.println(
              """
              usage: UpstreamBench [options]
                --modes LIST         of direct,upstream-tool,local-tool (default all, in order)
                --inflight N         calls in flight in every mode (default 64; HTTP: N sessions)
                --connections N      HTTP/2 connections of the direct grpc-java client (default 4)
                --goal R             upstream-tool / direct rate goal (default 0.5)
                --goal-cpu-us U      Trident CPU per upstream-tool call goal (default 60)
                --jar PATH           Trident fat jar (default target/trident.jar)
                --descriptor-set F   the test protos' descriptor set
                                     (default target/test-descriptors/upstream-test.binpb)
                --warmup S, --warmup-max S, --duration S, --client-threads N, --quiet-wait S,
                --retries N, --server-java-options "OPTS", --log-dir DIR
                                     as for HttpBench (see HttpBench --help)""");
          System.exit(0);
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + " (try --help)");
      }
      i++;
    }
    HttpBench.parseArgs(shared.toArray(String[]::new));
    for (String m : modes) {
      if (!Set.of(DIRECT, UPSTREAM_TOOL, LOCAL_TOOL).contains(m)) {
        throw new IllegalArgumentException("--modes: unknown mode " + m);
      }
    }
    if (inFlight < 1 || connections < 1) {
      throw new IllegalArgumentException("--inflight and --connections must be positive");
    }
  }
}
