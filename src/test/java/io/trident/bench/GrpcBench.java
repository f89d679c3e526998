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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue #4's transport comparison: the same trivial tool call (echo) with the same number of calls
 * in flight, through typed gRPC {@code CallTool}, through {@code tools/call} envelopes on gRPC
 * {@code Connect}, and through Streamable HTTP (plain JSON answers), against one Trident process
 * serving both transports. Not a JUnit test: run it with {@code scripts/bench grpc}.
 *
 * <p>Typed CallTool is driven by grpc-java, the stock Java client ({@link GrpcJavaLoad}), unless
 * {@code --typed-client} says otherwise: the Vert.x gRPC client ({@link GrpcLoad}, row {@code
 * typed-vertx}) costs the shared CPUs about as much per call as the server does, which skews the
 * comparison. Connect is driven by the Vert.x client.
 *
 * <p>The modes run one after the other against the same server, each warmed up and measured exactly
 * as {@link HttpBench} does (it drives the loads: warm-up while the rate climbs, a window when the
 * machine is quiet, measured again when disturbed). The loads are {@link GrpcLoad} and {@link
 * HttpLoad} (and {@link GrpcJavaLoad}); every answer is checked and bad ones are counted. Then the
 * ceilings, {@link BareGrpcServer} on vertx-grpc and on grpc-java, each in its own process, under
 * the typed mode's load. The goal of issue #16 is typed gRPC at 0.8 times the bare vertx-grpc rate
 * or more (issue #4's 1.5 times HTTP is dropped: per-stream HTTP/2 cost dominates both bare
 * servers).
 */
public final class GrpcBench {

  static final String TYPED = "grpc-typed";

  /** Typed CallTool driven by the Vert.x gRPC client instead of grpc-java (--typed-client). */
  static final String TYPED_VERTX = "typed-vertx";

  static final String GRPC_JAVA = "grpc-java";
  static final String VERTX = "vertx";
  static final String CONNECT = "grpc-connect";
  static final String HTTP = "http-json";

  /** The ceilings (issue #16): {@link BareGrpcServer} on vertx-grpc and on grpc-java. */
  static final String BARE_VERTX = "bare-vertx";

  static final String BARE_GRPC_JAVA = "bare-grpcj";

  private static List<String> modes = List.of(TYPED, CONNECT, HTTP, BARE_VERTX, BARE_GRPC_JAVA);
  private static List<String> typedClients = List.of(GRPC_JAVA);
  private static int inFlight = 64;
  private static int connections = 4;
  private static int streams = 8;
  private static double goalRatio = 0.8;
  private static String jar = "target/trident.jar";

  /** The least warm-up of a mode unless --warmup says otherwise (HttpBench's is 10 s). */
  private static final double DEFAULT_WARMUP_SECONDS = 30;

  private static final Pattern HTTP_PORT =
      Pattern.compile("MCP Streamable HTTP on https?://[^ ]*:(\\d+)/");
  private static final Pattern GRPC_PORT = Pattern.compile("MCP gRPC on [^ ]*:(\\d+)");

  /** Every child we started, so that a shutdown hook can kill whatever is still running. */
  private static final Set<Process> CHILDREN = ConcurrentHashMap.newKeySet();

  private GrpcBench() {}

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(CHILDREN, "grpc-bench-kill-children");
    HttpBench.haltAfterBudget(modes.size(), CHILDREN, "grpc bench");
    runAndExit(CHILDREN, GrpcBench::run);
  }

  private static int run() throws Exception {
    long benchStart = System.nanoTime();
    Files.createDirectories(HttpBench.logDir);
    int cpus = Runtime.getRuntime().availableProcessors();

    System.out.println(
        "Trident gRPC benchmark (typed CallTool, Connect envelopes and Streamable HTTP; tools/call"
            + " of echo)");
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
            + " server and competes with it; rates are for this shared machine, not the server"
            + " alone%n",
        HttpBench.clientThreads,
        cpus);
    System.out.printf(
        Locale.ROOT,
        "Load: %d calls in flight in every mode, echo of \"%s\", every answer checked; warm-up of"
            + " %.0f s (longer while the rate still climbs, up to %.0f s), then %.0f s measured per"
            + " mode, modes one after the other against one server%n",
        inFlight,
        HttpLoad.TEXT,
        HttpBench.warmupSeconds,
        Math.max(HttpBench.warmupSeconds, HttpBench.warmupMaxSeconds),
        HttpBench.durationSeconds);
    printMachineState("start");
    System.out.println();
    System.out.flush();

    // Fixed free ports, not port 0: with port 0 every event-loop instance of a transport binds a
    // port of its own and only one is logged, so all the load would meet one server event loop.
    int httpPort = HttpBench.freePort();
    int grpcPort = HttpBench.freePort();
    List<String> command = new ArrayList<>();
    command.add(javaBin());
    command.addAll(HttpBench.serverJavaOptions);
    command.addAll(
        List.of(
            "-jar",
            jar,
            "--transport",
            "http,grpc",
            "--http-port",
            Integer.toString(httpPort),
            "--grpc-port",
            Integer.toString(grpcPort),
            "--no-auth",
            "--backend",
            "default"));
    String serverCommand = String.join(" ", command);
    Path log = HttpBench.logDir.resolve("grpc-server.log");
    System.out.println("server: " + serverCommand);
    long spawn = System.nanoTime();
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    CHILDREN.add(p);

    List<ModeResult> results = new ArrayList<>();
    int[] ports = waitForPorts(log, p);
    if (ports != null && (ports[0] != httpPort || ports[1] != grpcPort)) {
      System.out.printf(
          Locale.ROOT,
          "server: logged ports %d/%d differ from the ones asked for, %d/%d%n",
          ports[0],
          ports[1],
          httpPort,
          grpcPort);
    }
    double startMillis = (System.nanoTime() - spawn) / 1e6;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(HttpBench.clientThreads));
    try {
      if (ports == null) {
        String why =
            p.isAlive()
                ? "no \"MCP Streamable HTTP on\" and \"MCP gRPC on\" lines in "
                    + log
                    + " after "
                    + HttpBench.START_TIMEOUT_SECONDS
                    + " s"
                : "server exited with code " + p.exitValue() + " before listening";
        System.out.println("FAILED: " + why);
        for (String mode : modes) {
          ModeResult r = new ModeResult(mode);
          r.setupFailure = why;
          results.add(r);
        }
      } else {
        System.out.printf(
            Locale.ROOT,
            "server: HTTP port %d, gRPC port %d, both listening after %.0f ms%n%n",
            ports[0],
            ports[1],
            startMillis);
        List<Context> loops = HttpBench.clientLoops(vertx);
        for (String mode : modes) {
          ModeResult r = runMode(mode, p, ports, vertx, loops);
          if (!mode.startsWith("bare-")) {
            r.command = r.command + "; server: " + serverCommand;
          }
          r.startMillis = startMillis;
          r.log = log;
          results.add(r);
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      String exit = HttpBench.stopServer(p, true);
      CHILDREN.remove(p);
      List<String> findings = HttpBench.scanLog(log);
      for (ModeResult r : results) {
        r.exit = exit;
        r.logFindings = findings;
        r.log = log;
      }
    }

    boolean failed = printReport(results, cpus);
    System.out.println();
    printMachineState("end");
    System.out.printf(
        Locale.ROOT,
        "Total gRPC bench time %.1f s; server output in %s%n",
        (System.nanoTime() - benchStart) / 1e9,
        log);
    return failed ? 1 : 0;
  }

  private static ModeResult runMode(
      String mode, Process p, int[] ports, Vertx vertx, List<Context> loops) throws Exception {
    if (mode.equals(BARE_VERTX) || mode.equals(BARE_GRPC_JAVA)) {
      return runBare(mode, vertx);
    }
    ModeResult r = new ModeResult(mode);
    BenchLoad load =
        switch (mode) {
          case TYPED ->
              new GrpcJavaLoad(vertx, HttpBench.clientThreads, ports[1], connections, inFlight);
          case TYPED_VERTX ->
              new GrpcLoad(
                  vertx, loops, ports[1], GrpcLoad.Kind.TYPED, connections, inFlight, streams);
          case CONNECT ->
              new GrpcLoad(
                  vertx, loops, ports[1], GrpcLoad.Kind.CONNECT, connections, inFlight, streams);
          default -> new HttpLoad(vertx, loops, ports[0], inFlight, false, true, false);
        };
    r.command = load.describe();
    System.out.printf(Locale.ROOT, "%-12s: %s%n", mode, r.command);
    System.out.printf(Locale.ROOT, "%-12s: ", mode);
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

  /**
   * A ceiling: its own {@link BareGrpcServer} process, driven by the typed mode's load (grpc-java
   * stubs, same connections and calls in flight), stopped afterwards.
   */
  private static ModeResult runBare(String mode, Vertx vertx) throws Exception {
    ModeResult r = new ModeResult(mode);
    int port = HttpBench.freePort();
    List<String> command =
        List.of(
            javaBin(),
            "-cp",
            System.getProperty("java.class.path"),
            BareGrpcServer.class.getName(),
            mode.equals(BARE_VERTX) ? "vertx" : "grpc-java",
            Integer.toString(port));
    Path log = HttpBench.logDir.resolve("grpc-" + mode + ".log");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    CHILDREN.add(p);
    BenchLoad load = null;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HttpBench.START_TIMEOUT_SECONDS);
      while (p.isAlive()
          && System.nanoTime() < deadline
          && !Files.readString(log, StandardCharsets.UTF_8).contains("listening on")) {
        Thread.sleep(20);
      }
      load = new GrpcJavaLoad(vertx, HttpBench.clientThreads, port, connections, inFlight);
      // The bench's own class path, not spelt out: it is hundreds of characters long.
      r.command =
          load.describe()
              + "; server: java -cp <this bench's class path> "
              + String.join(" ", command.subList(3, command.size()));
      System.out.printf(Locale.ROOT, "%-12s: %s%n%-12s: ", mode, r.command, mode);
      if (!p.isAlive()) {
        r.setupFailure = "bare server exited with code " + p.exitValue();
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
      if (load != null) {
        load.close();
      }
      r.exit = HttpBench.stopServer(p, false);
      CHILDREN.remove(p);
      r.log = log;
    }
  }

  /** The HTTP and gRPC ports from the server's log lines, or null when it did not start. */
  private static int[] waitForPorts(Path log, Process p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HttpBench.START_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        Matcher http = HTTP_PORT.matcher(text);
        Matcher grpc = GRPC_PORT.matcher(text);
        if (http.find() && grpc.find()) {
          return new int[] {Integer.parseInt(http.group(1)), Integer.parseInt(grpc.group(1))};
        }
      } catch (IOException e) {
        // not written yet
      }
      Thread.sleep(20);
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Report

  private static boolean printReport(List<ModeResult> results, int cpus) {
    ModeResult http = find(results, HTTP);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Transports compared: %d calls in flight per mode, >= %.0f s warm-up then %.0f s measured;"
            + " latency = call sent -> whole answer read and checked%n",
        inFlight,
        HttpBench.warmupSeconds,
        HttpBench.durationSeconds);
    String format = "  %-12s %10s %9s %9s %9s %11s %10s %11s %10s %11s %10s %8s %7s%n";
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
        "cli us/req",
        "others CPU",
        "vs HTTP",
        "errors");
    for (ModeResult r : results) {
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
          fmtPerRequest(r.clientCpu, r.rate),
          fmtCores(r.otherCpu),
          ratioText(r, http),
          r.setupFailure != null ? "setup" : Long.toString(r.errors + r.lost));
    }
    System.out.printf(
        Locale.ROOT,
        "  CPU = cores busy during the measured window, of %d: server = the one Trident JVM;"
            + " client = this JVM, the load generator, on the same CPUs; others = every other"
            + " process (irq/softirq left out, see Details)%n",
        cpus);
    if (results.stream().anyMatch(r -> r.disturbed)) {
      System.out.println(
          "  * no clean window (other processes busy, or the rate not steady): the best one is"
              + " shown, see Details");
    }
    System.out.println(
        "  srv us/req = server CPU per answer: less sensitive than req/s to the client and to"
            + " neighbours on a shared machine; cli us/req = the same for the load generator, which"
            + " takes its CPU from the server's");

    System.out.println();
    System.out.println("Details");
    for (ModeResult r : results) {
      HttpBench.printDetails(r);
    }

    System.out.println();
    System.out.println("Goals");
    ModeResult bareVertx = find(results, BARE_VERTX);
    ModeResult bareGrpcJava = find(results, BARE_GRPC_JAVA);
    // The goal is for the first typed client asked for; any other is shown for information.
    boolean goal = true;
    for (ModeResult r : results) {
      if (r.mode.equals(TYPED) || r.mode.equals(TYPED_VERTX)) {
        String client = r.mode.equals(TYPED) ? GRPC_JAVA : "Vert.x";
        String label =
            "typed gRPC CallTool, " + client + " client" + (goal ? " (issue #16 goal)" : "");
        printGoal(r, bareVertx, label, "the bare vertx-grpc server", goal ? goalRatio : Double.NaN);
        printGoal(r, bareGrpcJava, label, "the bare grpc-java server", Double.NaN);
        printGoal(r, http, label, "Streamable HTTP", Double.NaN);
        goal = false;
      }
    }
    printGoal(find(results, CONNECT), http, "Connect envelopes", "Streamable HTTP", Double.NaN);
    return HttpBench.printErrors(results);
  }

  private static String ratioText(ModeResult r, ModeResult http) {
    return http == null || Double.isNaN(http.rate) || http.rate == 0 || Double.isNaN(r.rate)
        ? "-"
        : String.format(Locale.ROOT, "%.2fx", r.rate / http.rate);
  }

  /** {@code g} against {@code ref}; a goal when {@code goal} is a number, else for information. */
  private static void printGoal(
      ModeResult g, ModeResult ref, String label, String refLabel, double goal) {
    if (g == null || ref == null) {
      return;
    }
    String head =
        Double.isNaN(goal)
            ? String.format(Locale.ROOT, "  %s vs %s:", label, refLabel)
            : String.format(Locale.ROOT, "  %s >= %.1fx %s:", label, goal, refLabel);
    if (Double.isNaN(ref.rate) || ref.rate == 0 || Double.isNaN(g.rate)) {
      System.out.printf(
          Locale.ROOT,
          "%s n/a (missing or failed run)%s%n",
          head,
          Double.isNaN(goal) ? "" : " -> MISS");
      return;
    }
    double ratio = g.rate / ref.rate;
    boolean pass = g.clean() && ref.clean() && ratio >= goal;
    System.out.printf(
        Locale.ROOT,
        "%s %.2fx (%s / %s req/s; server CPU per answer %s vs %s us%s)%s%n",
        head,
        ratio,
        fmtRate(g.rate),
        fmtRate(ref.rate),
        fmtPerRequest(g.serverCpu, g.rate),
        fmtPerRequest(ref.serverCpu, ref.rate),
        g.disturbed || ref.disturbed ? "; NOT CLEAN: disturbed or unsteady, see above" : "",
        Double.isNaN(goal) ? "" : pass ? " -> PASS" : " -> MISS");
  }

  private static ModeResult find(List<ModeResult> results, String mode) {
    for (ModeResult r : results) {
      if (r.mode.equals(mode)) {
        return r;
      }
    }
    return null;
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
        case "--streams" -> streams = Integer.parseInt(need(a, v));
        case "--typed-client" -> typedClients = List.of(need(a, v).split(","));
        case "--goal" -> goalRatio = Double.parseDouble(need(a, v));
        case "--jar" -> jar = need(a, v);
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
              usage: GrpcBench [options]
                --modes LIST         of grpc-typed,grpc-connect,http-json,bare-vertx,bare-grpcj
                                     (default all, in that order; the bare ones are the
                                     ceilings, each its own process), and typed-vertx (typed
                                     CallTool with the Vert.x client)
                --inflight N         calls in flight in every mode (default 64): typed gRPC N
                                     concurrent CallTool calls, Connect N / streams per stream,
                                     HTTP N sessions with one call each
                --typed-client LIST  of grpc-java,vertx: the client(s) of the grpc-typed mode, one
                                     row each in this order, the first one judged against the
                                     goal (default grpc-java; vertx's row is typed-vertx)
                --connections N      HTTP/2 connections of the gRPC modes (default 4)
                --streams N          Connect streams, spread over the connections (default 8)
                --goal R             typed gRPC / bare vertx-grpc rate goal (default 0.8)
                --jar PATH           Trident fat jar (default target/trident.jar)
                --warmup S           warm-up seconds per mode, at least (default 30; typed gRPC
                                     warms up slowly); goes on while the rate climbs
                --warmup-max S, --duration S, --client-threads N, --quiet-wait S, --retries N,
                --server-java-options "OPTS", --log-dir DIR
                                     as for HttpBench (see HttpBench --help)""");
          System.exit(0);
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + " (try --help)");
      }
      i++;
    }
    // Typed gRPC warms up slowly: a stream per call runs much more of the Vert.x HTTP/2 client and
    // server than Connect or HTTP/1.1 do, and the JITs take tens of seconds for it on 2 busy cores.
    HttpBench.warmupSeconds = DEFAULT_WARMUP_SECONDS;
    HttpBench.parseArgs(shared.toArray(String[]::new));
    for (String m : modes) {
      if (!Set.of(TYPED, TYPED_VERTX, CONNECT, HTTP, BARE_VERTX, BARE_GRPC_JAVA).contains(m)) {
        throw new IllegalArgumentException("--modes: unknown mode " + m);
      }
    }
    List<String> typedRows = new ArrayList<>();
    for (String c : typedClients) {
      switch (c) {
        case GRPC_JAVA -> typedRows.add(TYPED);
        case VERTX -> typedRows.add(TYPED_VERTX);
        default ->
            throw new IllegalArgumentException(
                "--typed-client: unknown client " + c + " (grpc-java or vertx)");
      }
    }
    List<String> expanded = new ArrayList<>();
    for (String m : modes) {
      if (m.equals(TYPED)) {
        typedRows.stream().filter(r -> !expanded.contains(r)).forEach(expanded::add);
      } else if (!expanded.contains(m)) {
        expanded.add(m);
      }
    }
    modes = List.copyOf(expanded);
    if (inFlight < 1 || connections < 1 || streams < 1 || inFlight % streams != 0) {
      throw new IllegalArgumentException(
          "--inflight, --connections, --streams must be positive, --inflight a multiple of"
              + " --streams");
    }
  }
}
