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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue #13: what sharing sessions through Redis costs. The Streamable HTTP load of {@link
 * HttpBench} (N sessions, one {@code tools/call} of echo in flight each, every answer checked)
 * against: one Trident with in-memory state; one Trident with {@code --redis} (sessions in a real
 * {@code redis-server} started here); three Tridents with {@code --redis} behind HAProxy (round
 * robin per request, no stickiness). All on this machine, so besides req/s it reports server CPU
 * per answer (for three instances: their CPU and HAProxy's over the whole run, warm-up included,
 * per answer), Redis commands per answer ({@code INFO commandstats} delta over the run, session
 * opening included) and bytes per idle session in Redis ({@code MEMORY USAGE} of the session hashes
 * and of the caps' sorted sets). Goals: Redis-backed >= 0.6x in memory on one instance; <= 2 Redis
 * round trips per tools/call; <= 2 KiB per idle session. Not a JUnit test: run it with {@code
 * scripts/bench scale}.
 */
public final class ScaleBench {

  private static double goal = 0.60;

  private ScaleBench() {}

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    killOnExit(HttpBench.CHILDREN, "scale-bench-kill-children");
    HttpBench.haltAfterBudget(3, HttpBench.CHILDREN, "scale bench");
    runAndExit(HttpBench.CHILDREN, ScaleBench::run);
  }

  /** What Redis did during one mode. */
  private record RedisUse(long commands, double bytesPerSession, int sessions) {}

  private static int run() throws Exception {
    Files.createDirectories(HttpBench.logDir);
    System.out.println(
        "Trident scale benchmark (issue #13: tools/call of echo over Streamable HTTP; one instance"
            + " in memory, one with sessions in Redis, three behind HAProxy)");
    System.out.println(jdkDescription());
    System.out.printf(
        Locale.ROOT,
        "Load: %d sessions x 1 in flight; warm-up >= %.0f s, then %.0f s measured per mode%n",
        HttpBench.sessions,
        HttpBench.warmupSeconds,
        HttpBench.durationSeconds);
    printMachineState("start");
    Path dir = Files.createTempDirectory("trident-scale-bench-");
    Path conf = dir.resolve("trident.yaml");
    Files.writeString(
        conf, "limits:\n  enabled: false\nredis:\n  timeout: 5s\n", StandardCharsets.UTF_8);
    String javaBin = javaBin();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(HttpBench.clientThreads));
    List<ModeResult> results = new ArrayList<>();
    List<RedisUse> uses = new ArrayList<>();
    List<Double> cpuPerAnswer = new ArrayList<>();
    try (RedisServer redis = RedisServer.start()) {
      List<Context> loops = HttpBench.clientLoops(vertx);
      List<String> base = List.of("--no-auth", "--config", conf.toString());
      int port = HttpBench.freePort();
      ModeResult memory =
          HttpBench.runServer(
              "memory",
              HttpBench.tridentCommand(javaBin, port, base),
              port,
              true,
              false,
              Map.of(),
              vertx,
              loops);
      results.add(memory);
      uses.add(null);
      cpuPerAnswer.add(Double.NaN);

      List<String> withRedis = new ArrayList<>(base);
      withRedis.addAll(List.of("--redis", redis.url()));
      flush(redis);
      long before = commands(redis);
      port = HttpBench.freePort();
      ModeResult one =
          HttpBench.runServer(
              "redis",
              HttpBench.tridentCommand(javaBin, port, withRedis),
              port,
              true,
              false,
              Map.of(),
              vertx,
              loops);
      results.add(one);
      uses.add(redisUse(redis, before));
      cpuPerAnswer.add(Double.NaN);

      flush(redis);
      before = commands(redis);
      List<Process> cluster = new ArrayList<>();
      int lb = HttpBench.freePort();
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int p = HttpBench.freePort();
        ports.add(p);
        Process t =
            new ProcessBuilder(HttpBench.tridentCommand(javaBin, p, withRedis))
                .redirectErrorStream(true)
                .redirectOutput(HttpBench.logDir.resolve("scale-trident-" + i + ".log").toFile())
                .start();
        HttpBench.CHILDREN.add(t);
        cluster.add(t);
      }
      for (int p : ports) {
        waitForPort(p);
      }
      Path cfg = dir.resolve("haproxy.cfg");
      StringBuilder c = new StringBuilder();
      c.append("global\n  maxconn 4000\ndefaults\n  mode http\n  timeout connect 2s\n")
          .append("  timeout client 5m\n  timeout server 5m\n  option http-server-close\n")
          .append("  http-reuse never\nfrontend mcp\n  bind 127.0.0.1:")
          .append(lb)
          .append("\n  default_backend trident\nbackend trident\n  balance roundrobin\n");
      for (int i = 0; i < 3; i++) {
        c.append("  server t").append(i).append(" 127.0.0.1:").append(ports.get(i)).append('\n');
      }
      Files.writeString(cfg, c.toString());
      Process haproxy =
          new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
              .redirectErrorStream(true)
              .redirectOutput(HttpBench.logDir.resolve("scale-haproxy.log").toFile())
              .start();
      HttpBench.CHILDREN.add(haproxy);
      cluster.add(haproxy);
      long cpuBefore = cluster.stream().mapToLong(BenchSupport::cpuNanos).sum();
      // The "server" HttpBench spawns is a placeholder: the load goes to HAProxy's port.
      ModeResult three =
          HttpBench.runServer(
              "3xlb", List.of("sleep", "100000"), lb, true, false, Map.of(), vertx, loops);
      long cpuAfter = cluster.stream().mapToLong(BenchSupport::cpuNanos).sum();
      results.add(three);
      uses.add(redisUse(redis, before));
      cpuPerAnswer.add(
          three.answers > 0 ? (cpuAfter - cpuBefore) / 1e3 / three.answers : Double.NaN);
      cluster.forEach(Process::destroyForcibly);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    return report(results, uses, cpuPerAnswer) ? 1 : 0;
  }

  private static boolean report(
      List<ModeResult> results, List<RedisUse> uses, List<Double> cpuPerAnswer) {
    ModeResult memory = results.get(0);
    System.out.println();
    String format = "  %-7s %10s %8s %8s %12s %13s %13s %7s%n";
    System.out.printf(
        Locale.ROOT,
        format,
        "mode",
        "req/s",
        "p50 ms",
        "p99 ms",
        "srv us/req",
        "redis cmd/req",
        "B/idle sess",
        "errors");
    for (int i = 0; i < results.size(); i++) {
      ModeResult r = results.get(i);
      RedisUse u = uses.get(i);
      String cpu =
          Double.isNaN(cpuPerAnswer.get(i))
              ? fmtPerRequest(r.serverCpu, r.rate)
              : String.format(Locale.ROOT, "%.1f (run)", cpuPerAnswer.get(i));
      System.out.printf(
          Locale.ROOT,
          format,
          r.mode,
          fmtRate(r.rate) + (r.disturbed ? "*" : ""),
          fmtMs(r.p50Millis),
          fmtMs(r.p99Millis),
          cpu,
          u == null || r.answers == 0
              ? "-"
              : String.format(Locale.ROOT, "%.2f", (double) u.commands() / r.answers),
          u == null || u.sessions() == 0
              ? "-"
              : String.format(Locale.ROOT, "%.0f", u.bytesPerSession()),
          r.setupFailure != null ? "setup" : Long.toString(r.errors + r.lost));
    }
    System.out.println();
    System.out.println("Details");
    results.forEach(HttpBench::printDetails);
    System.out.println();
    System.out.println("Goals");
    ModeResult one = results.get(1);
    boolean pass =
        one.clean() && memory.clean() && memory.rate > 0 && one.rate / memory.rate >= goal;
    System.out.printf(
        Locale.ROOT,
        "  redis >= %.2f x memory on one instance: %.3f -> %s%n",
        goal,
        memory.rate > 0 ? one.rate / memory.rate : Double.NaN,
        pass ? "PASS" : "MISS");
    RedisUse u = uses.get(1);
    double perCall =
        u == null || one.answers == 0 ? Double.NaN : (double) u.commands() / one.answers;
    System.out.printf(
        Locale.ROOT,
        "  Redis commands per tools/call (one pipelined round trip: HGETALL + PEXPIRE): %.2f -> %s%n",
        perCall,
        perCall <= 2.2 ? "PASS (<= 2 round trips)" : "MISS");
    System.out.printf(
        Locale.ROOT,
        "  bytes per idle session in Redis: %.0f -> %s%n",
        u == null ? Double.NaN : u.bytesPerSession(),
        u != null && u.bytesPerSession() <= 2048 ? "PASS (<= 2 KiB)" : "MISS");
    return HttpBench.printErrors(results);
  }

  private static RedisUse redisUse(RedisServer redis, long before) throws Exception {
    long commands = commands(redis) - before;
    List<String> keys = new ArrayList<>();
    String cursor = "0";
    do {
      List<String> reply =
          redisArray(redis, "SCAN", cursor, "MATCH", "trident:{*}:s", "COUNT", "1000");
      cursor = reply.get(0);
      keys.addAll(reply.subList(1, reply.size()));
    } while (!"0".equals(cursor) && keys.size() < 1000);
    long bytes = 0;
    for (String k : keys) {
      bytes += Long.parseLong(redisLine(redis, "MEMORY", "USAGE", k));
    }
    int total = keys.size();
    String all = redisLine(redis, "MEMORY", "USAGE", "trident:{sessions}:all");
    String owner = redisLine(redis, "MEMORY", "USAGE", "trident:{sessions}:o:anonymous:anonymous");
    double caps = (parseOrZero(all) + parseOrZero(owner)) / Math.max(1.0, total);
    return new RedisUse(commands, total == 0 ? 0 : (double) bytes / total + caps, total);
  }

  private static long parseOrZero(String s) {
    try {
      return Long.parseLong(s);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** The total of calls in INFO commandstats. */
  private static long commands(RedisServer redis) throws Exception {
    long total = 0;
    for (String line : redisBulk(redis, "INFO", "commandstats").split("\r?\n")) {
      int at = line.indexOf("calls=");
      if (line.startsWith("cmdstat_") && at > 0 && !line.startsWith("cmdstat_info")) {
        int end = line.indexOf(',', at);
        total += Long.parseLong(line.substring(at + 6, end));
      }
    }
    return total;
  }

  private static void flush(RedisServer redis) throws Exception {
    redisLine(redis, "FLUSHALL");
    redisLine(redis, "CONFIG", "RESETSTAT");
  }

  // A minimal RESP client: the bench needs a few admin commands, in one thread, after the load.

  private static String redisLine(RedisServer redis, String... args) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), redis.port())) {
      send(s, args);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line.startsWith("$")) {
        return Integer.parseInt(line.substring(1)) < 0 ? "" : in.readLine();
      }
      return line.substring(1);
    }
  }

  private static String redisBulk(RedisServer redis, String... args) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), redis.port())) {
      send(s, args);
      var in = s.getInputStream();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String head = r.readLine();
      int len = Integer.parseInt(head.substring(1));
      char[] buf = new char[len];
      int n = 0;
      while (n < len) {
        int got = r.read(buf, n, len - n);
        if (got < 0) {
          break;
        }
        n += got;
      }
      return new String(buf, 0, n);
    }
  }

  private static List<String> redisArray(RedisServer redis, String... args) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), redis.port())) {
      send(s, args);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      List<String> out = new ArrayList<>();
      in.readLine(); // *2
      in.readLine(); // $len of the cursor
      out.add(in.readLine());
      int n = Integer.parseInt(in.readLine().substring(1));
      for (int i = 0; i < n; i++) {
        in.readLine();
        out.add(in.readLine());
      }
      return out;
    }
  }

  private static void send(Socket s, String... args) throws Exception {
    StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
      b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
    }
    OutputStream out = s.getOutputStream();
    out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void waitForPort(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (java.io.IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("nothing listens on " + port + " after 60 s");
  }

  private static void parseArgs(String[] args) {
    List<String> shared = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--goal" -> goal = Double.parseDouble(need(a, v));
        case "-h", "--help" -> {
          System.out.println(
              """
              usage: ScaleBench [options]
                --goal R             redis / memory rate goal on one instance (default 0.60)
                --warmup S, --warmup-max S, --duration S, --sessions N, --client-threads N,
                --jar PATH, --quiet-wait S, --retries N, --log-dir DIR
                                     as for HttpBench (see HttpBench --help)""");
          System.exit(0);
        }
        default -> {
          shared.add(a);
          shared.add(need(a, v));
        }
      }
      i++;
    }
    HttpBench.parseArgs(shared.toArray(String[]::new));
  }
}
