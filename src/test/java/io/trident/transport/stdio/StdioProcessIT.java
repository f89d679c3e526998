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

  /**
   * SIGTERM alone: {@link Process#destroy()} would also close our ends of the pipes, which the
   * server sees as EOF and we as the loss of its answers.
   */
  private void sigterm() throws Exception {
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor())
        .isZero();
  }

  /** The request with a progress token, so that its first progress says it is running. */
  private static String withProgress(String request) {
    JsonObject json = new JsonObject(request);
    json.getJsonObject("params").put("_meta", new JsonObject().put("progressToken", "p"));
    return json.encode();
  }

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private Path config(Path dir, String yaml) throws IOException {
    Path conf = dir.resolve("trident.yaml");
    Files.writeString(conf, yaml);
    return conf;
  }

  private boolean answered(int id) {
    synchronized (all) {
      return all.stream()
          .anyMatch(l -> Integer.valueOf(id).equals(new JsonObject(l).getValue("id")));
    }
  }

  @Test
  void sigtermCancelsWorkStillRunningAfterTheGraceAndExitsZero(@TempDir Path dir) throws Exception {
    start("--config", config(dir, "server:\n  shutdownGrace: 300ms\n").toString());
    initialize();
    send(withProgress(call(1, "simulate_work", "{\"seconds\":60,\"steps\":600}")));
    assertThat(next().getString("method")).isEqualTo("notifications/progress"); // it runs
    long start = System.nanoTime();
    sigterm();
    assertThat(process.waitFor(3, TimeUnit.SECONDS)).as("exited within 3 s").isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 3000L);
    assertThat(answered(1)).as("a cancelled call gets no response").isFalse();
  }

  @Test
  void sigtermLetsACallThatFinishesWithinTheGraceBeAnswered() throws Exception {
    start();
    initialize();
    send(withProgress(call(1, "simulate_work", "{\"seconds\":1.2,\"steps\":4}")));
    assertThat(next().getString("method")).isEqualTo("notifications/progress"); // it runs
    sigterm(); // the default grace is 10 s
    JsonObject reply;
    do {
      reply = next();
    } while (reply.getValue("id") == null);
    assertThat(reply.getValue("id")).isEqualTo(1);
    assertThat(
            reply
                .getJsonObject("result")
                .getJsonArray("content")
                .getJsonObject(0)
                .getString("text"))
        .startsWith("Completed 4 steps");
    assertThat(process.waitFor(3, TimeUnit.SECONDS)).as("exited soon after").isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void eofCancelsWorkStillRunningAfterTheDrainGraceAndExitsZero(@TempDir Path dir)
      throws Exception {
    start("--config", config(dir, "stdio:\n  drainGrace: 300ms\n").toString());
    initialize();
    send(withProgress(call(1, "simulate_work", "{\"seconds\":60,\"steps\":600}")));
    assertThat(next().getString("method")).isEqualTo("notifications/progress"); // it runs
    stdin.close();
    assertThat(process.waitFor(2, TimeUnit.SECONDS)).as("exited within 2 s").isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(answered(1)).as("a cancelled call gets no response").isFalse();
  }

  @Test
  void eofAnswersACallThatFinishesWithinTheDrainGrace() throws Exception {
    start();
    initialize();
    send(call(1, "simulate_work", "{\"seconds\":0.5,\"steps\":1}"));
    stdin.close();
    JsonObject reply = next();
    assertThat(reply.getValue("id")).isEqualTo(1);
    assertThat(reply.getJsonObject("result")).isNotNull();
    assertThat(process.waitFor(2, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void eofOfAnIdleSessionExitsAtOnce() throws Exception {
    start();
    initialize();
    long start = System.nanoTime();
    stdin.close();
    assertThat(process.waitFor(2, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500L);
  }

  /**
   * The repro: {@code printf '<initialize>\n<initialized>\n<tools/call echo>\n' | trident
   * --transport stdio}. Everything arrives at once, then EOF, before the echo tool's schemas are
   * even compiled: the call must still be answered.
   */
  @Test
  void aPipedScriptGetsItsLastCallAnswered(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("input.jsonl");
    Files.writeString(
        script,
        INIT
            + "\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
            + call(1, "echo", "{\"text\":\"piped\"}")
            + "\n");
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            JAR.toString(),
            "--transport",
            "stdio");
    Process piped =
        new ProcessBuilder(cmd)
            .redirectInput(script.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      String out = new String(piped.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(piped.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(piped.exitValue()).isZero();
      List<JsonObject> replies = out.lines().map(JsonObject::new).toList();
      assertThat(replies).extracting(r -> r.getValue("id")).containsExactly(0, 1);
      assertThat(
              replies
                  .get(1)
                  .getJsonObject("result")
                  .getJsonArray("content")
                  .getJsonObject(0)
                  .getString("text"))
          .isEqualTo("piped");
    } finally {
      piped.destroyForcibly();
    }
  }

  @Test
  void aMetaDeadlineEndsASlowCallWithTimeoutWithin800Ms() throws Exception {
    start();
    initialize();
    long start = System.nanoTime();
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"simulate_work\","
            + "\"arguments\":{\"seconds\":5,\"steps\":50},"
            + "\"_meta\":{\"progressToken\":\"p\",\"io.trident/timeoutMs\":300}}}");
    JsonObject reply;
    do {
      reply = next();
    } while (reply.getValue("id") == null); // progress notifications first
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(800L);
    assertThat(reply.getValue("id")).isEqualTo(5);
    assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32001);
    assertThat(lines.poll(500, TimeUnit.MILLISECONDS)).as("nothing after the timeout").isNull();
  }

  @Test
  void aMalformedMetaDeadlineIsInvalidParams() throws Exception {
    start();
    initialize();
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
            + "\"arguments\":{\"text\":\"x\"},\"_meta\":{\"io.trident/timeoutMs\":-1}}}");
    JsonObject reply = next();
    assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    assertThat(reply.getJsonObject("error").getString("message")).contains("io.trident/timeoutMs");
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
