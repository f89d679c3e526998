package io.trident.cli;

import io.trident.audit.Finding;
import io.trident.audit.JsonReport;
import io.trident.audit.Listener;
import io.trident.audit.Posture;
import io.trident.audit.PostureAudit;
import io.trident.audit.ProcessFacts;
import io.trident.audit.TextReport;
import io.trident.auth.AuthSettings;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.config.TridentConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code trident audit}: resolves the configuration exactly as serving would (the same flags, the
 * same file, the same start-up refusals), starts nothing, and prints each security control with its
 * state, a severity and the key that changes it (SPEC.md §10).
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Reviews the configuration the server would run with (same flags as serving) and prints"
            + " each security control with its state and severity. Starts nothing.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:no critical finding",
      "1:at least one critical finding",
      "2:bad flags or configuration (as serving would refuse it)"
    })
final class AuditCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin ServeFlags flags = new ServeFlags();

  @Option(names = "--json", description = "print the findings as a JSON array")
  boolean json;

  /** Stands in for the process in tests (user, audit destination). */
  ProcessFacts process = ProcessFacts.current();

  @Override
  public Integer call() {
    ServingPlan plan = flags.resolve();
    String refused = AuthBootstrap.refusal(plan.auth(), plan.noAuth(), plan.networkHosts());
    if (refused != null) {
      throw new ParameterException(spec.commandLine(), refused);
    }
    requireReadable(plan);
    List<Finding> findings = PostureAudit.review(posture(plan, tools(plan)));
    spec.commandLine()
        .getOut()
        .print(
            json
                ? JsonReport.render(findings) + System.lineSeparator()
                : TextReport.render(findings));
    spec.commandLine().getOut().flush();
    return PostureAudit.anyCritical(findings) ? 1 : 0;
  }

  private Posture posture(ServingPlan plan, List<Posture.ToolScope> tools) {
    TridentConfig config = plan.config();
    List<Listener> listeners = new ArrayList<>();
    if (plan.http() != null) {
      var h = plan.http();
      listeners.add(
          new Listener(
              "http",
              h.host(),
              h.port(),
              AuthBootstrap.isLoopback(h.host()),
              h.tlsCertPath(),
              h.tlsKeyPath(),
              h.tlsClientCaPath(),
              "http"));
    }
    if (plan.grpc() != null && !plan.grpc().shareHttpPort()) {
      var g = plan.grpc();
      listeners.add(
          new Listener(
              "grpc",
              g.host(),
              g.port(),
              AuthBootstrap.isLoopback(g.host()),
              g.tlsCertPath(),
              g.tlsKeyPath(),
              g.tlsClientCaPath(),
              "grpc"));
    }
    if (plan.adminPort() != null) {
      String host = config.admin().host();
      listeners.add(
          new Listener(
              "admin",
              host,
              plan.adminPort(),
              AuthBootstrap.isLoopback(host),
              null,
              null,
              null,
              "admin"));
    }
    Posture.AuthMode mode;
    if (plan.networkHosts().isEmpty()) {
      mode = Posture.AuthMode.STDIO_ONLY;
    } else if (plan.noAuth()) {
      mode = Posture.AuthMode.NO_AUTH;
    } else if (AuthBootstrap.needsDevelopmentKey(plan.auth(), plan.networkHosts())) {
      mode = Posture.AuthMode.DEVELOPMENT_KEY;
    } else {
      mode = Posture.AuthMode.CONFIGURED;
    }
    return new Posture(
        listeners,
        plan.stdio(),
        plan.grpc() != null && plan.grpc().reflection(),
        mode,
        plan.auth(),
        config.local().user(),
        config.local().scopes(),
        plan.options(),
        plan.http() != null ? plan.http().maxBodyBytes() : -1,
        plan.grpc() != null ? plan.grpc().maxMessageBytes() : -1,
        config.stdio().maxLineBytes(),
        plan.http() != null ? plan.http().allowedOrigins() : List.of(),
        config.limits(),
        plan.redis(),
        config.revocation(),
        plan.upstreams(),
        tools,
        process);
  }

  /** The backends' tools and their declared scopes; building them contacts nothing. */
  private List<Posture.ToolScope> tools(ServingPlan plan) {
    Vertx vertx = Vertx.vertx();
    try {
      Backend backend = BackendProviders.discover().build(plan.backendNames(), vertx);
      return backend.tools().stream()
          .map(t -> new Posture.ToolScope(t.name(), t.requiredScope()))
          .toList();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    } finally {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        // The audit is done with it either way.
      }
    }
  }

  /**
   * Files the server reads at start-up and would fail on (exit 2): the audit refuses them the same
   * way rather than review a configuration that cannot run.
   */
  private void requireReadable(ServingPlan plan) {
    Map<String, String> files = new LinkedHashMap<>();
    AuthSettings auth = plan.auth();
    files.put("auth.jwt.secretFile", auth.jwt().secretFile());
    for (int i = 0; i < auth.jwt().publicKeyFiles().size(); i++) {
      files.put("auth.jwt.publicKeyFiles[" + i + "]", auth.jwt().publicKeyFiles().get(i));
    }
    files.put("auth.jwt.jwksFile", auth.jwt().jwksFile());
    files.put("auth.apiKeys.file", auth.apiKeys().file());
    files.put("redis.passwordFile", plan.redis().passwordFile());
    if (plan.http() != null) {
      files.put("http.tlsCert", plan.http().tlsCertPath());
      files.put("http.tlsKey", plan.http().tlsKeyPath());
      files.put("http.tlsClientCa", plan.http().tlsClientCaPath());
    }
    if (plan.grpc() != null) {
      files.put("grpc.tlsCert", plan.grpc().tlsCertPath());
      files.put("grpc.tlsKey", plan.grpc().tlsKeyPath());
      files.put("grpc.tlsClientCa", plan.grpc().tlsClientCaPath());
    }
    files.forEach(
        (key, file) -> {
          if (file != null && !Files.isReadable(Path.of(file))) {
            throw new ParameterException(
                spec.commandLine(), key + ": cannot read " + file + " (missing or unreadable)");
          }
        });
  }
}
