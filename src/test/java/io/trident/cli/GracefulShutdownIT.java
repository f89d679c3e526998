package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.grpc.v1.CallToolResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on the network transports, with the built jar as a subprocess (SPEC.md §4.2): listeners
 * close at once, work in flight may finish within {@code server.shutdownGrace} and is answered,
 * work still running after it is cancelled, and the process exits 0. Also the start-up check of
 * {@code server.toolTimeouts}.
 */
class GracefulShutdownIT {

  private static final Path JAR = Path.of("target", "trident.jar");
  private static final Pattern HTTP_LISTENING =
      Pattern.compile("MCP Streamable HTTP on http://127\\.0\\.0\\.1:(\\d+)/mcp");
  private static final Pattern GRPC_LISTENING =
      Pattern.compile("MCP gRPC on 127\\.0\\.0\\.1:(\\d+)");
  private static final String INIT =
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
          + "\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}";

  @TempDir Path dir;
  private Process process;
  private final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();
  private final List<String> stderrSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Vertx vertx;

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  /** Starts the jar and returns the port it reports listening on. */
  private int start(String config, Pattern listening, String... args) throws Exception {
    Path conf = dir.resolve("trident.yaml");
    Files.writeString(conf, config);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "--config",
                conf.toString(),
                "--no-auth",
                "--port",
                "0"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("TRIDENT_AUDIT_LOG", "off");
    process = pb.start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  stderr.add(line);
                }
              } catch (IOException ignored) {
                // process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      String line = stderr.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        stderrSeen.add(line);
        Matcher m = listening.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
    }
    throw new AssertionError("the server did not report its port");
  }

  private void sigterm() throws Exception {
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor())
        .isZero();
  }

  private static HttpRequest post(int port, String sessionId, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mcp"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (sessionId != null) {
      b.header("Mcp-Session-Id", sessionId);
    }
    return b.build();
  }

  private static String simulateWork(double seconds, int steps) {
    return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"simulate_work\","
        + "\"arguments\":{\"seconds\":"
        + seconds
        + ",\"steps\":"
        + steps
        + "},\"_meta\":{\"progressToken\":\"p\"}}}";
  }

  /** An initialized session; returns its id. */
  private static String initialize(HttpClient http, int port) throws Exception {
    HttpResponse<String> init =
        http.send(post(port, null, INIT), HttpResponse.BodyHandlers.ofString());
    assertThat(init.statusCode()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    http.send(
        post(port, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"),
        HttpResponse.BodyHandlers.discarding());
    return session;
  }

  private static HttpClient http() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** The listener is closed: a new connection is refused (it may take a moment to close). */
  private static void assertRefusesConnections(int port) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        if (System.nanoTime() > until) {
          throw new AssertionError("still accepting connections after SIGTERM");
        }
      } catch (ConnectException refused) {
        return;
      }
      Thread.sleep(20);
    }
  }

  @Test
  void httpCallInFlightIsAnsweredWithinTheGraceWhileNewConnectionsAreRefused() throws Exception {
    int port = start("server:\n  shutdownGrace: 5s\n", HTTP_LISTENING, "--transport", "http");
    HttpClient http = http();
    String session = initialize(http, port);
    // The response turns into SSE at the first progress event: once its headers are here, the
    // call is running.
    HttpResponse<Stream<String>> call =
        http.send(post(port, session, simulateWork(1.2, 4)), HttpResponse.BodyHandlers.ofLines());
    assertThat(call.headers().firstValue("Content-Type").orElse("")).contains("event-stream");
    sigterm();
    assertRefusesConnections(port);
    List<String> data = call.body().filter(l -> l.startsWith("data: {")).toList();
    JsonObject last = new JsonObject(data.get(data.size() - 1).substring(6));
    assertThat(last.getValue("id")).isEqualTo(1);
    assertThat(
            last.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text"))
        .startsWith("Completed 4 steps");
    assertThat(process.waitFor(5, TimeUnit.SECONDS)).as("exited after the work").isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void httpCallStillRunningAfterTheGraceIsCancelledAndTheProcessExitsZero() throws Exception {
    int port = start("server:\n  shutdownGrace: 300ms\n", HTTP_LISTENING, "--transport", "http");
    HttpClient http = http();
    String session = initialize(http, port);
    HttpResponse<Stream<String>> call =
        http.send(post(port, session, simulateWork(30, 300)), HttpResponse.BodyHandlers.ofLines());
    long start = System.nanoTime();
    sigterm();
    CompletableFuture<List<String>> rest =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return call.body().filter(l -> l.startsWith("data: {")).toList();
              } catch (RuntimeException connectionClosed) {
                return List.of();
              }
            });
    assertThat(process.waitFor(5, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 5000L);
    assertThat(rest.get(5, TimeUnit.SECONDS))
        .as("no response for the cancelled call")
        .noneMatch(l -> l.contains("\"id\":1"));
  }

  @Test
  void grpcCallInFlightIsAnsweredWithinTheGrace() throws Exception {
    int port = start("server:\n  shutdownGrace: 5s\n", GRPC_LISTENING, "--transport", "grpc");
    vertx = Vertx.vertx();
    McpGrpcClient client =
        McpGrpcClient.create(
            vertx, SocketAddress.inetSocketAddress(port, "127.0.0.1"), new McpGrpcClientOptions());
    CompletableFuture<Void> running = new CompletableFuture<>();
    Future<CallToolResult> call =
        client.callTool(
            "simulate_work",
            new JsonObject().put("seconds", 1.2).put("steps", 4),
            new CallOptions().setProgressHandler(p -> running.complete(null)));
    running.get(10, TimeUnit.SECONDS);
    sigterm();
    assertRefusesConnections(port);
    CallToolResult result =
        call.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(result.getContent(0).getText().getText()).startsWith("Completed 4 steps");
    assertThat(process.waitFor(5, TimeUnit.SECONDS)).as("exited after the work").isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void anIdleServerExitsAtOnce() throws Exception {
    start("", HTTP_LISTENING, "--transport", "http");
    long start = System.nanoTime();
    sigterm();
    assertThat(process.waitFor(3, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000L);
  }

  @Test
  void aToolTimeoutForNoSuchToolIsAStartUpWarningNamingTheKey() throws Exception {
    start(
        "server:\n  toolTimeouts:\n    simulate_work: 5s\n    no_such_tool: 5s\n",
        HTTP_LISTENING,
        "--transport",
        "http");
    assertThat(stderrSeen)
        .anySatisfy(
            l -> assertThat(l).contains("WARN").contains("server.toolTimeouts.no_such_tool"))
        .noneMatch(l -> l.contains("server.toolTimeouts.simulate_work"));
  }
}
