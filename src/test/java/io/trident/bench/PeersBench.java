package io.trident.bench;

import static io.trident.bench.BenchSupport.jdkDescription;
import static io.trident.bench.BenchSupport.killOnExit;
import static io.trident.bench.BenchSupport.printMachineState;
import static io.trident.bench.BenchSupport.runAndExit;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code scripts/bench peers}: Trident next to other MCP servers with the same echo tool, driven by
 * the same load generators ({@link HttpLoad} over Streamable HTTP, {@link StdioBench}'s driver over
 * stdio) in one run, and next to the bare ceilings ({@link BareHttpServer}, {@link
 * BareStdioServer}). Prints one table: req/s, server CPU per call, peak RSS and spawn time, each
 * with its ratio to the bare ceiling and to Trident. Every answer is checked; a server that fails a
 * row shows why instead of a number.
 *
 * <p>The servers come as {@code --stdio NAME=COMMAND} and {@code --http NAME=COMMAND} (the HTTP
 * command has {@code @PORT@} where its port goes; {@code --http-sse} for servers that answer calls
 * with an SSE stream). The first {@code --stdio}/{@code --http} is Trident, {@code --bare-stdio}
 * and {@code --bare-http} are the ceilings. scripts/bench peers builds the peers and passes them
 * all; {@code --only NAME,...} keeps those peers alone (with Trident and the ceilings), for a
 * shorter run.
 */
public final class PeersBench {

  private record Server(String name, List<String> command, boolean sse) {}

  private static final List<Server> stdio = new ArrayList<>();
  private static final List<Server> http = new ArrayList<>();
  private static List<String> bareStdio;
  private static List<String> bareHttp;
  private static boolean skipStdio;
  private static boolean skipHttp;
  private static Set<String> only; // --only NAME,...: these peers alone (with Trident and bare)
  private static final Set<Process> CHILDREN = HttpBench.CHILDREN;

  private PeersBench() {}

  public static void main(String[] args) throws Exception {
    List<String> stdioArgs = parseArgs(args);
    StdioBench.parseArgs(stdioArgs.toArray(String[]::new));
    killOnExit(CHILDREN, "peers-kill-children");
    runAndExit(CHILDREN, PeersBench::run);
  }

  private static int run() throws Exception {
    System.out.println("Trident and its peers: tools/call of echo, one run");
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Machine: %d CPUs, %s %s; the load generators run on the same CPUs: read ratios%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"));
    printMachineState("start");
    System.out.println();
    // The servers' logs (HttpBench and StdioBench both default to target/bench): a fresh tree has
    // no such directory, and spawning a server with its output there would fail.
    Files.createDirectories(HttpBench.logDir);

    Map<String, Cells> table = new LinkedHashMap<>();
    List<String> columns = new ArrayList<>();
    columns.add("bare");
    for (Server s : stdio) {
      columns.add(s.name);
    }
    for (Server s : http) {
      if (!columns.contains(s.name)) {
        columns.add(s.name);
      }
    }
    for (String c : columns) {
      table.put(c, new Cells());
    }
    boolean failed = false;
    if (!skipHttp) {
      failed |= runHttp(table, 16, HTTP_RATE, HTTP_CPU, HTTP_RSS);
      failed |= runHttp(table, 10 * 1024, HTTP_10K_RATE, HTTP_10K_CPU, null);
    }
    if (!skipStdio) {
      failed |= runStdio(table);
    }
    printTable(table, columns);
    System.out.println();
    printMachineState("end");
    return failed ? 1 : 0;
  }

  /** The measured figures of one server; NaN where not measured, with the reason in notes. */
  private static final class Cells {
    final Map<String, Double> values = new LinkedHashMap<>();
    final Map<String, String> failures = new LinkedHashMap<>();
  }

  private static final String HTTP_RATE = "HTTP 16 B req/s, 64 sessions x 1 in flight";
  private static final String HTTP_CPU = "HTTP 16 B server CPU per call (us)";
  private static final String HTTP_RSS = "HTTP 16 B peak RSS (MiB)";
  private static final String HTTP_10K_RATE = "HTTP 10 KiB req/s";
  private static final String HTTP_10K_CPU = "HTTP 10 KiB server CPU per call (us)";
  private static final String STDIO_RATE_1 = "stdio req/s, 1 in flight";
  private static final String STDIO_RATE_64 = "stdio req/s, 64 in flight";
  private static final String STDIO_CPU = "stdio server CPU per call at 64 (us)";
  private static final String STDIO_RSS = "stdio peak RSS (MiB)";
  private static final String SPAWN = "spawn -> initialize answered (ms, median)";
  private static final List<String> ROWS =
      List.of(
          HTTP_RATE,
          HTTP_CPU,
          HTTP_RSS,
          HTTP_10K_RATE,
          HTTP_10K_CPU,
          STDIO_RATE_1,
          STDIO_RATE_64,
          STDIO_CPU,
          STDIO_RSS,
          SPAWN);

  private static boolean runHttp(
      Map<String, Cells> table, int textBytes, String rateRow, String cpuRow, String rssRow)
      throws Exception {
    boolean failed = false;
    HttpBench.textBytes = textBytes;
    System.out.printf(Locale.ROOT, "HTTP, tools/call echo of %d B of text:%n", textBytes);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(HttpBench.clientThreads));
    try {
      List<Context> loops = HttpBench.clientLoops(vertx);
      List<Server> all = new ArrayList<>();
      if (bareHttp != null) {
        all.add(new Server("bare", bareHttp, false));
      }
      all.addAll(http);
      for (Server s : all) {
        int port = HttpBench.freePort();
        List<String> command = s.command.stream().map(a -> a.replace("@PORT@", "" + port)).toList();
        boolean isTrident = s == http.get(0);
        boolean checkIds = !s.name.equals("bare");
        HttpBench.ModeResult r =
            HttpBench.runServer(
                "peer-" + s.name,
                command,
                port,
                isTrident,
                checkIds,
                s.sse,
                Map.of(),
                vertx,
                loops);
        Cells c = table.get(s.name);
        String problem = httpProblem(r);
        if (problem != null) {
          failed = true;
          c.failures.put(rateRow, problem);
          continue;
        }
        c.values.put(rateRow, r.rate);
        c.values.put(cpuRow, r.serverCpu / r.rate * 1e6);
        if (rssRow != null && r.peakRssKib > 0) {
          c.values.put(rssRow, r.peakRssKib / 1024.0);
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    System.out.println();
    return failed;
  }

  private static String httpProblem(HttpBench.ModeResult r) {
    if (r.setupFailure != null) {
      return r.setupFailure;
    }
    if (r.died || r.hung) {
      return r.died ? "server died under load" : "stalled under load";
    }
    if (r.errors > 0 || r.lost > 0) {
      return r.errors + " bad answers, " + r.lost + " lost (" + r.problems.keySet() + ")";
    }
    return Double.isNaN(r.rate) ? "no measured window" : null;
  }

  private static boolean runStdio(Map<String, Cells> table) throws Exception {
    boolean failed = false;
    Map<String, List<String>> spawns = new LinkedHashMap<>();
    if (bareStdio != null) {
      spawns.put("bare", bareStdio);
    }
    for (Server s : stdio) {
      spawns.put(s.name, s.command);
    }
    Map<String, StdioBench.StartupResult> startup = StdioBench.measureStartup(spawns);
    StdioBench.printStartup(startup);
    for (Map.Entry<String, StdioBench.StartupResult> e : startup.entrySet()) {
      if (e.getValue().ok()) {
        table.get(e.getKey()).values.put(SPAWN, e.getValue().median());
      } else {
        table.get(e.getKey()).failures.put(SPAWN, e.getValue().failures().get(0));
      }
    }
    System.out.println();
    for (Map.Entry<String, List<String>> e : spawns.entrySet()) {
      Cells c = table.get(e.getKey());
      List<StdioBench.PhaseResult> phases = StdioBench.measureThroughput(e.getKey(), e.getValue());
      for (int inFlight : new int[] {1, 64}) {
        String row = inFlight == 1 ? STDIO_RATE_1 : STDIO_RATE_64;
        StdioBench.PhaseResult p = echo(phases, inFlight);
        if (p == null) {
          c.failures.put(row, "not measured (an earlier row stopped the server)");
          failed = true;
        } else if (!p.clean()) {
          c.failures.put(row, p.problems());
          failed = true;
        } else {
          c.values.put(row, p.rate);
          if (inFlight == 64) {
            c.values.put(STDIO_CPU, p.serverCpu / p.rate * 1e6);
          }
        }
        if (p != null && p.peakRssKib > 0) {
          c.values.put(STDIO_RSS, p.peakRssKib / 1024.0);
        }
      }
    }
    System.out.println();
    return failed;
  }

  private static StdioBench.PhaseResult echo(List<StdioBench.PhaseResult> phases, int inFlight) {
    for (StdioBench.PhaseResult p : phases) {
      if (p.workload == StdioBench.Workload.ECHO && p.inFlight == inFlight) {
        return p;
      }
    }
    return null;
  }

  private static void printTable(Map<String, Cells> table, List<String> columns) {
    String trident = !stdio.isEmpty() ? stdio.get(0).name : http.get(0).name;
    System.out.printf(
        Locale.ROOT,
        "Peers, %s: value (ratio to bare, ratio to %s); for CPU, RSS and spawn time lower is"
            + " better%n",
        LocalDate.now(),
        trident);
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "| %-42s |", "measure"));
    StringBuilder rule = new StringBuilder("|" + "-".repeat(44) + "|");
    for (String c : columns) {
      header.append(String.format(Locale.ROOT, " %-22s |", c));
      rule.append("-".repeat(24)).append('|');
    }
    System.out.println(header);
    System.out.println(rule);
    List<String> notes = new ArrayList<>();
    for (String row : ROWS) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %-42s |", row));
      Double bare = table.get("bare").values.get(row);
      Double ours = table.get(trident).values.get(row);
      for (String c : columns) {
        Cells cells = table.get(c);
        Double v = cells.values.get(row);
        String text;
        if (v != null) {
          text = format(row, v) + " (" + ratio(v, bare) + ", " + ratio(v, ours) + ")";
        } else if (cells.failures.containsKey(row)) {
          text = "FAILED [" + (notes.size() + 1) + "]";
          notes.add(c + ", " + row + ": " + cells.failures.get(row));
        } else {
          text = "-";
        }
        line.append(String.format(Locale.ROOT, " %-22s |", text));
      }
      System.out.println(line);
    }
    for (int i = 0; i < notes.size(); i++) {
      System.out.println("  [" + (i + 1) + "] " + notes.get(i));
    }
    System.out.println("  Commands:");
    Function<Server, String> describe = s -> "    " + s.name + ": " + String.join(" ", s.command);
    stdio.forEach(s -> System.out.println(describe.apply(s).replaceFirst(": ", " (stdio): ")));
    http.forEach(s -> System.out.println(describe.apply(s).replaceFirst(": ", " (http): ")));
  }

  private static String format(String row, double v) {
    if (row.contains("req/s")) {
      return v >= 10_000
          ? String.format(Locale.ROOT, "%.1fk", v / 1000)
          : String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String ratio(double v, Double reference) {
    return reference == null || reference == 0
        ? "-"
        : String.format(Locale.ROOT, "%.2f", v / reference);
  }

  /** Takes this bench's own flags; returns the rest, for StdioBench. */
  private static List<String> parseArgs(String[] args) {
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--stdio" -> stdio.add(server(a, v, false, i++));
        case "--http" -> http.add(server(a, v, false, i++));
        case "--http-sse" -> http.add(server(a, v, true, i++));
        case "--bare-stdio" -> bareStdio = List.of(need(a, v, i++).split(" "));
        case "--bare-http" -> bareHttp = List.of(need(a, v, i++).split(" "));
        case "--skip-stdio" -> skipStdio = true;
        case "--skip-http" -> skipHttp = true;
        case "--only" -> only = Set.of(need(a, v, i++).split(","));
        case "--duration" -> {
          HttpBench.durationSeconds = Double.parseDouble(need(a, v, i++));
          rest.add(a);
          rest.add(v);
        }
        case "--warmup" -> {
          HttpBench.warmupSeconds = Double.parseDouble(need(a, v, i++));
          HttpBench.warmupMaxSeconds = HttpBench.warmupSeconds * 3;
          rest.add(a);
          rest.add(v);
        }
        default -> rest.add(a);
      }
    }
    if (only != null) {
      // Trident (the first of each) stays: the ratios are to it
      Server tridentStdio = stdio.isEmpty() ? null : stdio.get(0);
      Server tridentHttp = http.isEmpty() ? null : http.get(0);
      stdio.removeIf(s -> s != tridentStdio && !only.contains(s.name));
      http.removeIf(s -> s != tridentHttp && !only.contains(s.name));
    }
    if (stdio.isEmpty() && http.isEmpty()) {
      throw new IllegalArgumentException("give the servers with --stdio / --http NAME=COMMAND");
    }
    return rest;
  }

  private static Server server(String flag, String value, boolean sse, int ignored) {
    String spec = need(flag, value, ignored);
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(flag + " wants NAME=COMMAND, got " + spec);
    }
    return new Server(spec.substring(0, eq), List.of(spec.substring(eq + 1).split(" ")), sse);
  }

  private static String need(String flag, String value, int ignored) {
    if (value == null) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return value;
  }
}
