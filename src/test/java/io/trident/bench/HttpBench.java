package io.trident.bench;

import static io.trident.bench.BenchSupport.abbreviate;
import static io.trident.bench.BenchSupport.cpuNanos;
import static io.trident.bench.BenchSupport.daemonScheduler;
import static io.trident.bench.BenchSupport.fmtCores;
import static io.trident.bench.BenchSupport.fmtMs;
import static io.trident.bench.BenchSupport.fmtPerRequest;
import static io.trident.bench.BenchSupport.fmtRate;
import static io.trident.bench.BenchSupport.javaBin;
import static io.trident.bench.BenchSupport.jdkDescription;
import static io.trident.bench.BenchSupport.killAll;
import static io.trident.bench.BenchSupport.killOnExit;
import static io.trident.bench.BenchSupport.need;
import static io.trident.bench.BenchSupport.percentile;
import static io.trident.bench.BenchSupport.printMachineState;
import static io.trident.bench.BenchSupport.runAndExit;
import static io.trident.bench.BenchSupport.selfCpuNanos;
import static io.trident.bench.BenchSupport.systemBusyNanos;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * HTTP load benchmark of Trident's Streamable HTTP transport, against a bare Vert.x HTTP server
 * ({@link BareHttpServer}) as the ceiling. Not a JUnit test: run it with {@code scripts/bench
 * http}.
 *
 * <p>For each mode a fresh server JVM is spawned on a free loopback port, N sessions are opened
 * (initialize + notifications/initialized), then every session keeps one {@code tools/call} of echo
 * in flight (its next request leaves when its previous answer arrives) through one Vert.x HTTP
 * client (HTTP/1.1, keep-alive, a pool of N connections), for a warm-up and then a measured window.
 * Modes:
 *
 * <ul>
 *   <li>{@code json}: Trident with its default configuration (plain JSON answers);
 *   <li>{@code sse}: Trident with {@code http.alwaysSse: true} (every answer is an SSE stream);
 *   <li>{@code bare}: {@link BareHttpServer}, a fixed answer shaped like the echo result.
 * </ul>
 *
 * Every answer is verified; any bad answer, stall, lost request or dead server makes the exit code
 * non-zero. The client runs in this JVM on the same machine as the server, so the two compete for
 * the CPU: CPU use of each is reported next to the rates.
 *
 * <p>Small shared machines make single numbers unreliable, so: the warm-up lasts at least --warmup
 * and goes on while the rate still climbs (both JITs take 20 s and more on 2 cores); each window
 * waits for a second in which other processes are idle; and a window is measured again (--retries)
 * when other processes used CPU during it or its rate was not steady. Every window's per-second
 * rates are printed, so that dips and stalls show.
 */
public final class HttpBench {

  // ---------------------------------------------------------------------------------------------
  // Options

  static double warmupSeconds = 10;
  static double warmupMaxSeconds = 60;
  static double durationSeconds = 10;
  static int sessions = 64;
  static int textBytes = HttpLoad.TEXT.length(); // --text-bytes: the echoed text's size
  static int clientThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
  private static List<String> modes = List.of("json", "sse", "bare");
  private static String jar = "target/trident.jar";
  private static String bareClassPath = "target/test-classes:target/trident.jar";
  static Path logDir = Path.of("target", "bench");
  private static double goalRatio = 0.60;
  static double quietWaitSeconds = 60;
  static double quietCores = 0.25;
  static int retries = 2;
  static List<String> serverJavaOptions = List.of();
  private static boolean poolPerSession;

  /** Warm-up goes on while the last 3 s beat the 3 s before by more than this. */
  private static final double STEADY_GAIN = 0.05;

  /** A window whose halves differ by more than this is measured again. */
  private static final double STEADY_WINDOW = 0.10;

  /** /proc/stat steal time is not busy: time the hypervisor gave to others is no work done here. */
  private static final boolean BUSY_WITH_STEAL = false;

  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);
  static final int START_TIMEOUT_SECONDS = 30;
  static final int OPEN_TIMEOUT_SECONDS = 30;
  private static final int DRAIN_TIMEOUT_SECONDS = 20;

  /** Every child we started, so that a shutdown hook can kill whatever is still running. */
  static final Set<Process> CHILDREN = ConcurrentHashMap.newKeySet();

  private static final ScheduledExecutorService WATCHDOG = daemonScheduler("bench-watchdog");

  private HttpBench() {}

  /** The outcome of one mode. */
  static final class ModeResult {
    final String mode;
    String command;
    String setupFailure;
    double startMillis = Double.NaN; // spawn -> port accepting connections
    double rate = Double.NaN;
    long measured;
    double p50Millis = Double.NaN;
    double p99Millis = Double.NaN;
    double maxMillis = Double.NaN; // measured window
    double maxAllMillis = Double.NaN; // warm-up and window
    double worstSecondRate = Double.NaN; // lowest rate over any 1-s stretch of the measured window
    long slowAnswers; // any phase, > 1 s
    double serverCpu = Double.NaN;
    double clientCpu = Double.NaN;
    double otherCpu = Double.NaN;
    long peakRssKib = -1; // the server's VmHWM when it was stopped
    long answers;
    long errors;
    Map<String, Long> problems = Map.of();
    Map<String, String> problemSamples = new java.util.LinkedHashMap<>();
    Map<String, Long> shapes = Map.of();
    long connectionsOpened;
    long connectionsClosed;
    int pool; // client connections the load means to use
    long lost;
    boolean hung;
    boolean died;
    String exit = "";
    List<Window> windows = new ArrayList<>();
    double warmupSecondsDone = Double.NaN;
    String warmupNote = "";
    List<Double> warmupPerSecond = List.of();
    Window kept;
    boolean disturbed; // no clean window: disturbed by other processes or unsteady
    double irqCpu = Double.NaN; // irq + softirq (not charged to any process: mostly loopback TCP)
    List<String> logFindings = new ArrayList<>();
    Path log;

    ModeResult(String mode) {
      this.mode = mode;
    }

    boolean clean() {
      return setupFailure == null && errors == 0 && lost == 0 && !hung && !died;
    }

    String problemsText() {
      StringBuilder sb = new StringBuilder();
      if (setupFailure != null) {
        sb.append("setup failed: ").append(setupFailure).append("; ");
      }
      if (errors > 0) {
        sb.append(errors).append(" bad answers ").append(problems).append("; ");
      }
      if (lost > 0) {
        sb.append(lost).append(" requests never answered; ");
      }
      if (hung) {
        sb.append("stalled: no answer for 5 s with requests in flight; ");
      }
      if (died) {
        sb.append("server process exited during the run; ");
      }
      return sb.length() == 0 ? "none" : sb.substring(0, sb.length() - 2);
    }
  }

  /** One measured window (a mode gets more than one when neighbours disturbed the first). */
  static final class Window {
    int attempt;
    String quiet;
    boolean bad;
    long measured;
    double rate = Double.NaN;
    double worstSecondRate = Double.NaN;
    double serverCpu = Double.NaN;
    double clientCpu = Double.NaN;
    double othersCpu = Double.NaN; // processes other than the server and this JVM
    double irqCpu = Double.NaN;
    long[] latencies = new long[0];
    List<Double> perSecond = new ArrayList<>(); // rate in each whole second of the window

    boolean disturbed() {
      return othersCpu >= quietCores;
    }

    /** The rate of the second half differs from the first half's by more than STEADY_WINDOW. */
    boolean unsteady() {
      int n = perSecond.size();
      if (n < 4) {
        return false;
      }
      double first = 0;
      double second = 0;
      for (int i = 0; i < n / 2; i++) {
        first += perSecond.get(i);
        second += perSecond.get(n - 1 - i);
      }
      return Math.abs(second / first - 1) > STEADY_WINDOW;
    }

    boolean clean() {
      return !disturbed() && !unsteady();
    }

    String flaw() {
      List<String> why = new ArrayList<>();
      if (disturbed()) {
        why.add(String.format(Locale.ROOT, "others used %.2f cores", othersCpu));
      }
      if (unsteady()) {
        why.add("rate not steady: halves differ by over " + Math.round(STEADY_WINDOW * 100) + "%");
      }
      return why.isEmpty() ? "clean" : String.join(", ", why);
    }
  }

  /** Lower is better, for windows that are not clean: steady ones first, then the least others. */
  private static double rank(Window w) {
    return (w.unsteady() ? 100 : 0) + (Double.isNaN(w.othersCpu) ? 50 : w.othersCpu);
  }

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(CHILDREN, "http-bench-kill-children");
    haltAfterBudget(modes.size(), CHILDREN, "http bench");
    runAndExit(CHILDREN, HttpBench::run);
  }

  /**
   * Bounds a bench in time whatever happens: each mode needs warm-up + windows plus start-up,
   * opening and draining, all of which have their own time-outs well inside this budget. Past it,
   * kills the children and halts the JVM with status 3.
   */
  static void haltAfterBudget(int modeCount, Set<Process> children, String bench) {
    double budget =
        modeCount
                * (Math.max(warmupSeconds, warmupMaxSeconds)
                    + (1 + retries) * (durationSeconds + quietWaitSeconds + 5)
                    + 120)
            + 60;
    WATCHDOG.schedule(
        () -> {
          System.out.printf(
              Locale.ROOT, "%n%s: time limit of %.0f s exceeded; giving up%n", bench, budget);
          System.out.flush();
          killAll(children);
          Runtime.getRuntime().halt(3);
        },
        (long) (budget * 1000),
        TimeUnit.MILLISECONDS);
  }

  private static int run() throws Exception {
    long benchStart = System.nanoTime();
    String javaBin = javaBin();
    Files.createDirectories(logDir);
    int cpus = Runtime.getRuntime().availableProcessors();

    System.out.printf(
        Locale.ROOT,
        "Trident HTTP benchmark (MCP Streamable HTTP, tools/call of echo, %d B of text)%n",
        textBytes);
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Machine: %d CPUs visible to the JVM, %s %s%n",
        cpus,
        System.getProperty("os.name"),
        System.getProperty("os.arch"));
    System.out.printf(
        Locale.ROOT,
        "NOTE: the load generator (this JVM, %d client event loops) runs on the same %d CPUs as the"
            + " server and competes with it; rates are for this shared machine, not the server alone%n",
        clientThreads,
        cpus);
    System.out.printf(
        Locale.ROOT,
        "Load: %d sessions, one request in flight per session (%d in flight), Vert.x HttpClient"
            + " HTTP/1.1 keep-alive, %s; warm-up of %.0f s (longer while the rate still climbs, up"
            + " to %.0f s), then %.0f s measured per mode%n",
        sessions,
        sessions,
        poolPerSession
            ? "one connection per session (--pool per-session)"
            : "one pool of " + sessions + " connections shared by all sessions",
        warmupSeconds,
        Math.max(warmupSeconds, warmupMaxSeconds),
        durationSeconds);
    printMachineState("start");
    System.out.println();
    System.out.flush();

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(clientThreads));
    List<ModeResult> results = new ArrayList<>();
    try {
      List<Context> loops = clientLoops(vertx);
      for (String mode : modes) {
        results.add(runMode(mode, javaBin, vertx, loops));
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    boolean failed = printReport(results, cpus);
    System.out.println();
    printMachineState("end");
    System.out.printf(
        Locale.ROOT,
        "Total HTTP bench time %.1f s; server output in %s/http-<mode>.log%n",
        (System.nanoTime() - benchStart) / 1e9,
        logDir);
    return failed ? 1 : 0;
  }

  /** One event-loop context per client thread, so that sessions are spread over all of them. */
  static List<Context> clientLoops(Vertx vertx) throws Exception {
    List<Context> loops = new CopyOnWriteArrayList<>();
    vertx
        .deployVerticle(
            () ->
                new VerticleBase() {
                  @Override
                  public Future<?> start() {
                    loops.add(context);
                    return Future.succeededFuture();
                  }
                },
            new DeploymentOptions().setInstances(clientThreads))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    return List.copyOf(loops);
  }

  // ---------------------------------------------------------------------------------------------
  // One mode

  private static ModeResult runMode(String mode, String javaBin, Vertx vertx, List<Context> loops)
      throws Exception {
    int port = freePort();
    boolean trident = !mode.equals("bare");
    List<String> command;
    if (trident) {
      List<String> extra = new ArrayList<>(List.of("--no-auth"));
      if (mode.equals("sse")) {
        Path config = Files.createTempFile("trident-http-bench-", ".yaml");
        config.toFile().deleteOnExit();
        Files.writeString(config, "http:\n  alwaysSse: true\n");
        extra.addAll(List.of("--config", config.toString()));
      }
      command = tridentCommand(javaBin, port, extra);
    } else {
      command = new ArrayList<>();
      command.add(javaBin);
      command.addAll(serverJavaOptions);
      command.addAll(
          List.of("-cp", bareClassPath, BareHttpServer.class.getName(), Integer.toString(port)));
    }
    return runServer(mode, command, port, trident, mode.equals("sse"), Map.of(), vertx, loops);
  }

  /**
   * The command line of a Trident serving Streamable HTTP on {@code port} with the default backend,
   * then {@code extra} (its auth options, a config file).
   */
  static List<String> tridentCommand(String javaBin, int port, List<String> extra) {
    List<String> command = new ArrayList<>();
    command.add(javaBin);
    command.addAll(serverJavaOptions);
    command.addAll(
        List.of("-jar", jar, "--transport", "http", "--port", "" + port, "--backend", "default"));
    command.addAll(extra);
    return command;
  }

  /**
   * One mode: spawns {@code command} (a server that listens on {@code port}), opens the sessions
   * with {@code headers} on every request, drives the load and stops the server. Shared with {@link
   * AuthBench}.
   *
   * @param trident whether the server is Trident (answers carry the request ids; stopped as such)
   * @param sse whether every answer must be an SSE stream
   */
  static ModeResult runServer(
      String mode,
      List<String> command,
      int port,
      boolean trident,
      boolean sse,
      Map<String, String> headers,
      Vertx vertx,
      List<Context> loops)
      throws Exception {
    return runServer(mode, command, port, trident, trident, sse, headers, vertx, loops);
  }

  /**
   * As above, for any MCP server ({@link PeersBench}): {@code checkIds} whether answers must carry
   * the request ids, {@code trident} whether it is Trident (which must exit 0 on SIGTERM).
   */
  static ModeResult runServer(
      String mode,
      List<String> command,
      int port,
      boolean trident,
      boolean checkIds,
      boolean sse,
      Map<String, String> headers,
      Vertx vertx,
      List<Context> loops)
      throws Exception {
    ModeResult r = new ModeResult(mode);
    r.command = String.join(" ", command);
    r.log = logDir.resolve("http-" + mode + ".log");
    System.out.printf(Locale.ROOT, "%-4s: %s%n", mode, r.command);
    System.out.printf(Locale.ROOT, "%-4s: ", mode);
    System.out.flush();

    long spawn = System.nanoTime();
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(r.log.toFile()))
            .start();
    CHILDREN.add(p);
    HttpLoad load = null;
    try {
      if (!waitForPort(port, p)) {
        r.setupFailure =
            p.isAlive()
                ? "not listening on port " + port + " after " + START_TIMEOUT_SECONDS + " s"
                : "exited with code " + p.exitValue() + " before listening";
        return r;
      }
      r.startMillis = (System.nanoTime() - spawn) / 1e6;
      System.out.printf(Locale.ROOT, "listening after %.0f ms; ", r.startMillis);
      System.out.flush();

      load = new HttpLoad(vertx, loops, port, sessions, sse, checkIds, poolPerSession);
      if (textBytes != HttpLoad.TEXT.length()) {
        load.textBytes(textBytes);
      }
      headers.forEach(load::header);
      String openFailure = load.open(OPEN_TIMEOUT_SECONDS);
      if (openFailure != null) {
        r.setupFailure = "opening " + sessions + " sessions: " + openFailure;
        return r;
      }
      System.out.printf(Locale.ROOT, "%d sessions open; warm-up ", sessions);
      System.out.flush();
      drive(load, p, r);
      return r;
    } finally {
      if (r.setupFailure != null) {
        System.out.println("FAILED: " + r.setupFailure);
      }
      if (load != null) {
        load.close();
      }
      r.peakRssKib = BenchSupport.peakRssKib(p);
      r.exit = stopServer(p, trident);
      CHILDREN.remove(p);
      r.logFindings = scanLog(r.log);
      System.out.flush();
    }
  }

  /**
   * Runs an opened load against a running server: warm-up, then measured windows (again when
   * disturbed, see --retries), then stops the load and fills {@code r} with the kept window and the
   * load's counts; prints the mode's one-line outcome. Shared with {@link GrpcBench}.
   */
  static void drive(BenchLoad load, Process p, ModeResult r) throws InterruptedException {
    r.pool = load.connections();
    load.start();
    boolean bad = warmUp(load, p, r);
    Window best = null;
    for (int attempt = 1; !bad && attempt <= 1 + retries; attempt++) {
      String quiet = waitForQuietUnderLoad(load, p, r);
      if (r.died || r.hung) {
        break;
      }
      System.out.print(attempt == 1 ? "measuring " : "re-measuring ");
      System.out.flush();
      Window w = measureWindow(load, p, r);
      w.attempt = attempt;
      w.quiet = quiet;
      r.windows.add(w);
      bad = w.bad;
      // Kept: the first clean window; failing that the least disturbed steady one; failing that
      // the last (the most warmed up).
      if (best == null || bad || w.clean() || rank(w) <= rank(best)) {
        best = w;
      }
      if (bad || w.clean()) {
        break;
      }
      System.out.printf(Locale.ROOT, "(%s) ", w.flaw());
    }
    if (best != null) {
      r.kept = best;
      r.measured = best.measured;
      r.rate = best.bad ? Double.NaN : best.rate;
      r.worstSecondRate = best.worstSecondRate;
      r.serverCpu = best.serverCpu;
      r.clientCpu = best.clientCpu;
      r.otherCpu = best.othersCpu;
      r.irqCpu = best.irqCpu;
      r.disturbed = !best.clean();
      long[] lat = best.latencies;
      r.p50Millis = percentile(lat, 50) / 1e6;
      r.p99Millis = percentile(lat, 99) / 1e6;
      r.maxMillis = lat.length == 0 ? Double.NaN : lat[lat.length - 1] / 1e6;
    }
    r.lost = load.stop(DRAIN_TIMEOUT_SECONDS);
    r.maxAllMillis = load.maxLatency() / 1e6;
    r.slowAnswers = load.slowAnswers();
    r.answers = load.answers();
    r.errors = load.failed.sum();
    r.problems = load.problems();
    for (String kind : r.problems.keySet()) {
      r.problemSamples.put(kind, load.problemSample(kind));
    }
    r.shapes = load.shapes();
    r.connectionsOpened = load.connectionsOpened.sum();
    r.connectionsClosed = load.connectionsClosed.sum(); // before close(): closed by the server
    System.out.printf(
        Locale.ROOT,
        "%,.0f req/s  p50 %s ms  p99 %s ms  server %.2f cores  client %.2f cores%s%n",
        r.rate,
        fmtMs(r.p50Millis),
        fmtMs(r.p99Millis),
        r.serverCpu,
        r.clientCpu,
        r.clean() ? "" : "  ** " + r.problemsText());
  }

  /**
   * Sleeps until {@code until} watching for a dead or stalled server; true if something went wrong.
   * With {@code samples}, appends (time, good answers) about every 100 ms.
   */
  private static boolean watch(
      BenchLoad load, Process p, long until, ModeResult r, List<long[]> samples)
      throws InterruptedException {
    long last = load.answers();
    long lastProgress = System.nanoTime();
    while (true) {
      long now = System.nanoTime();
      if (now >= until) {
        return false;
      }
      Thread.sleep(Math.max(1, Math.min(100, (until - now) / 1_000_000)));
      if (!p.isAlive()) {
        r.died = true;
        return true;
      }
      long a = load.answers();
      now = System.nanoTime();
      if (samples != null) {
        samples.add(new long[] {now, load.ok.sum()});
      }
      if (a != last) {
        last = a;
        lastProgress = now;
      } else if (now - lastProgress > STALL_NANOS) {
        r.hung = true;
        return true;
      }
    }
  }

  /**
   * Runs the load for --warmup seconds, then on until the rate stops climbing (the JITs of the
   * server and of this client take long on a small shared machine: measured too early, the rate is
   * still rising), at most --warmup-max seconds in all. True if something went wrong.
   */
  private static boolean warmUp(BenchLoad load, Process p, ModeResult r)
      throws InterruptedException {
    long start = System.nanoTime();
    long max = start + (long) (Math.max(warmupSeconds, warmupMaxSeconds) * 1e9);
    List<long[]> samples = new ArrayList<>();
    samples.add(new long[] {start, load.ok.sum()});
    boolean bad = watch(load, p, start + (long) (warmupSeconds * 1e9), r, samples);
    while (!bad) {
      List<Double> rates = perSecond(samples);
      int n = rates.size();
      if (n >= 6) {
        double recent = rates.get(n - 1) + rates.get(n - 2) + rates.get(n - 3);
        double before = rates.get(n - 4) + rates.get(n - 5) + rates.get(n - 6);
        if (recent <= before * (1 + STEADY_GAIN)) {
          r.warmupNote = "steady";
          break;
        }
      }
      if (System.nanoTime() >= max) {
        r.warmupNote = "still climbing at --warmup-max";
        break;
      }
      bad = watch(load, p, Math.min(max, System.nanoTime() + 1_000_000_000L), r, samples);
    }
    r.warmupSecondsDone = (System.nanoTime() - start) / 1e9;
    r.warmupPerSecond = perSecond(samples);
    return bad;
  }

  /** The rate in each consecutive stretch of about one second (samples are ~100 ms apart). */
  private static List<Double> perSecond(List<long[]> samples) {
    List<Double> rates = new ArrayList<>();
    int i = 0;
    for (int j = 1; j < samples.size(); j++) {
      long dt = samples.get(j)[0] - samples.get(i)[0];
      if (dt >= 1_000_000_000L) {
        rates.add((samples.get(j)[1] - samples.get(i)[1]) / (dt / 1e9));
        i = j;
      }
    }
    return rates;
  }

  /** The lowest rate over any stretch of at least one second between samples. */
  private static double worstSecond(List<long[]> samples) {
    double worst = Double.NaN;
    int j = 0;
    for (int i = 0; i < samples.size(); i++) {
      if (j < i) {
        j = i;
      }
      while (j < samples.size() && samples.get(j)[0] - samples.get(i)[0] < 1_000_000_000L) {
        j++;
      }
      if (j == samples.size()) {
        break;
      }
      double rate =
          (samples.get(j)[1] - samples.get(i)[1]) / ((samples.get(j)[0] - samples.get(i)[0]) / 1e9);
      if (Double.isNaN(worst) || rate < worst) {
        worst = rate;
      }
    }
    return worst;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static boolean waitForPort(int port, Process p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException e) {
        Thread.sleep(20);
      }
    }
    return false;
  }

  /** SIGTERM, then up to 10 s for an orderly exit, then SIGKILL; says what happened. */
  static String stopServer(Process p, boolean trident) {
    if (!p.isAlive()) {
      return "had already exited with code " + p.exitValue();
    }
    long t = System.nanoTime();
    p.destroy();
    try {
      if (p.waitFor(10, TimeUnit.SECONDS)) {
        return String.format(
            Locale.ROOT,
            "exited with code %d %.0f ms after SIGTERM%s",
            p.exitValue(),
            (System.nanoTime() - t) / 1e6,
            trident && p.exitValue() != 0 ? " (Trident should exit 0 on SIGTERM)" : "");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    return "did not exit within 10 s of SIGTERM; killed";
  }

  /** WARN/ERROR lines and stack traces in a server's output (first few). */
  static List<String> scanLog(Path log) {
    List<String> found = new ArrayList<>();
    try {
      int n = 0;
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.contains(" WARN ")
            || line.contains(" ERROR ")
            || line.contains("Exception")
            || line.startsWith("\tat ")) {
          n++;
          if (found.size() < 5) {
            found.add(abbreviate(line));
          }
        }
      }
      if (n > found.size()) {
        found.add("... " + (n - found.size()) + " more such lines");
      }
    } catch (IOException | RuntimeException e) {
      found.add("(cannot read " + log + ": " + e + ")");
    }
    return found;
  }

  // ---------------------------------------------------------------------------------------------
  // Report

  private static boolean printReport(List<ModeResult> results, int cpus) {
    ModeResult bare = find(results, "bare");
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "HTTP throughput: %d sessions x 1 in flight, >= %.0f s warm-up then %.0f s measured per mode;"
            + " latency = request sent -> whole answer read (SSE: stream ended)%n",
        sessions,
        warmupSeconds,
        durationSeconds);
    String format = "  %-5s %10s %9s %9s %9s %11s %10s %11s %10s %10s %8s %7s%n";
    System.out.printf(
        Locale.ROOT,
        format,
        "mode",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "worst 1 s",
        "server CPU",
        "srv us/req",
        "client CPU",
        "others CPU",
        "vs bare",
        "errors");
    for (ModeResult r : results) {
      String ratio =
          bare == null || Double.isNaN(bare.rate) || bare.rate == 0 || Double.isNaN(r.rate)
              ? "-"
              : String.format(Locale.ROOT, "%.3f", r.rate / bare.rate);
      System.out.printf(
          Locale.ROOT,
          format,
          r.mode,
          fmtRate(r.rate) + (r.disturbed ? "*" : ""),
          fmtMs(r.p50Millis),
          fmtMs(r.p99Millis),
          fmtMs(r.maxMillis),
          fmtRate(r.worstSecondRate),
          fmtCores(r.serverCpu),
          fmtPerRequest(r.serverCpu, r.rate),
          fmtCores(r.clientCpu),
          fmtCores(r.otherCpu),
          ratio,
          r.setupFailure != null ? "setup" : Long.toString(r.errors + r.lost));
    }
    System.out.printf(
        Locale.ROOT,
        "  CPU = cores busy during the measured window, of %d: server JVM; client = this JVM, the"
            + " load generator, on the same CPUs; others = every other process (other work on this"
            + " shared machine; irq/softirq time is left out, see Details)%n",
        cpus);
    if (results.stream().anyMatch(r -> r.disturbed)) {
      System.out.printf(
          Locale.ROOT,
          "  * no clean window in %d tries (clean: other processes below %.2f cores and the two"
              + " halves within %d%% of each other); the best one is shown, see Details%n",
          1 + retries,
          quietCores,
          Math.round(STEADY_WINDOW * 100));
    }
    System.out.println(
        "  p50/p99/max over the answers of the measured window; worst 1 s = lowest rate over any"
            + " one-second stretch of it; srv us/req = server CPU per answer (less sensitive to the"
            + " client and neighbours than req/s)");

    System.out.println();
    System.out.println("Details");
    for (ModeResult r : results) {
      printDetails(r);
    }

    System.out.println();
    System.out.println("Goals");
    ModeResult json = find(results, "json");
    ModeResult sse = find(results, "sse");
    printGoal("json", json, bare, true);
    printGoal("sse", sse, bare, false);
    return printErrors(results);
  }

  /**
   * The errors line and every problem of the run, shared by the network benches.
   *
   * @return true when any mode was not clean
   */
  static boolean printErrors(List<ModeResult> results) {
    long errors = 0;
    boolean failed = false;
    for (ModeResult r : results) {
      errors += r.errors + r.lost;
      failed |= !r.clean();
    }
    System.out.printf(
        Locale.ROOT, "  errors: %d (must be 0) -> %s%n", errors, errors == 0 ? "OK" : "NOT OK");
    for (ModeResult r : results) {
      if (!r.clean()) {
        System.out.printf(Locale.ROOT, "  PROBLEM: %s: %s%n", r.mode, r.problemsText());
      }
    }
    return failed;
  }

  /** The details of one mode: start-up, warm-up, every window, answer shapes, server, problems. */
  static void printDetails(ModeResult r) {
    System.out.printf(Locale.ROOT, "  %s: %s%n", r.mode, r.command);
    if (!Double.isNaN(r.startMillis)) {
      System.out.printf(
          Locale.ROOT,
          "    listening %.0f ms after spawn; %,d answers in all, %,d in the measured window;"
              + " slowest answer of warm-up and window %s ms, answers over 1 s: %d%n",
          r.startMillis,
          r.answers,
          r.measured,
          fmtMs(r.maxAllMillis),
          r.slowAnswers);
      System.out.printf(
          Locale.ROOT,
          "    connections opened by the client: %d (pool %d); closed by the server during the run:"
              + " %d%n",
          r.connectionsOpened,
          r.pool,
          r.connectionsClosed);
    }
    if (!Double.isNaN(r.warmupSecondsDone)) {
      StringBuilder series = new StringBuilder();
      for (double x : r.warmupPerSecond) {
        series.append(String.format(Locale.ROOT, " %.1fk", x / 1000));
      }
      System.out.printf(
          Locale.ROOT,
          "    warm-up %.0f s (%s); req/s in each second:%s%n",
          r.warmupSecondsDone,
          r.warmupNote,
          series);
    }
    for (Window w : r.windows) {
      System.out.printf(
          Locale.ROOT,
          "    window %d%s%s: %s req/s, server %s + client %s + others %s cores, irq/softirq %s"
              + " cores (kernel work charged to no process, mostly loopback TCP); before it: %s%n",
          w.attempt,
          w == r.kept ? " (kept)" : "",
          w.clean() ? "" : " [" + w.flaw() + "]",
          fmtRate(w.rate),
          fmtCores(w.serverCpu),
          fmtCores(w.clientCpu),
          fmtCores(w.othersCpu),
          fmtCores(w.irqCpu),
          w.quiet);
      StringBuilder series = new StringBuilder();
      for (double x : w.perSecond) {
        series.append(String.format(Locale.ROOT, " %.1fk", x / 1000));
      }
      System.out.println("      req/s in each second:" + series);
    }
    for (Map.Entry<String, Long> e : r.shapes.entrySet()) {
      System.out.printf(Locale.ROOT, "    answers: %,d x %s%n", e.getValue(), e.getKey());
    }
    System.out.println("    server: " + r.exit);
    if (r.logFindings.isEmpty()) {
      System.out.println("    server log: no WARN/ERROR lines or stack traces (" + r.log + ")");
    } else {
      System.out.println("    server log (" + r.log + "):");
      for (String line : r.logFindings) {
        System.out.println("      " + line);
      }
    }
    System.out.println("    problems: " + r.problemsText());
    for (Map.Entry<String, String> e : r.problemSamples.entrySet()) {
      System.out.println("      first '" + e.getKey() + "' " + e.getValue());
    }
  }

  private static void printGoal(String label, ModeResult t, ModeResult bare, boolean isGoal) {
    if (t == null) {
      return;
    }
    String head =
        isGoal
            ? String.format(Locale.ROOT, "  %s: trident >= %.0f%% of bare", label, goalRatio * 100)
            : String.format(Locale.ROOT, "  %s: trident vs bare (for information)", label);
    if (bare == null || Double.isNaN(bare.rate) || bare.rate == 0 || Double.isNaN(t.rate)) {
      System.out.printf(
          Locale.ROOT, "%-40s n/a (missing or failed run)%s%n", head, isGoal ? " -> NOT MET" : "");
      return;
    }
    double ratio = t.rate / bare.rate;
    boolean met = t.clean() && ratio >= goalRatio;
    String cpu =
        Double.isNaN(t.serverCpu) || Double.isNaN(bare.serverCpu)
            ? ""
            : String.format(
                Locale.ROOT,
                "; server CPU per answer %s vs %s us%s",
                fmtPerRequest(t.serverCpu, t.rate),
                fmtPerRequest(bare.serverCpu, bare.rate),
                t.disturbed || bare.disturbed
                    ? "; NOT CLEAN: disturbed or unsteady, see above"
                    : "");
    System.out.printf(
        Locale.ROOT,
        "%-40s %5.1f%% (%s / %s req/s%s) -> %s%n",
        head,
        ratio * 100,
        fmtRate(t.rate),
        fmtRate(bare.rate),
        cpu,
        isGoal
            ? (met ? "MET" : "NOT MET")
            : (met ? "would meet" : "would not meet")
                + " the "
                + Math.round(goalRatio * 100)
                + "% goal");
  }

  private static ModeResult find(List<ModeResult> results, String mode) {
    for (ModeResult r : results) {
      if (r.mode.equals(mode)) {
        return r;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** CPU counters at one moment: machine busy (no steal), irq, server, this JVM. */
  private record CpuSnap(long time, long busy, long irq, long server, long client) {
    static CpuSnap take(Process p) {
      return new CpuSnap(
          System.nanoTime(),
          systemBusyNanos(BUSY_WITH_STEAL),
          systemIrqNanos(),
          cpuNanos(p),
          selfCpuNanos());
    }

    /** Cores used by everything but the server, this JVM and irq work since {@code from}. */
    double othersSince(CpuSnap from) {
      if (from.busy < 0 || busy < 0 || from.server < 0 || server < 0 || from.client < 0) {
        return Double.NaN;
      }
      double seconds = (time - from.time) / 1e9;
      long others =
          (busy - from.busy) - (irq - from.irq) - (server - from.server) - (client - from.client);
      return Math.max(0, others / 1e9 / seconds);
    }
  }

  /**
   * Keeps the load running until, for one second, the rest of the machine is idle (others below
   * {@code quietCores}), or --quiet-wait runs out: other sessions share this machine, and a window
   * next to a build or a test suite measures the neighbour. Says what it found.
   */
  private static String waitForQuietUnderLoad(BenchLoad load, Process p, ModeResult r)
      throws InterruptedException {
    if (quietWaitSeconds <= 0) {
      return "no wait for an idle machine (--quiet-wait 0)";
    }
    long start = System.nanoTime();
    long deadline = start + (long) (quietWaitSeconds * 1e9);
    while (true) {
      CpuSnap a = CpuSnap.take(p);
      if (watch(load, p, System.nanoTime() + 1_000_000_000L, r, null)) {
        return "server failed while waiting for an idle machine";
      }
      double others = CpuSnap.take(p).othersSince(a);
      double waited = (System.nanoTime() - start) / 1e9;
      if (Double.isNaN(others)) {
        return "machine load unknown";
      }
      if (others < quietCores) {
        return String.format(
            Locale.ROOT, "others %.2f cores in the second before (waited %.0f s)", others, waited);
      }
      if (System.nanoTime() > deadline) {
        return String.format(
            Locale.ROOT,
            "machine still busy after waiting %.0f s (others %.2f cores in the last second)",
            waited,
            others);
      }
    }
  }

  private static Window measureWindow(BenchLoad load, Process p, ModeResult r)
      throws InterruptedException {
    Window w = new Window();
    List<long[]> samples = new ArrayList<>();
    load.takeLatencies(); // drop what warm-up or an earlier window left
    long ok0 = load.ok.sum();
    CpuSnap c0 = CpuSnap.take(p);
    samples.add(new long[] {c0.time, ok0});
    w.bad = watch(load, p, c0.time + (long) (durationSeconds * 1e9), r, samples);
    long ok1 = load.ok.sum();
    CpuSnap c1 = CpuSnap.take(p);
    samples.add(new long[] {c1.time, ok1});
    double seconds = (c1.time - c0.time) / 1e9;
    w.measured = ok1 - ok0;
    w.rate = w.measured / seconds;
    w.worstSecondRate = worstSecond(samples);
    w.perSecond = perSecond(samples);
    if (c0.server >= 0 && c1.server >= 0) {
      w.serverCpu = (c1.server - c0.server) / 1e9 / seconds;
    }
    if (c0.client >= 0 && c1.client >= 0) {
      w.clientCpu = (c1.client - c0.client) / 1e9 / seconds;
    }
    if (c0.irq >= 0 && c1.irq >= 0) {
      w.irqCpu = (c1.irq - c0.irq) / 1e9 / seconds;
    }
    w.othersCpu = c1.othersSince(c0);
    w.latencies = load.takeLatencies();
    return w;
  }

  /** irq + softirq time of the whole machine from /proc/stat (Linux), or -1. */
  private static long systemIrqNanos() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      return (Long.parseLong(f[6]) + Long.parseLong(f[7])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static void parseArgs(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--warmup" -> warmupSeconds = Double.parseDouble(need(a, v));
        case "--warmup-max" -> warmupMaxSeconds = Double.parseDouble(need(a, v));
        case "--duration" -> durationSeconds = Double.parseDouble(need(a, v));
        case "--sessions" -> sessions = Integer.parseInt(need(a, v));
        case "--text-bytes" -> textBytes = Integer.parseInt(need(a, v));
        case "--client-threads" -> clientThreads = Integer.parseInt(need(a, v));
        case "--modes" -> modes = List.of(need(a, v).split(","));
        case "--jar" -> jar = need(a, v);
        case "--bare-cp" -> bareClassPath = need(a, v);
        case "--log-dir" -> logDir = Path.of(need(a, v));
        case "--goal" -> goalRatio = Double.parseDouble(need(a, v));
        case "--quiet-wait" -> quietWaitSeconds = Double.parseDouble(need(a, v));
        case "--retries" -> retries = Integer.parseInt(need(a, v));
        case "--pool" -> {
          switch (need(a, v)) {
            case "shared" -> poolPerSession = false;
            case "per-session" -> poolPerSession = true;
            default -> throw new IllegalArgumentException("--pool shared|per-session, got " + v);
          }
        }
        case "--server-java-options" ->
            serverJavaOptions =
                need(a, v).isBlank() ? List.of() : List.of(need(a, v).trim().split("\\s+"));
        case "-h", "--help" -> {
          System.out.println(
              """
              usage: HttpBench [options]
                --warmup S           warm-up seconds per mode, at least (default 10)
                --warmup-max S       warm-up goes on past --warmup while the rate still climbs
                                     (last 3 s > 5% over the 3 s before), up to S s (default 60)
                --duration S         measured seconds per mode (default 10)
                --sessions N         sessions = requests in flight = pool size (default 64)
                --text-bytes N       size of the echoed text (default 16; 10240 for the 10 KiB path)
                --client-threads N   client event loops (default: CPUs)
                --modes LIST         of json,sse,bare (default all three, in that order)
                --jar PATH           Trident fat jar (default target/trident.jar)
                --bare-cp CP         class path of BareHttpServer
                                     (default target/test-classes:target/trident.jar)
                --goal R             json/bare ratio goal (default 0.60)
                --quiet-wait S       before each measured window, keep the load running up to S s
                                     until other processes use < 0.25 cores for 1 s (default 60;
                                     0: don't wait)
                --retries N          measure again, up to N times, when the window was not clean:
                                     other processes used >= 0.25 cores, or the rate of its two
                                     halves differed by over 10% (default 2)
                --pool shared|per-session
                                     shared (default): one client, a pool of N connections that
                                     all sessions share (a session's calls may travel on any);
                                     per-session: one client with one connection per session
                --server-java-options "OPTS"
                                     JVM options for every server (Trident and bare), split on
                                     spaces, e.g. "-XX:ActiveProcessorCount=1"
                --log-dir DIR        server output (default target/bench)""");
          System.exit(0);
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + " (try --help)");
      }
      i++;
    }
    for (String m : modes) {
      if (!Set.of("json", "sse", "bare").contains(m)) {
        throw new IllegalArgumentException("--modes: unknown mode " + m);
      }
    }
    if (sessions < 1 || clientThreads < 1 || durationSeconds <= 0 || warmupSeconds < 0) {
      throw new IllegalArgumentException(
          "--sessions, --client-threads, --duration must be positive");
    }
  }
}
