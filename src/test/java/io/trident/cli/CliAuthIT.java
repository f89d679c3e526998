package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the built jar decides who may call it, when flags and config leave auth open. */
class CliAuthIT {

  private static final Path JAR = Path.of("target", "trident.jar");
  private static final Pattern DEV_KEY = Pattern.compile("X-MCP-API-Key: (tmk_[A-Za-z0-9_-]+)");
  private static final Pattern LISTENING =
      Pattern.compile("MCP Streamable HTTP on http://127\\.0\\.0\\.1:(\\d+)/mcp");
  private static final String INIT =
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
          + "\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}";

  @TempDir Path dir;

  private Process process;
  private final BlockingQueue<String> stderrLines = new LinkedBlockingQueue<>();
  private final StringBuilder stdout = new StringBuilder();
  private final StringBuilder stderr = new StringBuilder();
  private Thread stdoutReader;

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private void start(String... args) throws IOException {
    Path config = dir.resolve("empty.yaml");
    Files.writeString(config, "server:\n  name: cli-it\n");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "--config",
                config.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("TRIDENT_AUDIT_LOG", "off");
    process = pb.start();
    process.getOutputStream().close();
    stdoutReader = drain(process.getInputStream(), stdout, null);
    drain(process.getErrorStream(), stderr, stderrLines);
  }

  private static Thread drain(
      java.io.InputStream in, StringBuilder all, BlockingQueue<String> lines) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (all) {
                    all.append(line).append('\n');
                  }
                  if (lines != null) {
                    lines.add(line);
                  }
                }
              } catch (IOException ignored) {
                // process ended
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private String text(StringBuilder sb) {
    synchronized (sb) {
      return sb.toString();
    }
  }

  private void assertExitsTwo(String... stderrWords) throws Exception {
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited by itself").isTrue();
    stdoutReader.join(2000);
    assertThat(process.exitValue()).as("stderr: %s", text(stderr)).isEqualTo(2);
    Thread.sleep(100);
    assertThat(text(stderr)).contains(stderrWords);
    assertThat(text(stdout)).isEmpty();
  }

  @Test
  void noAuthIsRefusedOnANonLoopbackBind() throws Exception {
    start("--no-auth", "--host", "0.0.0.0", "--transport", "http", "--port", "0");
    assertExitsTwo("--no-auth", "non-loopback", "0.0.0.0");
  }

  @Test
  void nothingConfiguredIsRefusedOnANonLoopbackBind() throws Exception {
    start("--host", "0.0.0.0", "--transport", "http", "--port", "0");
    assertExitsTwo("no credentials are configured", "0.0.0.0");
  }

  @Test
  void nothingConfiguredIsRefusedOnANonLoopbackGrpcBindToo() throws Exception {
    start("--host", "0.0.0.0", "--transport", "grpc", "--port", "0");
    assertExitsTwo("no credentials are configured");
  }

  @Test
  void nothingConfiguredOnLoopbackPrintsADevelopmentKeyToStderrThatWorks() throws Exception {
    start("--transport", "http", "--port", "0");
    String key = null;
    Integer port = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while ((key == null || port == null) && System.nanoTime() < deadline) {
      String line = stderrLines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        assertThat(process.isAlive()).as("still running; stderr: %s", text(stderr)).isTrue();
        continue;
      }
      Matcher k = DEV_KEY.matcher(line);
      if (k.find()) {
        key = k.group(1);
      }
      Matcher p = LISTENING.matcher(line);
      if (p.find()) {
        port = Integer.parseInt(p.group(1));
      }
    }
    assertThat(key).as("development key on stderr: %s", text(stderr)).isNotNull();
    assertThat(port).as("listening line on stderr: %s", text(stderr)).isNotNull();

    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    assertThat(initialize(http, port, key).statusCode()).isEqualTo(200);
    HttpResponse<String> none = initialize(http, port, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("error=\"invalid_token\"");
    assertThat(initialize(http, port, key + "x").statusCode()).isEqualTo(401);

    process.destroy();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    stdoutReader.join(2000);
    assertThat(text(stdout)).as("stdout").doesNotContain(key);
    assertThat(text(stdout)).isEmpty();
  }

  @Test
  void noAuthOnLoopbackLetsCallersIn() throws Exception {
    start("--no-auth", "--transport", "http", "--port", "0");
    Integer port = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (port == null && System.nanoTime() < deadline) {
      String line = stderrLines.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        Matcher p = LISTENING.matcher(line);
        if (p.find()) {
          port = Integer.parseInt(p.group(1));
        }
      }
    }
    assertThat(port).as("stderr: %s", text(stderr)).isNotNull();
    assertThat(text(stderr)).contains("--no-auth").doesNotContain("X-MCP-API-Key: tmk_");
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    assertThat(initialize(http, port, null).statusCode()).isEqualTo(200);
  }

  private static HttpResponse<String> initialize(HttpClient http, int port, String apiKey)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mcp"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(INIT));
    if (apiKey != null) {
      b.header("X-MCP-API-Key", apiKey);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Issue 12: {@code head -c 48 /dev/urandom > secret} used to stop start-up. */
  @Test
  void aRawBinaryJwtSecretWorksAndAReadableSecretIsWarnedAbout() throws Exception {
    byte[] secret = new byte[48];
    new java.security.SecureRandom().nextBytes(secret);
    secret[0] = (byte) 0xfe;
    Path file = Files.write(dir.resolve("jwt.secret"), secret);
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    start(
        "--transport",
        "http",
        "--port",
        "0",
        "--jwt-secret-file",
        file.toString(),
        "--jwt-issuer",
        "https://issuer.invalid",
        "--jwt-audience",
        "trident");
    Integer port = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (port == null && System.nanoTime() < deadline) {
      String line = stderrLines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        assertThat(process.isAlive()).as("still running; stderr: %s", text(stderr)).isTrue();
        continue;
      }
      Matcher p = LISTENING.matcher(line);
      if (p.find()) {
        port = Integer.parseInt(p.group(1));
      }
    }
    assertThat(port).as("stderr: %s", text(stderr)).isNotNull();
    assertThat(text(stderr))
        .contains("auth.jwt.secretFile: secret file " + file + " is readable by other users");
    long exp = System.currentTimeMillis() / 1000 + 300;
    String token =
        hs256(
            secret,
            "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
            "{\"iss\":\"https://issuer.invalid\",\"sub\":\"bob\",\"aud\":\"trident\",\"exp\":"
                + exp
                + "}");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> ok =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(INIT))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
  }

  private static String hs256(byte[] secret, String header, String claims) throws Exception {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
    return signingInput
        + "."
        + b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }
}
