package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Flag handling, in process: bad input must exit 2 with a message, before anything starts. */
class MainTest {

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine(new Main(new ByteArrayOutputStream()));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"--bogus", "--transport=carrier-pigeon", "--port=abc", "--port=70000"})
  void badFlagsExitTwoWithAMessage(String flag) {
    Run run = run(flag);
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).isNotBlank();
  }

  @Test
  void portNeedsExactlyOneNetworkTransport() {
    Run run = run("--transport", "stdio", "--port", "3000");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--port needs exactly one network transport");
  }

  @Test
  void badRedisUrlIsRefusedByName() {
    Run run = run("--transport", "grpc", "--port", "0", "--redis", "http://cache.invalid");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("redis.url");
  }

  @Test
  void revokeNeedsOneTargetAndARedis() {
    assertThat(run("revoke", "--redis", "redis://cache.invalid:6379").code()).isEqualTo(2);
    Run noRedis = run("revoke", "--jti", "abc");
    assertThat(noRedis.code()).isEqualTo(2);
    assertThat(noRedis.err()).contains("--redis");
  }

  @Test
  void missingExplicitConfigFileIsReported() {
    Run run = run("--config", "/nonexistent/trident.yaml");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("config file not found");
  }

  @Test
  void unknownBackendNamesTheKnownOnes() {
    Run run = run("--backend", "nosuch");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err())
        .contains("unknown backend 'nosuch'")
        .contains("default")
        .contains("conformance");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "server:\n  toolTimeouts:\n    echo: soon\n|server.toolTimeouts.echo",
        "server:\n  toolTimeouts:\n    echo: 0s\n|server.toolTimeouts.echo",
        "server:\n  toolTimeouts:\n    echo:\n|server.toolTimeouts.echo",
        "server:\n  shutdownGrace: forever\n|server.shutdownGrace",
        "server:\n  requestTimeout: 0ms\n|server.requestTimeout",
        "stdio:\n  drainGrace: -1s\n|stdio.drainGrace"
      })
  void badDeadlineSettingsExitTwoNamingTheKey(String yamlAndKey, @TempDir Path dir)
      throws Exception {
    String[] parts = yamlAndKey.split("\\|");
    Path conf = dir.resolve("trident.yaml");
    Files.writeString(conf, parts[0]);
    Run run = run("--config", conf.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains(parts[1]);
  }

  @Test
  void helpAndVersionExitZero() {
    assertThat(run("--help"))
        .satisfies(
            r -> {
              assertThat(r.code()).isZero();
              assertThat(r.out()).contains("--transport").contains("--backend");
            });
    assertThat(run("--version").out()).startsWith("trident ");
  }
}
