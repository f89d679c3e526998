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

  // --- Bad start-up input: one line naming the key or file, exit 2, usage only for unknown flags -

  /** Exit 2, one line on stderr containing every word, and no usage text. */
  private static void assertOneLine(Run run, String... words) {
    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains(words).doesNotContain("Usage:");
    assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
  }

  @Test
  void anUnknownFlagShowsTheUsage() {
    Run run = run("--trasnport", "http");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--trasnport").contains("Usage:");
  }

  @Test
  void aFlagWithABadValueIsOneLine() {
    assertOneLine(run("--port", "abc"), "--port", "abc");
  }

  @Test
  void aMissingSecretFileIsOneLineNamingTheKey(@TempDir Path dir) {
    String missing = dir.resolve("nope").toString();
    assertOneLine(
        run(
            "--transport",
            "http",
            "--port",
            "0",
            "--jwt-issuer",
            "https://issuer.invalid",
            "--jwt-audience",
            "trident",
            "--jwt-secret-file",
            missing),
        "auth.jwt.secretFile",
        "file not found",
        missing);
  }

  /**
   * Tests run as root, who reads any file whatever its mode: a directory stands for "unreadable".
   */
  @Test
  void anUnreadableSecretFileIsOneLineNamingTheKey(@TempDir Path dir) {
    assertOneLine(
        run("--transport", "http", "--port", "0", "--api-keys-file", dir.toString()),
        "auth.apiKeys.file",
        "is a directory");
  }

  @Test
  void missingTlsFilesAreOneLineNamingTheKey(@TempDir Path dir) {
    String cert = dir.resolve("cert.pem").toString();
    assertOneLine(
        run(
            "--transport",
            "http",
            "--port",
            "0",
            "--tls-cert",
            cert,
            "--tls-key",
            dir.resolve("key.pem").toString()),
        "http.tlsCert",
        cert);
  }

  @Test
  void aTlsCertificateThatIsNotPemIsOneLine(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "hello\n");
    Path key = Files.writeString(dir.resolve("key.pem"), "hello\n");
    assertOneLine(
        run(
            "--transport",
            "grpc",
            "--port",
            "0",
            "--tls-cert",
            cert.toString(),
            "--tls-key",
            key.toString()),
        "grpc.tlsCert",
        "is not a PEM certificate");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http:\n  idleTimeout: 2 minutes\n|http.idleTimeout|not a duration",
        "http:\n  headerTimeout: 0s\n|http.headerTimeout|positive",
        "http:\n  http2:\n    pingWindow: soon\n|http.http2.pingWindow|not a duration",
        "http:\n  http2:\n    maxConcurrentStreams: 0\n|http.http2.maxConcurrentStreams|at least 1",
        "http:\n  maxConnections: 0\n|http.maxConnections|at least 1",
        "http:\n  tlsReloadInterval: often\n|http.tlsReloadInterval|not a duration",
        "http:\n  idleTimout: 1s\n|unknown key 'idleTimout'|http.idleTimout",
        "auth:\n  jwt:\n    jwksUrl: 'not a url'\n    audience: [a]\n    issuer: i\n|auth.jwt.jwksUrl|not a URL",
        "redis:\n  url: http://cache.invalid\n|redis.url|redis://"
      })
  void badConfigValuesAreOneLineNamingTheKey(String yamlKeyAndWhy, @TempDir Path dir)
      throws Exception {
    String[] parts = yamlKeyAndWhy.split("\\|");
    Path conf = dir.resolve("trident.yaml");
    Files.writeString(conf, parts[0]);
    assertOneLine(
        run("--config", conf.toString(), "--transport", "http", "--port", "0"), parts[1], parts[2]);
  }

  @Test
  void aBadJwksUrlFlagIsOneLine() {
    assertOneLine(
        run(
            "--transport",
            "http",
            "--port",
            "0",
            "--jwt-audience",
            "a",
            "--jwt-issuer",
            "i",
            "--jwks-url",
            "ftp://keys.invalid/jwks"),
        "auth.jwt.jwksUrl",
        "https");
  }

  @Test
  void subcommandsAreBuiltOnlyWhenTheArgumentsMayNameOne() {
    CommandLine.Model.CommandSpec spec =
        new CommandLine(new Main(new ByteArrayOutputStream())).getCommandSpec();
    assertThat(Main.mayNameASubcommand(spec, new String[] {})).isFalse();
    assertThat(Main.mayNameASubcommand(spec, new String[] {"--transport", "stdio"})).isFalse();
    // A value that happens to be a subcommand's name is still the option's value.
    assertThat(Main.mayNameASubcommand(spec, new String[] {"--config", "audit", "--no-auth"}))
        .isFalse();
    assertThat(Main.mayNameASubcommand(spec, new String[] {"--transport=stdio"})).isFalse();
    assertThat(Main.mayNameASubcommand(spec, new String[] {"audit"})).isTrue();
    assertThat(Main.mayNameASubcommand(spec, new String[] {"--transport", "http", "revok"}))
        .isTrue();
    assertThat(Main.mayNameASubcommand(spec, new String[] {"--help"})).isTrue();
    CommandLine serving = Main.commandLine(new Main(new ByteArrayOutputStream()), new String[0]);
    assertThat(serving.getSubcommands()).isEmpty();
    CommandLine auditing =
        Main.commandLine(new Main(new ByteArrayOutputStream()), new String[] {"audit"});
    assertThat(auditing.getSubcommands()).containsOnlyKeys("revoke", "audit", "desktop-config");
  }
}
