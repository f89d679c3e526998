package io.trident.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis for tests: Debian's {@code redis-server}, installed with apt-get when missing (CI
 * runs on a clean machine as root; checked once per JVM), started on a free 127.0.0.1 port with a
 * temporary directory and no persistence. {@link #stop()} and {@link #start()} may be called
 * mid-test (the port is kept); {@link #close()} stops it and removes the directory.
 */
public final class RedisServer implements AutoCloseable {

  private static final String BINARY = "/usr/bin/redis-server";
  private static final String CLI = "/usr/bin/redis-cli";
  private static volatile boolean installed;

  private final Path dir;
  private final int port;
  private final List<String> extraArgs;
  private Process process;

  private RedisServer(Path dir, int port, List<String> extraArgs) {
    this.dir = dir;
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /** Installs Redis if needed and starts one on a free loopback port. */
  public static RedisServer start() throws Exception {
    ensureInstalled();
    RedisServer server =
        new RedisServer(Files.createTempDirectory("trident-redis"), freePort(), List.of());
    server.startProcess();
    return server;
  }

  /**
   * A Redis Cluster of {@code masters} masters and no replicas on free loopback ports (each node's
   * bus port, port + 10000, free too), its slots spread by {@code redis-cli --cluster create};
   * ready once every node reports {@code cluster_state:ok}.
   */
  public static Cluster cluster(int masters) throws Exception {
    ensureInstalled();
    List<RedisServer> nodes = new java.util.ArrayList<>();
    Cluster cluster = new Cluster(nodes);
    try {
      for (int i = 0; i < masters; i++) {
        Path dir = Files.createTempDirectory("trident-redis-cluster");
        RedisServer node =
            new RedisServer(
                dir,
                freeClusterPort(),
                List.of(
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    dir.resolve("nodes.conf").toString(),
                    "--cluster-node-timeout",
                    "2000"));
        nodes.add(node);
        node.startProcess();
      }
      List<String> create = new java.util.ArrayList<>(List.of(CLI, "--cluster", "create"));
      for (RedisServer n : nodes) {
        create.add("127.0.0.1:" + n.port);
      }
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      String out = run(create);
      if (!out.contains("All 16384 slots covered")) {
        throw new IllegalStateException("redis-cli --cluster create failed: " + out);
      }
      cluster.awaitOk();
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * One master watched by one sentinel ({@code redis-server --sentinel}, quorum 1, master set
   * {@link Sentinel#MASTER_NAME}), both on free loopback ports; ready once the sentinel names the
   * master.
   */
  public static Sentinel sentinel() throws Exception {
    RedisServer master = start();
    // A replica, in sync before the sentinel starts (its first INFO of the master lists it).
    Path replicaDir = Files.createTempDirectory("trident-redis-replica");
    RedisServer replica =
        new RedisServer(
            replicaDir,
            freePort(),
            List.of("--replicaof", "127.0.0.1", Integer.toString(master.port)));
    replica.startProcess();
    long synced = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!run(List.of(CLI, "-p", Integer.toString(replica.port), "info", "replication"))
        .contains("master_link_status:up")) {
      if (System.nanoTime() > synced) {
        replica.close();
        master.close();
        throw new IllegalStateException("the replica did not sync");
      }
      Thread.sleep(50);
    }
    Path dir = Files.createTempDirectory("trident-redis-sentinel");
    int port = freePort();
    Files.writeString(
        dir.resolve("sentinel.conf"),
        "port "
            + port
            + "\nbind 127.0.0.1\ndir "
            + dir
            + "\nsentinel monitor "
            + Sentinel.MASTER_NAME
            + " 127.0.0.1 "
            + master.port
            + " 1\nsentinel down-after-milliseconds "
            + Sentinel.MASTER_NAME
            + " 1000\nsentinel failover-timeout "
            + Sentinel.MASTER_NAME
            + " 2000\n");
    RedisServer sentinel =
        new RedisServer(dir, port, List.of(dir.resolve("sentinel.conf").toString(), "--sentinel"));
    Sentinel set = new Sentinel(master, replica, sentinel);
    try {
      sentinel.startProcess();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!run(List.of(
              CLI,
              "-p",
              Integer.toString(port),
              "sentinel",
              "get-master-addr-by-name",
              Sentinel.MASTER_NAME))
          .contains(Integer.toString(master.port))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the sentinel does not name the master");
        }
        Thread.sleep(50);
      }
      return set;
    } catch (Exception e) {
      set.close();
      throw e;
    }
  }

  /** Runs {@code redis-cli} (or another command) on loopback; its output. */
  public static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    return out;
  }

  /** Nodes of a cluster; see {@link #cluster}. */
  public static final class Cluster implements AutoCloseable {
    private final List<RedisServer> nodes;

    private Cluster(List<RedisServer> nodes) {
      this.nodes = nodes;
    }

    /** Waits until every node reports {@code cluster_state:ok} (all slots served). */
    public void awaitOk() throws Exception {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      for (RedisServer n : nodes) {
        while (!run(List.of(CLI, "-p", Integer.toString(n.port), "cluster", "info"))
            .contains("cluster_state:ok")) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the cluster did not reach cluster_state:ok");
          }
          Thread.sleep(50);
        }
      }
    }

    /** The masters, in the order they were created. */
    public List<RedisServer> nodes() {
      return nodes;
    }

    /** Every node's URL (the seeds for {@code redis.nodes}). */
    public List<String> urls() {
      return nodes.stream().map(RedisServer::url).toList();
    }

    /** The node that holds {@code key}'s slot now (asked of the cluster, not computed here). */
    public RedisServer nodeOf(String key) throws Exception {
      int slot =
          Integer.parseInt(
              run(List.of(
                      CLI, "-p", Integer.toString(nodes.get(0).port), "cluster", "keyslot", key))
                  .strip());
      for (RedisServer n : nodes) {
        if (ownsSlot(n, slot)) {
          return n;
        }
      }
      throw new IllegalStateException("no node holds slot " + slot);
    }

    private static boolean ownsSlot(RedisServer n, int slot) throws Exception {
      for (String line :
          run(List.of(CLI, "-p", Integer.toString(n.port), "cluster", "nodes")).split("\n")) {
        if (!line.contains("myself")) {
          continue;
        }
        String[] f = line.split(" ");
        for (int i = 8; i < f.length; i++) {
          String[] range = f[i].split("-");
          int from = Integer.parseInt(range[0].strip());
          int to = range.length > 1 ? Integer.parseInt(range[1].strip()) : from;
          if (slot >= from && slot <= to) {
            return true;
          }
        }
      }
      return false;
    }

    /** Keys stored on {@code node} now. */
    public long keysOn(RedisServer node) throws Exception {
      return Long.parseLong(run(List.of(CLI, "-p", Integer.toString(node.port), "dbsize")).strip());
    }

    @Override
    public void close() throws Exception {
      for (RedisServer n : nodes) {
        n.close();
      }
    }
  }

  /** A master and its sentinel; see {@link #sentinel}. */
  public static final class Sentinel implements AutoCloseable {
    public static final String MASTER_NAME = "trident";
    private final RedisServer master;
    private final RedisServer replica;
    private final RedisServer sentinel;

    private Sentinel(RedisServer master, RedisServer replica, RedisServer sentinel) {
      this.master = master;
      this.replica = replica;
      this.sentinel = sentinel;
    }

    /** The first master. */
    public RedisServer master() {
      return master;
    }

    /** Its replica: the master after a failover. */
    public RedisServer replica() {
      return replica;
    }

    /** Waits until the sentinel names {@code node} as the master. */
    public void awaitMaster(RedisServer node, Duration within) throws Exception {
      long deadline = System.nanoTime() + within.toNanos();
      while (!run(List.of(
              CLI,
              "-p",
              Integer.toString(sentinel.port),
              "sentinel",
              "get-master-addr-by-name",
              MASTER_NAME))
          .contains(Integer.toString(node.port))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the sentinel did not name " + node.url());
        }
        Thread.sleep(50);
      }
    }

    /** The sentinel's URL (for {@code redis.nodes}). */
    public String sentinelUrl() {
      return sentinel.url();
    }

    @Override
    public void close() throws Exception {
      sentinel.close();
      replica.close();
      master.close();
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts it again on the same port (after {@link #stop()}). */
  public synchronized void restart() throws Exception {
    if (process == null || !process.isAlive()) {
      startProcess();
    }
  }

  /** Kills it now, as a crash would; the port stays reserved for {@link #restart()}. */
  public synchronized void stop() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
      process = null;
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void startProcess() throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(BINARY);
    // A config file (the sentinel's) comes first, before any option.
    if (!extraArgs.isEmpty() && !extraArgs.get(0).startsWith("--")) {
      command.add(extraArgs.get(0));
    }
    command.addAll(
        List.of(
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            dir.toString(),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--enable-debug-command",
            "local"));
    command.addAll(
        !extraArgs.isEmpty() && !extraArgs.get(0).startsWith("--")
            ? extraArgs.subList(1, extraArgs.size())
            : extraArgs);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "redis-server exited: " + Files.readString(dir.resolve("redis.log")));
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.getOutputStream().write("PING\r\n".getBytes());
        byte[] reply = new byte[7];
        int n = s.getInputStream().read(reply);
        if (n > 0 && reply[0] == '+') {
          return;
        }
      } catch (IOException notYet) {
        // Still starting.
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("redis-server did not start within 10 s on port " + port);
  }

  private static synchronized void ensureInstalled() throws Exception {
    if (installed || Files.isExecutable(Path.of(BINARY))) {
      installed = true;
      return;
    }
    for (List<String> cmd :
        List.of(
            List.of("apt-get", "update"),
            List.of("apt-get", "install", "-y", "--no-install-recommends", "redis-server"))) {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("could not install redis-server: " + cmd + " failed");
      }
    }
    if (!Files.isExecutable(Path.of(BINARY))) {
      throw new IllegalStateException("redis-server is still missing after apt-get install");
    }
    installed = true;
  }

  /** A free port whose cluster bus port (port + 10000) is free as well. */
  private static int freeClusterPort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int p = freePort();
      if (p + 10_000 > 65_535) {
        continue;
      }
      try (ServerSocket bus = new ServerSocket(p + 10_000, 1, InetAddress.getLoopbackAddress())) {
        return p;
      } catch (IOException taken) {
        // Try another.
      }
    }
    throw new IOException("no free port pair for a cluster node");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
