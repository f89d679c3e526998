package io.trident.transport.grpc;

import static io.trident.transport.grpc.GrpcTransportTest.await;
import static io.trident.transport.grpc.GrpcTransportTest.grpcFailure;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import io.trident.auth.ApiKeyStore;
import io.trident.auth.AuditEvent;
import io.trident.auth.AuditLog;
import io.trident.auth.AuthChain;
import io.trident.auth.AuthSettings;
import io.trident.auth.TestKeys;
import io.trident.backend.Backend;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.ConnectSession;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.context.Principal;
import io.trident.transport.http.HttpAuthTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What the server writes about gRPC calls, as {@code HttpAuditAndRedactionTest} checks it for HTTP:
 * with every logger at DEBUG (Vert.x and Netty included), no credential sent as metadata appears in
 * any log line; the audit trail has one JSON line per typed {@code CallTool} and per refused call.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcAuditAndRedactionTest {

  private static final String[] DEBUGGED = {
    Logger.ROOT_LOGGER_NAME, "io.trident", "io.vertx", "io.netty", "com.networknt"
  };

  @TempDir Path dir;

  private Vertx vertx;
  private String secret;
  private final String apiKey = ApiKeyStore.generateKey();
  private AuthChain chain;
  private SocketAddress address;
  private final List<McpGrpcClient> clients = new ArrayList<>();
  private final ListAppender<ILoggingEvent> all = new ListAppender<>();
  private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
  private final Map<String, Level> savedLevels = new HashMap<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    for (String name : DEBUGGED) {
      Logger l = logging.getLogger(name);
      savedLevels.put(name, l.getLevel());
      l.setLevel(Level.DEBUG);
    }
    all.setContext(logging);
    all.start();
    logging.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(all);
    audit.setContext(logging);
    audit.start();
    Logger auditLogger = logging.getLogger(AuditLog.LOGGER_NAME);
    auditLogger.addAppender(audit);
    // The audit logger may not be additive: catch its lines in the redaction check as well.
    auditLogger.addAppender(all);

    secret = TestKeys.secret();
    Path secretFile = TestKeys.write(dir, "jwt.secret", secret);
    Path keys =
        TestKeys.write(
            dir,
            "keys.yaml",
            "keys:\n"
                + HttpAuthTest.entry(apiKey, "ci-bot", "[tools:list, tools:call]", null, false));
    AuthSettings settings =
        new AuthSettings(
            null,
            null,
            TestKeys.jwt(secretFile.toString(), null, null, null),
            new AuthSettings.ApiKeys(keys.toString(), null),
            null,
            null,
            null,
            null);
    Backend backend = HttpAuthTest.backend(vertx);
    chain = await(AuthChain.create(vertx, settings, Principal.local("nobody", Set.of())));
    address =
        GrpcAuthFixture.deploy(vertx, chain, backend, GrpcTransportOptions.defaults().withPort(0));
  }

  @AfterEach
  void tearDown() {
    clients.forEach(McpGrpcClient::close);
    await(chain.close());
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    logging.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(all);
    logging.getLogger(AuditLog.LOGGER_NAME).detachAppender(all);
    logging.getLogger(AuditLog.LOGGER_NAME).detachAppender(audit);
    savedLevels.forEach((name, level) -> logging.getLogger(name).setLevel(level));
  }

  private McpGrpcClient client(McpGrpcClientOptions options) {
    McpGrpcClient c = McpGrpcClient.create(vertx, address, options);
    clients.add(c);
    return c;
  }

  private String token(String sub, String scope) {
    return TestKeys.signHs(vertx, secret, TestKeys.claims(sub, scope));
  }

  // --- Redaction --------------------------------------------------------------------------------

  @Test
  void noCredentialSentAsMetadataReachesAnyLogLine() throws Exception {
    String jwt = token("bob", "tools:list tools:call");
    String expiredJwt =
        TestKeys.signHs(
            vertx,
            secret,
            TestKeys.claims("bob", null).put("exp", System.currentTimeMillis() / 1000 - 3600));
    String forgedJwt = TestKeys.signHs(vertx, TestKeys.secret(), TestKeys.claims("bob", null));
    List<String> secrets = List.of(jwt, apiKey, expiredJwt, forgedJwt, secret);

    McpGrpcClient bob = client(new McpGrpcClientOptions().setBearerToken(jwt));
    await(bob.callTool("echo", new JsonObject().put("text", "hi")));
    await(bob.listTools(null));
    assertThat(grpcFailure(bob.callTool(HttpAuthTest.ADMIN_TOOL, new JsonObject())).status())
        .isEqualTo(GrpcStatus.PERMISSION_DENIED);
    ConnectSession session = await(bob.connect());
    await(session.initialize("2025-11-25", new JsonObject(), null));
    await(session.request("tools/call", new JsonObject().put("name", "whoami")));
    await(session.close());

    McpGrpcClient bot = client(new McpGrpcClientOptions().addMetadata("x-mcp-api-key", apiKey));
    await(bot.callTool("whoami", new JsonObject()));

    McpGrpcClient anonymous = client(new McpGrpcClientOptions());
    for (CallOptions refused :
        List.of(
            new CallOptions().addMetadata("authorization", "Bearer " + expiredJwt),
            new CallOptions().addMetadata("authorization", "Bearer " + forgedJwt),
            new CallOptions().addMetadata("x-mcp-api-key", apiKey + "x"))) {
      assertThat(grpcFailure(anonymous.callTool("whoami", new JsonObject(), refused)).status())
          .isEqualTo(GrpcStatus.UNAUTHENTICATED);
    }

    awaitAudit(e -> e.getFormattedMessage().contains("\"outcome\":\"unauthenticated\""), 3);
    List<ILoggingEvent> events;
    synchronized (all) {
      events = List.copyOf(all.list);
    }
    assertThat(events).as("DEBUG logging captured something").isNotEmpty();
    for (ILoggingEvent e : events) {
      String text = everything(e);
      for (String s : secrets) {
        assertThat(text)
            .as("log line of %s leaks a secret: %s", e.getLoggerName(), text)
            .doesNotContain(s);
      }
      // Nor a token's signature on its own.
      assertThat(text).doesNotContain(jwt.substring(jwt.lastIndexOf('.') + 1));
    }
  }

  /** Every text a log event carries: message, formatted message, arguments, throwable, MDC. */
  private static String everything(ILoggingEvent e) {
    StringBuilder sb = new StringBuilder();
    sb.append(e.getMessage()).append('\n').append(e.getFormattedMessage()).append('\n');
    if (e.getArgumentArray() != null) {
      for (Object a : e.getArgumentArray()) {
        sb.append(a).append('\n');
      }
    }
    e.getMDCPropertyMap().forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      sb.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
      for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
        sb.append(s).append('\n');
      }
    }
    return sb.toString();
  }

  // --- Audit ------------------------------------------------------------------------------------

  private List<JsonObject> awaitAudit(Predicate<ILoggingEvent> match, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      List<ILoggingEvent> found;
      synchronized (audit) {
        found = audit.list.stream().filter(match).toList();
      }
      if (found.size() >= count || System.nanoTime() > deadline) {
        return found.stream().map(e -> new JsonObject(e.getFormattedMessage())).toList();
      }
      Thread.sleep(20);
    }
  }

  @Test
  void aTypedCallToolIsOneAuditLineWithWhoWhatAndHowItEnded() throws Exception {
    McpGrpcClient bob =
        client(new McpGrpcClientOptions().setBearerToken(token("bob", "tools:call")));
    JsonObject args = new JsonObject().put("text", "hello");
    await(bob.callTool("echo", args));

    List<JsonObject> lines = awaitAudit(e -> e.getFormattedMessage().contains("tools/call"), 1);
    assertThat(lines).hasSize(1);
    JsonObject echo = lines.get(0);
    assertThat(echo.getString("transport")).isEqualTo("grpc");
    assertThat(echo.getString("subject")).isEqualTo("bob");
    assertThat(echo.getString("credentialKind")).isEqualTo("jwt");
    assertThat(echo.getString("method")).isEqualTo("tools/call");
    assertThat(echo.getString("tool")).isEqualTo("echo");
    assertThat(echo.getString("outcome")).isEqualTo("ok");
    assertThat(echo.getString("argumentDigest")).isEqualTo(AuditEvent.argumentDigest(args));
    assertThat(echo.getLong("durationMs")).isNotNegative();
    assertThat(echo.getLong("deadlineLeftMs")).isPositive();
    assertThat(echo.encode()).doesNotContain("hello");
  }

  @Test
  void refusedCallsAreAuditedUnauthenticatedAndForbidden() throws Exception {
    McpGrpcClient nobody = client(new McpGrpcClientOptions());
    assertThat(grpcFailure(nobody.callTool("whoami", new JsonObject())).status())
        .isEqualTo(GrpcStatus.UNAUTHENTICATED);
    McpGrpcClient forged =
        client(
            new McpGrpcClientOptions()
                .setBearerToken(
                    TestKeys.signHs(vertx, TestKeys.secret(), TestKeys.claims("bob", null))));
    assertThat(grpcFailure(forged.callTool("whoami", new JsonObject())).status())
        .isEqualTo(GrpcStatus.UNAUTHENTICATED);

    List<JsonObject> unauthenticated =
        awaitAudit(e -> e.getFormattedMessage().contains("\"unauthenticated\""), 2);
    assertThat(unauthenticated).hasSize(2);
    assertThat(unauthenticated)
        .allSatisfy(
            line -> {
              assertThat(line.getString("transport")).isEqualTo("grpc");
              assertThat(line.getString("outcome")).isEqualTo("unauthenticated");
              assertThat(line.containsKey("subject")).isFalse();
              assertThat(line.getString("method")).isEqualTo("mcp.v1.Mcp/CallTool");
            });
    assertThat(unauthenticated.get(0).getString("detail")).isEqualTo("missing");
    assertThat(unauthenticated.get(1).getString("detail")).isEqualTo("invalid");

    McpGrpcClient bot = client(new McpGrpcClientOptions().addMetadata("x-mcp-api-key", apiKey));
    assertThat(grpcFailure(bot.callTool(HttpAuthTest.ADMIN_TOOL, new JsonObject())).status())
        .isEqualTo(GrpcStatus.PERMISSION_DENIED);
    List<JsonObject> forbidden =
        awaitAudit(e -> e.getFormattedMessage().contains("\"forbidden\""), 1);
    assertThat(forbidden).hasSize(1);
    JsonObject line = forbidden.get(0);
    assertThat(line.getString("transport")).isEqualTo("grpc");
    assertThat(line.getString("subject")).isEqualTo("ci-bot");
    assertThat(line.getString("credentialKind")).isEqualTo("apiKey");
    assertThat(line.getString("method")).isEqualTo("tools/call");
    assertThat(line.getString("tool")).isEqualTo(HttpAuthTest.ADMIN_TOOL);
    assertThat(line.getString("detail")).isEqualTo("missing scope admin");
    // The refused call never ran: no tool-call line for it.
    synchronized (audit) {
      assertThat(audit.list.stream().map(e -> new JsonObject(e.getFormattedMessage())))
          .noneMatch(
              l ->
                  HttpAuthTest.ADMIN_TOOL.equals(l.getString("tool"))
                      && !"forbidden".equals(l.getString("outcome")));
    }
  }
}
