package io.trident.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built jar as a real subprocess, driven over its real stdin and stdout. */
class StdioProcessIT {

  private static final Path JAR = Path.of("target", "trident.jar");
  private static final String INIT =
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
          + "\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}";

  private Process process;
  private OutputStream stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> all = new ArrayList<>();

  private void start(String... extra) throws IOException {
    start(List.of("-jar", JAR.toString()), extra);
  }

  private void start(List<String> launch, String... extra) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(launch);
    cmd.addAll(List.of("--transport", "stdio"));
    cmd.addAll(List.of(extra));
    process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    stdin = process.getOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (all) {
                    all.add(line);
                  }
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
  }

  private void send(String line) throws IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  private JsonObject next() throws InterruptedException {
    String line = lines.poll(20, TimeUnit.SECONDS);
    assertThat(line).as("a line from the server").isNotNull();
    return new JsonObject(line);
  }

  private void initialize() throws Exception {
    send(INIT);
    assertThat(next().getJsonObject("result").getString("protocolVersion")).isEqualTo("2025-11-25");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  }

  private static String call(int id, String tool, String args) {
    return "{\"jsonrpc\":\"2.0\",\"id\":"
        + id
        + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
        + tool
        + "\",\"arguments\":"
        + args
        + "}}";
  }

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  @Test
  void sigtermWithWorkInFlightExitsZeroWithinTwoSeconds() throws Exception {
    start();
    initialize();
    send(call(1, "simulate_work", "{\"seconds\":60,\"steps\":60}"));
    Thread.sleep(200);
    long start = System.nanoTime();
    process.destroy(); // SIGTERM
    assertThat(process.waitFor(2, TimeUnit.SECONDS)).as("exited within 2 s").isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000);
  }

  @Test
  void eofWithWorkInFlightExitsZeroWithinTwoSeconds() throws Exception {
    start();
    initialize();
    send(call(1, "simulate_work", "{\"seconds\":60,\"steps\":60}"));
    Thread.sleep(200);
    stdin.close();
    assertThat(process.waitFor(2, TimeUnit.SECONDS)).as("exited within 2 s").isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void slowCallDoesNotHoldUpPing() throws Exception {
    start();
    initialize();
    send(call(1, "simulate_work", "{\"seconds\":1.5,\"steps\":1}"));
    send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    assertThat(next().getValue("id")).isEqualTo(2);
    assertThat(next().getValue("id")).isEqualTo(1);
  }

  @Test
  void overlongLineIsRefusedAndTheNextOneAnswered(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("trident.yaml");
    Files.writeString(conf, "stdio:\n  maxLineBytes: 2048\n");
    start("--config", conf.toString());
    initialize();
    send(call(1, "echo", "{\"text\":\"" + "z".repeat(100_000) + "\"}"));
    JsonObject refused = next();
    assertThat(refused.getJsonObject("error").getInteger("code")).isEqualTo(-32600);
    assertThat(refused.getValue("id")).isNull();
    send(call(2, "echo", "{\"text\":\"small\"}"));
    JsonObject ok = next();
    assertThat(ok.getValue("id")).isEqualTo(2);
    assertThat(
            ok.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("small");
  }

  @Test
  void userBackendFromTheClassPathCannotCorruptStdout() throws Exception {
    String cp = JAR + java.io.File.pathSeparator + Path.of("target", "test-classes");
    start(List.of("-cp", cp, "io.trident.cli.Main"), "--backend", "noisy");
    initialize();
    send(call(1, "shout", "{}"));
    JsonObject reply = next();
    assertThat(
            reply
                .getJsonObject("result")
                .getJsonArray("content")
                .getJsonObject(0)
                .getString("text"))
        .isEqualTo("done");
    stdin.close();
    assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();
    synchronized (all) {
      assertThat(all)
          .allSatisfy(
              line -> assertThat(new JsonObject(line).getString("jsonrpc")).isEqualTo("2.0"));
    }
  }
}
