package io.trident.bench;

import static io.trident.bench.BenchSupport.abbreviate;
import static io.trident.bench.BenchSupport.cpuNanos;
import static io.trident.bench.BenchSupport.daemonScheduler;
import static io.trident.bench.BenchSupport.fmtRate;
import static io.trident.bench.BenchSupport.javaBin;
import static io.trident.bench.BenchSupport.jdkDescription;
import static io.trident.bench.BenchSupport.killOnExit;
import static io.trident.bench.BenchSupport.need;
import static io.trident.bench.BenchSupport.percentile;
import static io.trident.bench.BenchSupport.printMachineState;
import static io.trident.bench.BenchSupport.runAndExit;
import static io.trident.bench.BenchSupport.selfCpuNanos;
import static io.trident.bench.BenchSupport.systemBusyNanos;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Start-up and throughput benchmark of Trident's stdio transport, against a bare JDK read-answer
 * loop ({@link BareStdioServer}) as the ceiling. Not a JUnit test: run it with {@code
 * scripts/bench}.
 *
 * <ul>
 *   <li>Start-up: wall time from {@code ProcessBuilder.start()} to reading the initialize response,
 *       for every launch command given with {@code --launch NAME=COMMAND...}.
 *   <li>Throughput: one long-lived server; a writer thread keeps K requests in flight while a
 *       reader thread consumes the answers, for {@code ping} and a trivial {@code tools/call} of
 *       echo.
 * </ul>
 *
 * The client shares the machine with the server, so it is kept cheap: request bytes are
 * preformatted (only the id digits change), answers are scanned as bytes for the id and {@code
 * "result"}, and the writer only wakes up when the reader has freed window slots.
 */
public final class StdioBench {

  // ---------------------------------------------------------------------------------------------
  // Options

  private static int runs = 15;
  private static int startupWarmup = 2;
  private static double durationSeconds = 10;
  private static double warmupSeconds = 5;
  private static int[] inFlight = {1, 64};
  private static final Map<String, List<String>> launches = new LinkedHashMap<>();
  private static List<String> throughputLaunches;
  private static boolean skipStartup;
  private static boolean skipThroughput;
  private static boolean skipBaseline;
  private static String baselineClassPath = "target/test-classes";
  private static Path logDir = Path.of("target", "bench");

  private static final double STARTUP_GOAL_PLAIN = 1.5;
  private static final double STARTUP_GOAL_TUNED = 1.3;
  private static final double THROUGHPUT_GOAL_RATIO = 0.7;
  private static final double IDLE_RSS_GOAL_MIB = 120;
  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n";
  private static final String INITIALIZED =
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";

  /** /proc/stat steal time counts as busy: CPU the hypervisor gave to others disturbs us too. */
  private static final boolean BUSY_WITH_STEAL = true;

  private static final int STARTUP_TIMEOUT_SECONDS = 30;
  private static final ScheduledExecutorService WATCHDOG = daemonScheduler("bench-watchdog");

  private static final List<String> THROUGHPUT_FAILURES = new ArrayList<>();

  /** Every child we started, so that a shutdown hook can kill whatever is still running. */
  private static final Set<Process> CHILDREN = ConcurrentHashMap.newKeySet();

  private StdioBench() {}

  enum Workload {
    PING("ping", ",\"method\":\"ping\"}\n"),
    ECHO(
        "tools/call",
        ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello world 1234\"}}}\n");

    final String label;
    final byte[] suffix;

    Workload(String label, String suffix) {
      this.label = label;
      this.suffix = suffix.getBytes(StandardCharsets.US_ASCII);
    }
  }

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(CHILDREN, "bench-kill-children");
    runAndExit(CHILDREN, StdioBench::run);
  }

  private static int run() throws Exception {
    long benchStart = System.nanoTime();
    String javaBin = javaBin();
    if (launches.isEmpty()) {
      launches.put("plain", List.of(javaBin, "-jar", "target/trident.jar", "--transport", "stdio"));
      launches.put(
          "tuned",
          List.of(
              javaBin,
              "-XX:SharedArchiveFile=target/trident.jsa",
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-jar",
              "target/trident.jar",
              "--transport",
              "stdio"));
    }
    if (throughputLaunches == null) {
      throughputLaunches = List.of(launches.keySet().iterator().next());
    }
    for (String name : throughputLaunches) {
      if (!launches.containsKey(name)) {
        throw new IllegalArgumentException("--throughput-launch " + name + ": no such --launch");
      }
    }
    List<String> baseline =
        List.of(javaBin, "-cp", baselineClassPath, BareStdioServer.class.getName());
    Files.createDirectories(logDir);

    System.out.println("Trident stdio benchmark");
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Machine: %d CPUs visible to the JVM, %s %s; client and servers share them%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"));
    for (Map.Entry<String, List<String>> e : launches.entrySet()) {
      System.out.println("Launch " + e.getKey() + ": " + String.join(" ", e.getValue()));
    }
    System.out.println("Launch baseline: " + String.join(" ", baseline));
    printMachineState("start");
    System.out.println();
    System.out.flush();

    boolean failed = false;
    Map<String, StartupResult> startup = new LinkedHashMap<>();
    Map<String, Double> idleRss = new LinkedHashMap<>();
    if (!skipStartup) {
      Map<String, List<String>> commands = new LinkedHashMap<>(launches);
      if (!skipBaseline) {
        commands.put("baseline", baseline);
      }
      startup.putAll(measureStartup(commands));
      printStartup(startup);
      idleRss.putAll(measureIdleRss(commands));
      System.out.println();
      System.out.println("Idle session: RSS 3 s after initialize was answered (MiB)");
      idleRss.forEach((name, mib) -> System.out.printf(Locale.ROOT, "  %-10s %8.1f%n", name, mib));
    }

    Map<String, List<Row>> rowsByLaunch = new LinkedHashMap<>();
    if (!skipThroughput) {
      List<PhaseResult> bare = skipBaseline ? List.of() : measureThroughput("baseline", baseline);
      for (String name : throughputLaunches) {
        List<Row> rows = new ArrayList<>();
        for (PhaseResult t : measureThroughput(name, launches.get(name))) {
          PhaseResult b = null;
          for (PhaseResult x : bare) {
            if (x.workload == t.workload && x.inFlight == t.inFlight) {
              b = x;
            }
          }
          rows.add(new Row(t, b));
        }
        rowsByLaunch.put(name, rows);
        printThroughput(name, rows);
      }
    }
    List<Row> rows = new ArrayList<>();
    rowsByLaunch.values().forEach(rows::addAll);

    System.out.println();
    System.out.println("Goals (issue #16; ratios to the bare JDK loop measured in this run)");
    StartupResult bareStartup = startup.get("baseline");
    if (!startup.isEmpty() && bareStartup != null && bareStartup.ok()) {
      for (Map.Entry<String, StartupResult> e : startup.entrySet()) {
        if (e.getKey().equals("baseline")) {
          continue;
        }
        StartupResult s = e.getValue();
        // The desktop-config launches have the tighter goal; plain `java -jar` ones the looser.
        double goal = e.getKey().startsWith("desktop") ? STARTUP_GOAL_TUNED : STARTUP_GOAL_PLAIN;
        double ratio = s.ok() ? s.median() / bareStartup.median() : Double.NaN;
        System.out.printf(
            Locale.ROOT,
            "  start-up, launch %-10s %8s = %5.2fx the bare loop (goal <= %.1fx) -> %s%n",
            e.getKey(),
            s.ok() ? fmtMs(s.median()) + " ms" : "failed",
            ratio,
            goal,
            s.ok() && ratio <= goal ? "MET" : "NOT MET");
      }
    }
    idleRss.forEach(
        (name, mib) -> {
          if (!name.equals("baseline")) {
            System.out.printf(
                Locale.ROOT,
                "  idle session RSS, launch %-10s %6.1f MiB (goal <= %.0f MiB) -> %s%n",
                name,
                mib,
                IDLE_RSS_GOAL_MIB,
                mib <= IDLE_RSS_GOAL_MIB ? "MET" : "NOT MET");
          }
        });
    for (Map.Entry<String, List<Row>> e : rowsByLaunch.entrySet()) {
      if (e.getValue().isEmpty() || e.getValue().get(0).baseline == null) {
        continue;
      }
      long peak = e.getValue().get(0).trident.peakRssKib;
      long barePeak = e.getValue().get(0).baseline.peakRssKib;
      if (peak > 0 && barePeak > 0) {
        System.out.printf(
            Locale.ROOT,
            "  peak RSS under load, launch %-10s %6.0f MiB = %.2fx the bare loop's %.0f MiB (goal"
                + " <= 1.5x) -> %s%n",
            e.getKey(),
            peak / 1024.0,
            (double) peak / barePeak,
            barePeak / 1024.0,
            (double) peak / barePeak <= 1.5 ? "MET" : "NOT MET");
      }
    }
    double plainRate = Double.NaN;
    for (Map.Entry<String, List<Row>> e : rowsByLaunch.entrySet()) {
      for (Row r : e.getValue()) {
        if (r.trident.workload != Workload.ECHO || r.trident.inFlight != 64) {
          continue;
        }
        if (e.getKey().equals("plain")) {
          plainRate = r.trident.rate;
        }
        double ratio = r.baseline == null ? Double.NaN : r.trident.rate / r.baseline.rate;
        System.out.printf(
            Locale.ROOT,
            "  tools/call, 64 in flight, launch %-10s %,10.0f req/s = %.2fx the bare loop (goal >="
                + " %.1fx) -> %s%n",
            e.getKey(),
            r.trident.rate,
            ratio,
            THROUGHPUT_GOAL_RATIO,
            r.trident.clean() && ratio >= THROUGHPUT_GOAL_RATIO ? "MET" : "NOT MET");
        if (!e.getKey().equals("plain") && !Double.isNaN(plainRate)) {
          System.out.printf(
              Locale.ROOT,
              "  the fast launch %-10s keeps %.2f of plain's throughput (goal: no loss, >= 0.95)"
                  + " -> %s%n",
              e.getKey(),
              r.trident.rate / plainRate,
              r.trident.rate / plainRate >= 0.95 ? "MET" : "NOT MET");
        }
      }
    }
    for (String why : THROUGHPUT_FAILURES) {
      failed = true;
      System.out.println("  PROBLEM: " + why);
    }
    for (Row r : rows) {
      failed |= !r.trident.clean();
      if (!r.trident.clean()) {
        System.out.printf(
            Locale.ROOT,
            "  PROBLEM: trident %s @%d: %s%n",
            r.trident.workload.label,
            r.trident.inFlight,
            r.trident.problems());
      }
      if (r.baseline != null && !r.baseline.clean()) {
        System.out.printf(
            Locale.ROOT,
            "  PROBLEM: baseline %s @%d: %s%n",
            r.baseline.workload.label,
            r.baseline.inFlight,
            r.baseline.problems());
      }
    }
    for (Map.Entry<String, StartupResult> e : startup.entrySet()) {
      if (!e.getValue().failures.isEmpty()) {
        failed = true;
        System.out.printf(
            Locale.ROOT, "  PROBLEM: start-up %s: %s%n", e.getKey(), e.getValue().failures);
      }
    }
    System.out.println();
    printMachineState("end");
    System.out.printf(
        Locale.ROOT,
        "Total bench time %.1f s; server stderr of the throughput runs in %s%n",
        (System.nanoTime() - benchStart) / 1e9,
        logDir);
    return failed ? 1 : 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Start-up

  /**
   * @param cpuMillis CPU the server had used when its answer was read (all its threads)
   * @param otherCores average cores used by everything else on the machine during the timed windows
   */
  record StartupResult(
      double[] millis,
      double[] exitMillis,
      double[] cpuMillis,
      double otherCores,
      List<String> failures) {
    boolean ok() {
      return millis.length > 0;
    }

    double median() {
      return percentile(millis, 50);
    }
  }

  /** What the start-up runs of one launch collected so far. */
  private static final class StartupSeries {
    final List<String> command;
    final List<Double> times = new ArrayList<>();
    final List<Double> exits = new ArrayList<>();
    final List<Double> cpus = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    long otherNanos;
    long timedNanos;
    boolean otherKnown = true;

    StartupSeries(List<String> command) {
      this.command = command;
    }

    StartupResult result() {
      double otherCores =
          otherKnown && timedNanos > 0 ? Math.max(0, (double) otherNanos / timedNanos) : Double.NaN;
      return new StartupResult(toArray(times), toArray(exits), toArray(cpus), otherCores, failures);
    }
  }

  /**
   * Runs the launches round-robin (run i of every launch, then run i + 1...), so that a slow
   * stretch of the machine hits every launch alike instead of skewing one of them.
   */
  static Map<String, StartupResult> measureStartup(Map<String, List<String>> commands)
      throws IOException, InterruptedException {
    Map<String, StartupSeries> series = new LinkedHashMap<>();
    commands.forEach((name, command) -> series.put(name, new StartupSeries(command)));
    System.out.printf(
        Locale.ROOT, "start-up, %d rounds of %s: ", runs, String.join(", ", commands.keySet()));
    System.out.flush();
    for (int i = 0; i < runs; i++) {
      for (StartupSeries s : series.values()) {
        spawnOnce(s, i, i >= startupWarmup);
      }
      System.out.print(i < startupWarmup ? 'w' : '.');
      System.out.flush();
    }
    System.out.println();
    Map<String, StartupResult> results = new LinkedHashMap<>();
    series.forEach((name, s) -> results.put(name, s.result()));
    return results;
  }

  /**
   * Resident memory of an idle session: each launch answers initialize, then gets 3 s of quiet
   * before its RSS (the whole process tree) is read; in MiB, NaN when it failed.
   */
  static Map<String, Double> measureIdleRss(Map<String, List<String>> commands)
      throws IOException, InterruptedException {
    Map<String, Double> rss = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> e : commands.entrySet()) {
      Process p =
          new ProcessBuilder(e.getValue()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      CHILDREN.add(p);
      try {
        ScheduledFuture<?> watchdog =
            WATCHDOG.schedule(p::destroyForcibly, STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        OutputStream stdin = p.getOutputStream();
        stdin.write((INITIALIZE + INITIALIZED).getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        String line = readInitializeAnswer(p.getInputStream());
        watchdog.cancel(false);
        double mib = Double.NaN;
        if (line != null && line.contains("\"result\"")) {
          Thread.sleep(3000);
          long kib = BenchSupport.residentKib(p);
          mib = kib < 0 ? Double.NaN : kib / 1024.0;
        }
        rss.put(e.getKey(), mib);
        stdin.close();
        p.waitFor(15, TimeUnit.SECONDS);
      } catch (IOException ex) {
        rss.put(e.getKey(), Double.NaN);
      } finally {
        p.destroyForcibly();
        CHILDREN.remove(p);
      }
    }
    return rss;
  }

  private static void spawnOnce(StartupSeries s, int run, boolean counted)
      throws IOException, InterruptedException {
    byte[] init = INITIALIZE.getBytes(StandardCharsets.US_ASCII);
    ProcessBuilder pb =
        new ProcessBuilder(s.command).redirectError(ProcessBuilder.Redirect.DISCARD);
    long busy0 = systemBusyNanos(BUSY_WITH_STEAL);
    long self0 = selfCpuNanos();
    long t0 = System.nanoTime();
    Process p = pb.start();
    CHILDREN.add(p);
    try {
      // A server that never answers must not hang the bench: kill it, and the read sees EOF.
      ScheduledFuture<?> watchdog =
          WATCHDOG.schedule(p::destroyForcibly, STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      OutputStream stdin = p.getOutputStream();
      String line;
      try {
        stdin.write(init);
        stdin.flush();
        line = readInitializeAnswer(p.getInputStream());
      } catch (IOException e) {
        line = null;
      }
      long t1 = System.nanoTime();
      watchdog.cancel(false);
      long child = cpuNanos(p);
      long self1 = selfCpuNanos();
      long busy1 = systemBusyNanos(BUSY_WITH_STEAL);
      if (line == null || !line.contains("\"result\"")) {
        s.failures.add(
            "run "
                + run
                + ": "
                + (line == null
                    ? "no initialize answer within " + STARTUP_TIMEOUT_SECONDS + " s (or EOF)"
                    : "bad answer " + abbreviate(line)));
      } else if (counted) {
        s.times.add((t1 - t0) / 1e6);
        if (child >= 0) {
          s.cpus.add(child / 1e6);
        }
        if (busy0 >= 0 && busy1 >= 0 && child >= 0 && self0 >= 0 && self1 >= 0) {
          s.otherNanos += (busy1 - busy0) - child - (self1 - self0);
          s.timedNanos += t1 - t0;
        } else {
          s.otherKnown = false;
        }
      }
      long t2 = System.nanoTime();
      stdin.close();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        s.failures.add("run " + run + ": did not exit within 15 s of EOF on stdin");
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      } else {
        if (counted) {
          s.exits.add((System.nanoTime() - t2) / 1e6);
        }
        if (p.exitValue() != 0) {
          s.failures.add("run " + run + ": exit code " + p.exitValue());
        }
      }
    } finally {
      p.destroyForcibly();
      CHILDREN.remove(p);
    }
  }

  /**
   * Reads lines until the answer with id 1; null on EOF. Startup-only, so simplicity over speed.
   */
  private static String readInitializeAnswer(InputStream in) throws IOException {
    byte[] line = new byte[16 * 1024];
    while (true) {
      int n = 0;
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        if (n == line.length) {
          line = Arrays.copyOf(line, n * 2);
        }
        line[n++] = (byte) b;
      }
      if (b < 0 && n == 0) {
        return null;
      }
      String s = new String(line, 0, n, StandardCharsets.UTF_8);
      if (s.contains("\"id\":1,") || s.contains("\"id\":1}")) {
        return s;
      }
      if (b < 0) {
        return null;
      }
    }
  }

  static void printStartup(Map<String, StartupResult> results) {
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Start-up: spawn -> initialize answer read, %d runs, first %d discarded (ms)%n",
        runs,
        startupWarmup);
    System.out.printf(
        Locale.ROOT,
        "  %-10s %8s %8s %8s %8s %14s %14s %12s%n",
        "launch",
        "median",
        "p90",
        "min",
        "max",
        "server CPU ms",
        "exit after EOF",
        "other cores");
    for (Map.Entry<String, StartupResult> e : results.entrySet()) {
      StartupResult r = e.getValue();
      if (!r.ok()) {
        System.out.printf(Locale.ROOT, "  %-10s failed: %s%n", e.getKey(), r.failures);
        continue;
      }
      String goal = "";
      System.out.printf(
          Locale.ROOT,
          "  %-10s %8s %8s %8s %8s %14s %14s %12s%s%n",
          e.getKey(),
          fmtMs(r.median()),
          fmtMs(percentile(r.millis, 90)),
          fmtMs(r.millis[0]),
          fmtMs(r.millis[r.millis.length - 1]),
          r.cpuMillis.length == 0 ? "-" : fmtMs(percentile(r.cpuMillis, 50)),
          r.exitMillis.length == 0 ? "-" : fmtMs(percentile(r.exitMillis, 50)),
          Double.isNaN(r.otherCores) ? "n/a" : String.format(Locale.ROOT, "%.2f", r.otherCores),
          goal);
    }
    System.out.println(
        "  server CPU ms and exit after EOF are medians; other cores = average CPU used by"
            + " everything else on the machine while timing (noise; should be near 0)");
  }

  // ---------------------------------------------------------------------------------------------
  // Throughput

  static final class PhaseResult {
    Workload workload;
    int inFlight;
    double rate;
    long measured;
    double p50Micros = Double.NaN;
    double p99Micros = Double.NaN;
    long errors;
    long unexpected;
    long lost;
    boolean hung;
    boolean died;
    String firstError;
    double serverCpu = Double.NaN; // cores used by the server during the measured window
    double clientCpu = Double.NaN; // cores used by this JVM during the measured window
    double otherCpu = Double.NaN; // cores used by everything else on the machine (noise)
    long peakRssKib = -1; // the server's VmHWM when its process was stopped

    boolean clean() {
      return errors == 0 && unexpected == 0 && lost == 0 && !hung && !died;
    }

    String problems() {
      StringBuilder sb = new StringBuilder();
      if (errors > 0) {
        sb.append(errors).append(" error answers (first: ").append(firstError).append(") ");
      }
      if (unexpected > 0) {
        sb.append(unexpected).append(" answers with an unknown or repeated id ");
      }
      if (lost > 0) {
        sb.append(lost).append(" requests never answered ");
      }
      if (hung) {
        sb.append("stalled: no answer for 5 s with requests in flight ");
      }
      if (died) {
        sb.append("server closed stdout / exited ");
      }
      return sb.toString().trim();
    }
  }

  record Row(PhaseResult trident, PhaseResult baseline) {}

  static List<PhaseResult> measureThroughput(String name, List<String> command) throws Exception {
    List<PhaseResult> results = new ArrayList<>();
    File log = logDir.resolve(name + "-throughput.stderr.log").toFile();
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log)).start();
    CHILDREN.add(p);
    Driver driver = null;
    try {
      driver = new Driver(p);
      try {
        driver.initialize();
      } catch (IOException e) {
        String why = "throughput " + name + ": " + e.getMessage();
        System.out.println(why);
        THROUGHPUT_FAILURES.add(why);
        return results;
      }
      for (Workload w : Workload.values()) {
        for (int k : inFlight) {
          System.out.printf(Locale.ROOT, "throughput %-8s %-10s in flight %3d: ", name, w.label, k);
          System.out.flush();
          PhaseResult r = driver.phase(w, k);
          results.add(r);
          System.out.printf(
              Locale.ROOT,
              "%,10.0f req/s  p50 %s us  p99 %s us  server %.2f cores  client %.2f cores  other %.2f cores%s%n",
              r.rate,
              fmtMicros(r.p50Micros),
              fmtMicros(r.p99Micros),
              r.serverCpu,
              r.clientCpu,
              r.otherCpu,
              r.clean() ? "" : "  ** " + r.problems());
          if (r.died || r.hung) {
            return results; // the process is no use any more
          }
        }
      }
      return results;
    } finally {
      long peak = BenchSupport.peakRssKib(p);
      results.forEach(r -> r.peakRssKib = peak);
      if (driver != null) {
        driver.close();
      }
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
      CHILDREN.remove(p);
    }
  }

  /**
   * One long-lived server process, one reader thread for its life, one writer thread per phase. Ids
   * are sequential; the send time of id n lives in {@code sendTimes[n & MASK]}.
   */
  static final class Driver {
    private static final int RING = 1 << 20;
    private static final int MASK = RING - 1;
    private static final long EMPTY = Long.MIN_VALUE;
    private static final int HISTO_MICROS =
        1_000_000; // 1 us buckets up to 1 s, then one overflow bucket
    private static final byte[] PREFIX =
        "{\"jsonrpc\":\"2.0\",\"id\":".getBytes(StandardCharsets.US_ASCII);

    private final Process process;
    private final InputStream in;
    private final OutputStream rawOut;
    private final BufferedOutputStream out;
    private final long[] sendTimes = new long[RING];
    private final int[] histogram = new int[HISTO_MICROS + 1];
    private final Thread reader;

    /** Ids are handed out from here; only the writer thread touches it during a phase. */
    private long nextId = 100;

    /** Requests sent (writer-owned, published after their send times are stored). */
    private volatile long sent;

    /** Answers consumed (reader-owned, published once per read). */
    private volatile long received;

    private volatile boolean recording;
    private volatile boolean writerWaiting;
    private volatile boolean stopWriter;
    private volatile Thread writerThread;
    private volatile boolean eof;
    // Reader-owned counters; read by the main thread after the phase has drained.
    private volatile long errors;
    private volatile long unexpected;
    private volatile String firstError;
    private long recorded;

    Driver(Process process) {
      this.process = process;
      this.in = process.getInputStream();
      this.rawOut = process.getOutputStream();
      this.out = new BufferedOutputStream(rawOut, 64 * 1024);
      Arrays.fill(sendTimes, EMPTY);
      this.reader = new Thread(this::readLoop, "bench-reader");
      this.reader.setDaemon(true);
    }

    void initialize() throws IOException, InterruptedException {
      // initialize (id 1) goes through the normal machinery: its send time sits in slot 1.
      sendTimes[1] = System.nanoTime();
      sent = 1;
      reader.start();
      out.write(INITIALIZE.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (received < 1) {
        if (eof || System.nanoTime() > deadline) {
          throw new IOException("no answer to initialize (" + (eof ? "EOF" : "timeout") + ")");
        }
        Thread.sleep(5);
      }
      if (errors > 0) {
        throw new IOException("initialize failed: " + firstError);
      }
      out.write(INITIALIZED.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      sent = 0;
      received = 0;
    }

    PhaseResult phase(Workload workload, int window) throws InterruptedException {
      PhaseResult result = new PhaseResult();
      result.workload = workload;
      result.inFlight = window;
      long errors0 = errors;
      long unexpected0 = unexpected;
      firstError = null;
      Arrays.fill(histogram, 0);
      recorded = 0;

      stopWriter = false;
      Thread writer = new Thread(() -> writeLoop(workload, window), "bench-writer");
      writer.setDaemon(true);
      writerThread = writer;
      writer.start();

      long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
      if (!watch(warmupEnd, result)) {
        long rStart = received;
        long tStart = System.nanoTime();
        long serverCpu0 = cpuNanos(process);
        long clientCpu0 = selfCpuNanos();
        long busy0 = systemBusyNanos(BUSY_WITH_STEAL);
        recording = true;
        boolean bad = watch(tStart + (long) (durationSeconds * 1e9), result);
        recording = false;
        long tEnd = System.nanoTime();
        long rEnd = received;
        long serverCpu1 = cpuNanos(process);
        long clientCpu1 = selfCpuNanos();
        long busy1 = systemBusyNanos(BUSY_WITH_STEAL);
        double seconds = (tEnd - tStart) / 1e9;
        result.measured = rEnd - rStart;
        result.rate = result.measured / seconds;
        if (serverCpu0 >= 0 && serverCpu1 >= 0) {
          result.serverCpu = (serverCpu1 - serverCpu0) / 1e9 / seconds;
        }
        if (clientCpu0 >= 0 && clientCpu1 >= 0) {
          result.clientCpu = (clientCpu1 - clientCpu0) / 1e9 / seconds;
        }
        if (busy0 >= 0
            && busy1 >= 0
            && !Double.isNaN(result.serverCpu)
            && !Double.isNaN(result.clientCpu)) {
          result.otherCpu =
              Math.max(0, (busy1 - busy0) / 1e9 / seconds - result.serverCpu - result.clientCpu);
        }
        if (bad) {
          result.rate = Double.NaN;
        }
      }
      stopWriter = true;
      LockSupport.unpark(writer);
      writer.join(10_000);

      // Drain: every request sent must be answered.
      long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (received < sent && !eof && System.nanoTime() < drainDeadline) {
        Thread.sleep(2);
      }
      result.lost = sent - received;
      result.died |= eof;
      result.errors = errors - errors0;
      result.unexpected = unexpected - unexpected0;
      result.firstError = firstError;
      result.p50Micros = histogramPercentile(50);
      result.p99Micros = histogramPercentile(99);
      // Fresh counters for the next phase; the ring keeps unanswered ids marked as outstanding.
      sent = 0;
      received = 0;
      return result;
    }

    /**
     * Sleeps until {@code until}, watching for a dead or stalled server; true if something went
     * wrong.
     */
    private boolean watch(long until, PhaseResult result) throws InterruptedException {
      long lastReceived = received;
      long lastProgress = System.nanoTime();
      while (true) {
        long now = System.nanoTime();
        if (now >= until) {
          return false;
        }
        Thread.sleep(Math.max(1, Math.min(100, (until - now) / 1_000_000)));
        if (eof) {
          result.died = true;
          return true;
        }
        long r = received;
        if (r != lastReceived) {
          lastReceived = r;
          lastProgress = System.nanoTime();
        } else if (sent > r && System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(5)) {
          result.hung = true;
          return true;
        }
      }
    }

    private void writeLoop(Workload workload, int window) {
      byte[] suffix = workload.suffix;
      byte[] line = new byte[PREFIX.length + 20 + suffix.length];
      System.arraycopy(PREFIX, 0, line, 0, PREFIX.length);
      long[] times = sendTimes;
      long mySent = sent;
      long id = nextId;
      try {
        while (true) {
          if (stopWriter || eof) {
            break;
          }
          long free = window - (mySent - received);
          if (free <= 0) {
            writerWaiting = true;
            if (window - (mySent - received) <= 0) {
              LockSupport.parkNanos(1_000_000);
            }
            writerWaiting = false;
            continue;
          }
          long now = System.nanoTime();
          for (long i = 0; i < free; i++) {
            int n = PREFIX.length + writeDigits(id, line, PREFIX.length);
            System.arraycopy(suffix, 0, line, n, suffix.length);
            long slot = id & MASK;
            if (times[(int) slot] != EMPTY) {
              // A request from RING ids ago is still unanswered: skip its slot rather than lose
              // track.
              id++;
              i--;
              continue;
            }
            times[(int) slot] = now;
            out.write(line, 0, n + suffix.length);
            id++;
          }
          mySent += free;
          sent = mySent; // publish the send times before the bytes can be answered
          out.flush(); // window full: one write for the whole burst
        }
        out.flush();
      } catch (IOException e) {
        eof = true;
      } finally {
        nextId = id;
      }
    }

    private void readLoop() {
      byte[] buf = new byte[64 * 1024];
      int start = 0;
      int limit = 0;
      long[] times = sendTimes;
      int[] histo = histogram;
      try {
        while (true) {
          if (start == limit) {
            start = 0;
            limit = 0;
          } else if (limit == buf.length) {
            if (start == 0) {
              buf = Arrays.copyOf(buf, buf.length * 2);
            } else {
              System.arraycopy(buf, start, buf, 0, limit - start);
              limit -= start;
              start = 0;
            }
          }
          int n = in.read(buf, limit, buf.length - limit);
          if (n < 0) {
            break;
          }
          long now = System.nanoTime();
          long publishedSent = sent; // happens-before for the send times we are about to read
          boolean rec = recording;
          long got = 0;
          long err = 0;
          long unexp = 0;
          int scan = limit;
          limit += n;
          for (int i = scan; i < limit; i++) {
            if (buf[i] != '\n') {
              continue;
            }
            int lineStart = start;
            start = i + 1;
            int idAt = indexOf(buf, lineStart, i, ID_KEY);
            if (idAt < 0) {
              if (indexOf(buf, lineStart, i, METHOD_KEY) < 0) {
                err++;
                noteError(buf, lineStart, i);
              }
              continue; // a notification from the server: not an answer
            }
            int d = idAt + ID_KEY.length;
            long id = 0;
            boolean digits = false;
            while (d < i && buf[d] >= '0' && buf[d] <= '9') {
              id = id * 10 + (buf[d++] - '0');
              digits = true;
            }
            if (!digits) {
              unexp++;
              noteError(buf, lineStart, i);
              continue;
            }
            // Keys in any order (the TypeScript SDK writes "result" before "id").
            boolean hasResult = indexOf(buf, lineStart, i, RESULT_KEY) >= 0;
            if (indexOf(buf, lineStart, i, METHOD_KEY) >= 0 && !hasResult) {
              continue; // a request from the server to us (has an id and a method): ignore
            }
            int slot = (int) (id & MASK);
            long t = times[slot];
            if (t == EMPTY) {
              unexp++;
              noteError(buf, lineStart, i);
              continue;
            }
            times[slot] = EMPTY;
            got++;
            if (!hasResult || indexOf(buf, lineStart, i, IS_ERROR_TRUE) >= 0) {
              err++;
              noteError(buf, lineStart, i);
            }
            if (rec) {
              long micros = (now - t) / 1000;
              histo[micros >= HISTO_MICROS ? HISTO_MICROS : (int) micros]++;
              recorded++;
            }
          }
          if (err > 0) {
            errors += err;
          }
          if (unexp > 0) {
            unexpected += unexp;
          }
          if (got > 0) {
            received += got;
            if (writerWaiting) {
              Thread w = writerThread;
              if (w != null) {
                LockSupport.unpark(w);
              }
            }
          }
          if (publishedSent < 0) {
            throw new AssertionError(); // keeps the volatile read from being optimised away
          }
        }
      } catch (IOException e) {
        // process gone
      } finally {
        eof = true;
      }
    }

    private void noteError(byte[] buf, int from, int to) {
      if (firstError == null) {
        firstError = abbreviate(new String(buf, from, to - from, StandardCharsets.UTF_8));
      }
    }

    private double histogramPercentile(double pct) {
      long total = recorded;
      if (total == 0) {
        return Double.NaN;
      }
      long rank = (long) Math.ceil(pct / 100.0 * total);
      long seen = 0;
      for (int i = 0; i < histogram.length; i++) {
        seen += histogram[i];
        if (seen >= rank) {
          return i + 0.5; // bucket i holds [i, i+1) us
        }
      }
      return HISTO_MICROS;
    }

    void close() {
      try {
        out.close(); // EOF on the server's stdin: it should exit by itself
      } catch (IOException ignored) {
        // already gone
      }
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          System.out.println("  note: server did not exit within 10 s of EOF on stdin; killed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final byte[] ID_KEY = "\"id\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] METHOD_KEY = "\"method\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESULT_KEY = "\"result\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] IS_ERROR_TRUE =
      "\"isError\":true".getBytes(StandardCharsets.US_ASCII);

  /** Writes the decimal digits of a non-negative number at {@code at}; returns how many. */
  static int writeDigits(long value, byte[] into, int at) {
    if (value == 0) {
      into[at] = '0';
      return 1;
    }
    int len = 0;
    for (long v = value; v > 0; v /= 10) {
      len++;
    }
    long v = value;
    for (int i = at + len - 1; i >= at; i--) {
      into[i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
    return len;
  }

  static int indexOf(byte[] hay, int from, int to, byte[] needle) {
    byte first = needle[0];
    int last = to - needle.length;
    outer:
    for (int i = from; i <= last; i++) {
      if (hay[i] != first) {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void printThroughput(String launch, List<Row> rows) {
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Throughput: server launch '%s', %.0f s warm-up then %.0f s measured per row; latency = send -> answer read%n",
        launch,
        warmupSeconds,
        durationSeconds);
    String header =
        String.format(
            Locale.ROOT,
            "  %-10s %9s %14s %14s %7s %19s %19s %16s %16s  %s",
            "workload",
            "in-flight",
            "trident req/s",
            "baseline req/s",
            "ratio",
            "trident p50/p99 us",
            "baseline p50/p99 us",
            "trident CPU",
            "baseline CPU",
            "problems");
    System.out.println(header);
    for (Row r : rows) {
      PhaseResult t = r.trident;
      PhaseResult b = r.baseline;
      String ratio =
          b == null || Double.isNaN(b.rate) || b.rate == 0
              ? "-"
              : String.format(Locale.ROOT, "%.3f", t.rate / b.rate);
      System.out.printf(
          Locale.ROOT,
          "  %-10s %9d %14s %14s %7s %19s %19s %16s %16s  %s%n",
          t.workload.label,
          t.inFlight,
          fmtRate(t.rate),
          b == null ? "-" : fmtRate(b.rate),
          ratio,
          fmtMicros(t.p50Micros) + " / " + fmtMicros(t.p99Micros),
          b == null ? "-" : fmtMicros(b.p50Micros) + " / " + fmtMicros(b.p99Micros),
          fmtCpu(t),
          b == null ? "-" : fmtCpu(b),
          t.clean() && (b == null || b.clean())
              ? "none"
              : (t.clean() ? "" : "trident: " + t.problems())
                  + (b == null || b.clean() ? "" : " baseline: " + b.problems()));
    }
    System.out.println(
        "  CPU = cores busy in the measured window: server + client (this JVM) + everything else, of "
            + Runtime.getRuntime().availableProcessors());
  }

  private static String fmtCpu(PhaseResult r) {
    return String.format(Locale.ROOT, "%.2f+%.2f+%.2f", r.serverCpu, r.clientCpu, r.otherCpu);
  }

  private static String fmtMicros(double micros) {
    if (Double.isNaN(micros)) {
      return "n/a";
    }
    return micros >= 100
        ? String.format(Locale.ROOT, "%.0f", micros)
        : String.format(Locale.ROOT, "%.1f", micros);
  }

  private static String fmtMs(double ms) {
    return String.format(Locale.ROOT, "%.1f", ms);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static double[] toArray(List<Double> values) {
    double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a;
  }

  static void parseArgs(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--runs" -> runs = Integer.parseInt(need(a, v));
        case "--startup-warmup" -> startupWarmup = Integer.parseInt(need(a, v));
        case "--duration" -> durationSeconds = Double.parseDouble(need(a, v));
        case "--warmup" -> warmupSeconds = Double.parseDouble(need(a, v));
        case "--inflight" ->
            inFlight =
                Arrays.stream(need(a, v).split(","))
                    .mapToInt(s -> Integer.parseInt(s.trim()))
                    .toArray();
        case "--launch" -> {
          String spec = need(a, v);
          int eq = spec.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--launch NAME=COMMAND, got " + spec);
          }
          launches.put(spec.substring(0, eq), List.of(spec.substring(eq + 1).trim().split("\\s+")));
        }
        case "--throughput-launch" -> throughputLaunches = List.of(need(a, v).split(","));
        case "--baseline-cp" -> baselineClassPath = need(a, v);
        case "--log-dir" -> logDir = Path.of(need(a, v));
        case "--skip-startup" -> {
          skipStartup = true;
          i--;
        }
        case "--skip-throughput" -> {
          skipThroughput = true;
          i--;
        }
        case "--skip-baseline" -> {
          skipBaseline = true;
          i--;
        }
        case "-h", "--help" -> {
          System.out.println(
              """
              usage: StdioBench [--launch NAME=COMMAND...]... [options]
                --launch NAME=CMD        a way to start the server (repeatable; split on spaces);
                                         default: plain and tuned (CDS + C1 + SerialGC)
                --throughput-launch A,B  launches whose throughput is measured (default: the first)
                --runs N                 start-up spawns per launch (default 15)
                --startup-warmup N       first spawns discarded (default 2)
                --warmup S               throughput warm-up seconds per row (default 5)
                --duration S             throughput measured seconds per row (default 10)
                --inflight LIST          requests kept in flight, comma-separated (default 1,64)
                --skip-startup | --skip-throughput | --skip-baseline
                --baseline-cp PATH       class path of BareStdioServer (default target/test-classes)
                --log-dir DIR            server stderr of throughput runs (default target/bench)""");
          System.exit(0);
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + " (try --help)");
      }
      i++;
    }
    if (runs <= startupWarmup) {
      throw new IllegalArgumentException("--runs must exceed --startup-warmup");
    }
  }
}
