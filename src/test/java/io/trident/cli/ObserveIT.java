package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar's observability wiring (SPEC.md §12): with {@code --admin-port}, {@code /metrics}
 * shows a tools/call made over HTTP (and Vert.x's meters with {@code metrics.vertx}), {@code
 * /readyz} is ready once the listeners are bound, and {@code audit.file} receives the audit line.
 */
class ObserveIT {

  private static final Path JAR = Path.of("target", "trident.jar");
  private static final Pattern HTTP =
      Pattern.compile("MCP Streamable HTTP on http://127\\.0\\.0\\.1:(\\d+)/mcp");
  private static final Pattern ADMIN = Pattern.compile("admin listener on 127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path dir;
  private Process process;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (process != null) {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void adminListenerServesMetricsReadinessAndTheAuditFileFills() throws Exception {
    Path audit = dir.resolve("audit.log");
    Path conf = dir.resolve("trident.yaml");
    Files.writeString(conf, "metrics:\n  vertx: true\naudit:\n  file: " + audit + "\n");
    process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "--config",
                conf.toString(),
                "--no-auth",
                "--transport",
                "http",
                "--port",
                "0",
                "--admin-port",
                "0")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    int httpPort = 0;
    int adminPort = 0;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while ((httpPort == 0 || adminPort == 0) && System.nanoTime() < until) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        continue;
      }
      Matcher h = HTTP.matcher(line);
      Matcher a = ADMIN.matcher(line);
      if (h.find()) {
        httpPort = Integer.parseInt(h.group(1));
      } else if (a.find()) {
        adminPort = Integer.parseInt(a.group(1));
      }
    }
    assertThat(httpPort).isPositive();
    assertThat(adminPort).isPositive();

    HttpResponse<String> init =
        post(
            httpPort,
            null,
            "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}");
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    HttpResponse<String> call =
        post(
            httpPort,
            session,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                + "\"arguments\":{\"text\":\"observe-it\"}}}");
    assertThat(new JsonObject(call.body()).getJsonObject("result")).isNotNull();

    HttpResponse<String> metrics = get(adminPort, "/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains(
            "trident_requests_seconds_count{method=\"tools/call\",outcome=\"ok\",tool=\"echo\","
                + "transport=\"http\"} 1")
        .contains("vertx_http_server_requests_total")
        .contains("trident_event_loop_delay_seconds_count")
        .doesNotContain("observe-it");
    HttpResponse<String> ready = get(adminPort, "/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("ready");

    long auditUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> written = List.of();
    while (System.nanoTime() < auditUntil) {
      written = Files.exists(audit) ? Files.readAllLines(audit) : List.of();
      if (!written.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(written).isNotEmpty();
    assertThat(new JsonObject(written.get(0)).getString("tool")).isEqualTo("echo");
  }

  private HttpResponse<String> post(int port, String session, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mcp"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (session != null) {
      b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
