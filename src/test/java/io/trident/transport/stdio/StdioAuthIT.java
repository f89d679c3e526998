package io.trident.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.TestKeys;
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
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stdio principal of the built jar: the local user, or the JWT in an environment variable. */
class StdioAuthIT {

  private static final Path JAR = Path.of("target", "trident.jar");
  private static final String INIT =
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
          + "\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}";

  @TempDir Path dir;

  private Process process;
  private OutputStream stdin;
  private Path stderr;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> stdout = new ArrayList<>();

  private void start(Path config, Map<String, String> env) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "--transport",
                "stdio",
                "--config",
                config.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("TRIDENT_TOKEN");
    pb.environment().put("TRIDENT_AUDIT_LOG", "off");
    pb.environment().putAll(env);
    stderr = dir.resolve("stderr.txt");
    process = pb.redirectError(stderr.toFile()).start();
    stdin = process.getOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (stdout) {
                    stdout.add(line);
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

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private void send(String line) throws IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  private JsonObject next() throws InterruptedException {
    String line = lines.poll(20, TimeUnit.SECONDS);
    assertThat(line).as("a line from the server; stderr: %s", stderrText()).isNotNull();
    return new JsonObject(line);
  }

  private String stderrText() {
    try {
      return Files.readString(stderr);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private void initialize() throws Exception {
    send(INIT);
    assertThat(next().getJsonObject("result").getString("protocolVersion")).isEqualTo("2025-11-25");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  }

  private JsonObject whoami() throws Exception {
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\"}}");
    JsonObject reply = next();
    assertThat(reply.getJsonObject("result")).as("%s", reply).isNotNull();
    return reply.getJsonObject("result").getJsonObject("structuredContent");
  }

  private Path config(String yaml) throws IOException {
    Path file = dir.resolve("trident.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private Path jwtConfig(String secret) throws Exception {
    Path secretFile = TestKeys.write(dir, "jwt.secret", secret);
    return config(
        "auth:\n"
            + "  jwt:\n"
            + "    secretFile: "
            + secretFile
            + "\n    issuer: "
            + TestKeys.ISSUER
            + "\n    audience: "
            + TestKeys.AUDIENCE
            + "\n  local:\n    tokenEnv: TRIDENT_TOKEN\n");
  }

  private static String hs256(String secret, JsonObject claims) throws Exception {
    return TestKeys.handMade(
        new JsonObject().put("alg", "HS256").put("typ", "JWT"),
        claims,
        secret.getBytes(StandardCharsets.UTF_8));
  }

  /** The process exits by itself, non-zero, with a message on stderr and nothing on stdout. */
  private void assertRefusedAtStart(String... stderrWords) throws Exception {
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited by itself").isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    Thread.sleep(100);
    synchronized (stdout) {
      assertThat(stdout).as("stdout").isEmpty();
    }
    assertThat(stderrText()).contains(stderrWords);
  }

  @Test
  void defaultPrincipalIsTheLocalUser() throws Exception {
    start(config("server:\n  name: it\n"), Map.of());
    initialize();
    JsonObject me = whoami();
    assertThat(me.getString("subject")).isEqualTo(System.getProperty("user.name"));
    assertThat(me.getString("credentialKind")).isEqualTo("local");
    assertThat(me.getString("transport")).isEqualTo("stdio");
    assertThat(me.getJsonArray("scopes").getList()).containsExactly("*");
  }

  @Test
  void tokenFromTheEnvironmentNamesTheStdioPrincipal() throws Exception {
    String secret = TestKeys.secret();
    start(
        jwtConfig(secret),
        Map.of("TRIDENT_TOKEN", hs256(secret, TestKeys.claims("svc-bot", "tools:call"))));
    initialize();
    JsonObject me = whoami();
    assertThat(me.getString("subject")).isEqualTo("svc-bot");
    assertThat(me.getString("credentialKind")).isEqualTo("jwt");
    assertThat(me.getJsonArray("scopes").getList()).containsExactly("tools:call");
  }

  @Test
  void invalidTokenInTheEnvironmentStopsTheProcessAtStart() throws Exception {
    String secret = TestKeys.secret();
    String forged = hs256(TestKeys.secret(), TestKeys.claims("svc-bot", "tools:call"));
    start(jwtConfig(secret), Map.of("TRIDENT_TOKEN", forged));
    assertRefusedAtStart("TRIDENT_TOKEN", "missing, invalid or expired");
    assertThat(stderrText()).doesNotContain(forged);
  }

  @Test
  void expiredTokenInTheEnvironmentStopsTheProcessAtStart() throws Exception {
    String secret = TestKeys.secret();
    long now = System.currentTimeMillis() / 1000;
    start(
        jwtConfig(secret),
        Map.of(
            "TRIDENT_TOKEN",
            hs256(secret, TestKeys.claims("svc-bot", null).put("exp", now - 3600))));
    assertRefusedAtStart("TRIDENT_TOKEN");
  }

  @Test
  void missingTokenStopsTheProcessAtStart() throws Exception {
    start(jwtConfig(TestKeys.secret()), Map.of());
    assertRefusedAtStart("TRIDENT_TOKEN", "missing, invalid or expired");
  }

  @Test
  void restrictedLocalScopesAreEnforced() throws Exception {
    start(config("local:\n  user: restricted\n  scopes: [tools:list]\n"), Map.of());
    initialize();
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\"}}");
    JsonObject denied = next();
    assertThat(denied.getValue("id")).isEqualTo(1);
    assertThat(denied.getJsonObject("error").getInteger("code")).isEqualTo(-32003);
    assertThat(denied.getJsonObject("error").getJsonObject("data").getString("requiredScope"))
        .isEqualTo("tools:call");
    send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
    JsonObject list = next();
    assertThat(list.getValue("id")).isEqualTo(2);
    assertThat(list.getJsonObject("result").getJsonArray("tools")).isEmpty();
    send("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/list\"}");
    assertThat(next().getJsonObject("error").getInteger("code")).isEqualTo(-32003);
  }
}
