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
  private static volatile boolean installed;

  private final Path dir;
  private final int port;
  private Process process;

  private RedisServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Installs Redis if needed and starts one on a free loopback port. */
  public static RedisServer start() throws Exception {
    ensureInstalled();
    RedisServer server = new RedisServer(Files.createTempDirectory("trident-redis"), freePort());
    server.startProcess();
    return server;
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
    process =
        new ProcessBuilder(
                BINARY,
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
                "local")
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
