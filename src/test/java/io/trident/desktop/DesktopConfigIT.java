package io.trident.desktop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trident desktop-config --write} from the built jar, then the entry it wrote launched the
 * way a desktop client launches it: the archive must exist and the server must answer.
 */
class DesktopConfigIT {

  private static final Path JAR = Path.of("target", "trident.jar").toAbsolutePath();
  private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}\n"
          + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
          + "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
          + "\"arguments\":{\"text\":\"from the desktop\"}}}\n";

  @TempDir Path dir;

  @Test
  void writesAClassDataArchiveLaunchForJava17ThatAnswers() throws Exception {
    JsonNode entry = writeAndRead(JavaRuntime.current(), "trident.jsa");

    assertThat(args(entry)).contains("-XX:SharedArchiveFile=" + dir.resolve("trident.jsa"));
    assertThat(dir.resolve("trident.jsa")).isNotEmptyFile();
    assertAnswers(entry);
  }

  @Test
  void writesAnAotCacheLaunchForJava25ThatAnswers() throws Exception {
    assumeTrue(Files.isExecutable(JDK25), "no JDK 25 at " + JDK25);
    JsonNode entry = writeAndRead(JDK25, "trident.aot");

    assertThat(entry.path("command").asText()).isEqualTo(JDK25.toString());
    assertThat(args(entry)).contains("-XX:AOTCache=" + dir.resolve("trident.aot"));
    assertThat(dir.resolve("trident.aot")).isNotEmptyFile();
    assertAnswers(entry);
  }

  @Test
  void aTransportOtherThanStdioIsRefusedInOneLine() {
    ChildProcess.Outcome out =
        ChildProcess.run(
            List.of(
                JavaRuntime.current().toString(),
                "-jar",
                JAR.toString(),
                "desktop-config",
                "--no-archive",
                "--",
                "--transport",
                "http"),
            new byte[0],
            Duration.ofSeconds(60));

    assertThat(out.exitCode()).isEqualTo(2);
    assertThat(out.stderr().strip().lines().findFirst().orElse(""))
        .isEqualTo("trident: desktop clients launch --transport stdio, not http");
    assertThat(out.stdout()).isEmpty();
  }

  private JsonNode writeAndRead(Path java, String archive) throws Exception {
    Path file = dir.resolve("cursor/mcp.json");
    ChildProcess.Outcome out =
        ChildProcess.run(
            List.of(
                JavaRuntime.current().toString(),
                "-jar",
                JAR.toString(),
                "desktop-config",
                "--client",
                "cursor",
                "--java",
                java.toString(),
                "--archive",
                dir.resolve(archive).toString(),
                "--config-file",
                file.toString(),
                "--write"),
            new byte[0],
            Duration.ofMinutes(3));
    assertThat(out.exitCode()).as(out.stderr()).isZero();
    assertThat(out.stderr()).contains("added \"trident\" in " + file);
    JsonNode written = JSON.readTree(file.toFile()).path("mcpServers").path("trident");
    // What it printed is what it wrote.
    assertThat(JSON.readTree(out.stdout()).path("mcpServers").path("trident")).isEqualTo(written);
    return written;
  }

  private static List<String> args(JsonNode entry) {
    List<String> args = new ArrayList<>();
    entry.path("args").forEach(a -> args.add(a.asText()));
    return args;
  }

  private void assertAnswers(JsonNode entry) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(entry.path("command").asText());
    command.addAll(args(entry));
    // A desktop client starts the server from a directory of its own.
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    Process process = builder.start();
    process.getOutputStream().write(INITIALIZE.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).isZero();
    List<JsonNode> messages = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      messages.add(JSON.readTree(line));
    }
    assertThat(messages).hasSize(2);
    assertThat(messages.get(0).path("result").path("serverInfo").path("name").asText())
        .isEqualTo("trident");
    assertThat(messages.get(1).path("result").path("content").get(0).path("text").asText())
        .isEqualTo("from the desktop");
  }
}
