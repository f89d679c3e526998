package io.trident.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Helpers shared by {@link StdioBench}, {@link HttpBench} and {@link GrpcBench}: CPU accounting of
 * the machine, of a child and of this JVM, the machine checks printed before and after a run,
 * child-process clean-up, argument parsing and number formatting. Both benches must measure and
 * print these alike, so they live here once.
 */
final class BenchSupport {

  private BenchSupport() {}

  // ---------------------------------------------------------------------------------------------
  // Processes

  /** The java launcher of this JVM, so that servers run on the same JDK as the bench. */
  /**
   * Peak resident set size of a running process and its descendants (a launcher script's child
   * counts), in KiB, from {@code VmHWM} in /proc; -1 when unknown.
   */
  static long peakRssKib(Process p) {
    return procStatus(p, "VmHWM:");
  }

  /** Current resident set size of a process and its descendants, in KiB; -1 when unknown. */
  static long residentKib(Process p) {
    return procStatus(p, "VmRSS:");
  }

  private static long procStatus(Process p, String key) {
    long total = -1;
    List<ProcessHandle> all = new ArrayList<>();
    all.add(p.toHandle());
    p.descendants().forEach(all::add);
    for (ProcessHandle h : all) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status"))) {
          if (line.startsWith(key)) {
            long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
            total = Math.max(total, 0) + kib;
          }
        }
      } catch (IOException | RuntimeException e) {
        // gone already, or not Linux
      }
    }
    return total;
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * A single daemon thread for time-outs, so that a stuck server can never keep the bench alive.
   */
  static ScheduledExecutorService daemonScheduler(String threadName) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, threadName);
          t.setDaemon(true);
          return t;
        });
  }

  /** Kills every child (and its descendants) on JVM exit, so that none outlives an aborted run. */
  static void killOnExit(Collection<Process> children, String threadName) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> killAll(children), threadName));
  }

  /**
   * Runs a bench, kills whatever children it left running, and exits with its status: the main of
   * both benches, so that a failed or aborted run never leaves servers behind.
   */
  static void runAndExit(Collection<Process> children, Callable<Integer> bench) throws Exception {
    int status;
    try {
      status = bench.call();
    } finally {
      killAll(children);
    }
    System.out.flush();
    System.exit(status);
  }

  /** Kills every child and its descendants at once: a bench must never leave servers behind. */
  static void killAll(Collection<Process> children) {
    for (Process p : children) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // CPU accounting

  /** CPU time (user + system) a child has used so far, or -1 when the platform does not say. */
  static long cpuNanos(Process p) {
    return p.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /** CPU time of this JVM (the client / load generator), or -1 when the platform does not say. */
  static long selfCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * Busy CPU time of the whole machine from /proc/stat (Linux), or -1: with the server's and this
   * JVM's CPU it tells how much the rest of the machine disturbed a measurement.
   *
   * @param withSteal whether time the hypervisor gave to other guests counts as busy (StdioBench
   *     counts it; HttpBench leaves it out, as no work is done here during it)
   */
  static long systemBusyNanos(boolean withSteal) {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      if (!f[0].equals("cpu") || f.length < 8) {
        return -1;
      }
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) { // user nice system irq softirq
        busy += Long.parseLong(f[i]);
      }
      if (withSteal && f.length > 8) {
        busy += Long.parseLong(f[8]); // steal
      }
      return busy * 10_000_000L; // USER_HZ is 100 on Linux
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Machine checks

  /** The JDK line of a bench header, so that results name the JVM they were taken on. */
  static String jdkDescription() {
    return String.format(
        Locale.ROOT,
        "JDK: %s %s (%s), java.home %s",
        System.getProperty("java.vm.name"),
        Runtime.version(),
        System.getProperty("java.vm.vendor"),
        System.getProperty("java.home"));
  }

  /**
   * Prints the load average and the CPU speed check, at the start and at the end of a bench, so
   * that a busy or throttled machine shows next to the numbers it skewed.
   */
  static void printMachineState(String when) {
    System.out.println("Load average at " + when + ": " + loadAverage());
    System.out.println("CPU speed check at " + when + ": " + calibrate());
  }

  /** The 1/5/15-minute load average from /proc/loadavg (Linux), or "n/a". */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static volatile long sink;

  /**
   * Times a fixed single-threaded integer loop (best of 3), so that runs on a shared or throttled
   * machine can be compared: if this number moves, every other number moves with it.
   */
  static String calibrate() {
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 4; round++) {
      long t = System.nanoTime();
      long h = 1469598103934665603L;
      for (int i = 0; i < 50_000_000; i++) {
        h ^= i;
        h *= 1099511628211L;
        h += h >>> 29;
      }
      sink = h;
      if (round > 0) { // round 0 warms up the JIT
        best = Math.min(best, System.nanoTime() - t);
      }
    }
    return String.format(
        Locale.ROOT, "%.0f ms for a fixed integer loop (lower is faster)", best / 1e6);
  }

  // ---------------------------------------------------------------------------------------------
  // Arguments, statistics, formatting

  /** The value of an option, or a clear error when the command line ends after the option. */
  static String need(String option, String value) {
    if (value == null) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return value;
  }

  /** Nearest-rank percentile of a sorted array; NaN when empty. */
  static double percentile(double[] sorted, double pct) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[nearestRank(sorted.length, pct)];
  }

  /** Nearest-rank percentile of a sorted array; NaN when empty. */
  static double percentile(long[] sorted, double pct) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[nearestRank(sorted.length, pct)];
  }

  private static int nearestRank(int length, double pct) {
    int rank = (int) Math.ceil(pct / 100.0 * length);
    return Math.max(0, Math.min(length - 1, rank - 1));
  }

  /** Requests per second with thousands separators, or "n/a" for a failed run. */
  static String fmtRate(double rate) {
    return Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%,.0f", rate);
  }

  /** Milliseconds with 3 significant digits or so, or "n/a". */
  static String fmtMs(double ms) {
    if (Double.isNaN(ms)) {
      return "n/a";
    }
    return ms >= 100
        ? String.format(Locale.ROOT, "%.0f", ms)
        : String.format(Locale.ROOT, ms >= 10 ? "%.1f" : "%.2f", ms);
  }

  /** CPU microseconds per answer, from cores used and answers per second. */
  static String fmtPerRequest(double cores, double rate) {
    return Double.isNaN(cores) || Double.isNaN(rate) || rate == 0
        ? "n/a"
        : String.format(Locale.ROOT, "%.1f", cores / rate * 1e6);
  }

  static String fmtCores(double cores) {
    return Double.isNaN(cores) ? "n/a" : String.format(Locale.ROOT, "%.2f", cores);
  }

  /** Cuts a server answer or log line to 300 characters, so that one bad answer cannot flood. */
  static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
