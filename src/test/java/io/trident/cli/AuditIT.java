package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar trident.jar audit} as an operator or a CI pipeline runs it. */
class AuditIT {

  private static final Path JAR = Path.of("target", "trident.jar");

  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  private static Result run(Map<String, String> env, List<String> args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "audit"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("TRIDENT_AUDIT_LOG");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  private static List<String> args(Path config, String... more) {
    List<String> all = new ArrayList<>(List.of("--config", config.toString()));
    all.addAll(AuditConfigs.FLAGS);
    all.addAll(List.of(more));
    return all;
  }

  @Test
  void unsafeConfigurationExitsOneWithEachFindingInTheJson() throws Exception {
    Result r = run(Map.of("TRIDENT_AUDIT_LOG", "off"), args(AuditConfigs.unsafe(dir), "--json"));
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    Map<String, JsonObject> byControl =
        new JsonArray(r.out())
            .stream()
                .map(JsonObject.class::cast)
                .collect(Collectors.toMap(f -> f.getString("control"), f -> f));
    AuditConfigs.UNSAFE.forEach(
        (control, expected) -> {
          if (control.equals("process.user")) {
            return; // depends on who runs the build
          }
          assertThat(byControl).as(control).containsKey(control);
          assertThat(byControl.get(control).getString("severity"))
              .as(control)
              .isEqualTo(expected.severity());
        });
  }

  @Test
  void safeConfigurationExitsZeroWithAReadableReport() throws Exception {
    Result r =
        run(
            Map.of("TRIDENT_AUDIT_LOG", dir.resolve("audit.log").toString()),
            args(AuditConfigs.safe(dir), "--admin-port", "0"));
    assertThat(r.code()).as(r.err()).isZero();
    List<String> notOk =
        r.out().lines().filter(l -> l.startsWith("warning") || l.startsWith("critical")).toList();
    // Only who runs the build may differ (a container's root): the configuration itself is clean.
    assertThat(notOk).allMatch(l -> l.contains("process.user"));
    assertThat(r.out()).contains("tls.http").contains("0 critical");
  }

  @Test
  void refusedConfigurationExitsTwoWithoutStartingAnything() throws IOException, Exception {
    Result r = run(Map.of(), List.of("--transport", "http", "--host", "0.0.0.0"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no credentials are configured for a non-loopback bind");
    assertThat(r.out()).isEmpty();
  }
}
