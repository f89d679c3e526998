package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.audit.ProcessFacts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code trident audit} in-process: the same flag parsing as serving, findings and exit codes. */
class AuditCommandTest {

  private static final ProcessFacts NOT_ROOT = new ProcessFacts("trident", 1000, "/var/log/a");
  private static final ProcessFacts ROOT_AUDIT_OFF = new ProcessFacts("root", 0, "off");

  /** The outcome of one run: exit code, stdout, stderr. */
  record Run(int code, String out, String err) {
    List<JsonObject> findings() {
      JsonArray array = new JsonArray(out);
      List<JsonObject> list = new ArrayList<>();
      array.forEach(o -> list.add((JsonObject) o));
      return list;
    }
  }

  static Run audit(ProcessFacts process, String... args) {
    AuditCommand command = new AuditCommand();
    command.process = process;
    CommandLine cli = new CommandLine(command);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static String[] args(Path config, String... more) {
    List<String> all = new ArrayList<>(List.of("--config", config.toString()));
    all.addAll(AuditConfigs.FLAGS);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Nested
  class SafeConfiguration {
    @Test
    void hasNoWarningOrCriticalFindingAndExitsZero(@TempDir Path dir) throws Exception {
      Run run = audit(NOT_ROOT, args(AuditConfigs.safe(dir), "--json", "--admin-port", "0"));
      assertThat(run.code()).as(run.err()).isZero();
      List<JsonObject> findings = run.findings();
      assertThat(findings)
          .filteredOn(f -> List.of("warning", "critical").contains(f.getString("severity")))
          .as(run.out())
          .isEmpty();
      assertThat(byControl(findings))
          .containsKeys(
              "tls.http",
              "tls.grpc",
              "tls.admin",
              "mtls",
              "auth",
              "grpc.reflection",
              "scope.method.tools/call",
              "scope.tool.echo",
              "scope.upstream.inventory",
              "upstream.inventory.tls",
              "upstream.inventory.metadata",
              "deadline.server",
              "cap.http.body",
              "limits",
              "revocation.store",
              "audit.destination",
              "secret.auth.jwt.secretFile",
              "secret.http.tlsKey",
              "process.user");
      assertThat(byControl(findings).get("tls.http").getString("severity")).isEqualTo("ok");
      assertThat(byControl(findings).get("upstream.inventory.metadata").getString("state"))
          .contains("traceparent");
    }

    @Test
    void textReportNamesEachKeyAndCounts(@TempDir Path dir) throws Exception {
      Run run = audit(NOT_ROOT, args(AuditConfigs.safe(dir)));
      assertThat(run.code()).as(run.err()).isZero();
      assertThat(run.out())
          .contains("[http.tlsCert, http.tlsKey / --tls-cert, --tls-key]")
          .containsPattern("\\d+ controls: \\d+ ok, \\d+ info, 0 warning, 0 critical");
    }
  }

  @Nested
  class UnsafeConfiguration {
    @Test
    void reportsEachFindingOnceWithItsKeyAndExitsOne(@TempDir Path dir) throws Exception {
      Run run = audit(ROOT_AUDIT_OFF, args(AuditConfigs.unsafe(dir), "--json"));
      assertThat(run.code()).as(run.err()).isEqualTo(1);
      List<JsonObject> findings = run.findings();
      Map<String, Long> counts =
          findings.stream()
              .collect(Collectors.groupingBy(f -> f.getString("control"), Collectors.counting()));
      assertThat(counts.values()).as("each control once").allMatch(n -> n == 1);
      Map<String, JsonObject> byControl = byControl(findings);
      AuditConfigs.UNSAFE.forEach(
          (control, expected) -> {
            assertThat(byControl).as(control).containsKey(control);
            JsonObject f = byControl.get(control);
            assertThat(f.getString("severity")).as(control).isEqualTo(expected.severity());
            assertThat(f.getString("key")).as(control).contains(expected.key());
          });
    }
  }

  @Nested
  class RefusedAsServingRefuses {
    @Test
    void noCredentialsOnANonLoopbackBindExitsTwo() {
      Run run = audit(NOT_ROOT, "--transport", "http", "--host", "0.0.0.0");
      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("no credentials are configured for a non-loopback bind");
    }

    @Test
    void badFlagExitsTwoLikeServing() {
      Run run = audit(NOT_ROOT, "--port", "70000", "--transport", "http");
      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("port out of range");
    }

    @Test
    void missingSecretFileExitsTwoNamingTheKey(@TempDir Path dir) {
      Run run =
          audit(
              NOT_ROOT,
              "--transport",
              "http",
              "--jwt-secret-file",
              dir.resolve("missing").toString(),
              "--jwt-issuer",
              "iss",
              "--jwt-audience",
              "aud");
      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("auth.jwt.secretFile: cannot read");
    }
  }

  @Test
  void noAuthOnLoopbackIsAWarningNamingTheFlag() {
    Run run = audit(NOT_ROOT, "--transport", "http", "--no-auth", "--json");
    assertThat(run.code()).isZero();
    JsonObject auth = byControl(run.findings()).get("auth");
    assertThat(auth.getString("severity")).isEqualTo("warning");
    assertThat(auth.getString("key")).contains("--no-auth");
  }

  @Test
  void isASubcommandOfTrident() {
    CommandLine cli = Main.commandLine(new Main(new java.io.ByteArrayOutputStream()));
    assertThat(cli.getSubcommands()).containsKey("audit");
  }

  private static Map<String, JsonObject> byControl(List<JsonObject> findings) {
    return findings.stream()
        .collect(Collectors.toMap(f -> f.getString("control"), Function.identity(), (a, b) -> a));
  }
}
