package io.trident.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.backend.Tool;
import io.trident.context.Cancellation;
import io.trident.context.DeadlineBudget;
import io.trident.model.CallToolResult;
import io.trident.model.McpException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deadline budget in the core (SPEC.md §4.2): the earliest of the server cap, the caller's
 * {@code _meta} deadline and the tool's caps; the timeout error and the silence after it; and the
 * graceful drain of a shutdown.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeadlineBudgetTest {

  private Vertx vertx;
  private SessionHarness harness;
  private final BlockingQueue<Cancellation.Reason> cancelled = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    harness = new SessionHarness(vertx, backend(), SessionHarness.options());
    await(harness.initialize());
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  private Backend backend() {
    Backend backend = BackendProviders.discover().build(List.of("default"), vertx);
    // Ignores its cancellation on purpose: keeps reporting and then succeeds, late.
    backend.addTool(
        Tool.builder("stubborn")
            .description("reports progress and logs after 600 ms, then succeeds")
            .handler(
                (args, ctx) -> {
                  Promise<CallToolResult> done = Promise.promise();
                  ctx.vertx()
                      .setTimer(
                          600,
                          t -> {
                            ctx.progress().report(1, 1.0, "late");
                            ctx.log().info("late");
                            done.complete(CallToolResult.text("late success"));
                          });
                  return done.future();
                })
            .build());
    backend.addTool(
        Tool.builder("capped")
            .description("sleeps 5 s under its own 300 ms cap")
            .timeout(Duration.ofMillis(300))
            .handler((args, ctx) -> recordingSleep(ctx, Duration.ofSeconds(5)))
            .build());
    backend.addTool(
        Tool.builder("nap")
            .description("sleeps `ms` milliseconds, recording a cancellation")
            .handler(
                (args, ctx) -> recordingSleep(ctx, Duration.ofMillis(args.getLong("ms", 5000L))))
            .build());
    backend.tools().forEach(Tool::compileSchemas);
    return backend;
  }

  private Future<CallToolResult> recordingSleep(io.trident.context.CallContext ctx, Duration d) {
    ctx.cancellation()
        .future()
        .onSuccess(
            reason -> {
              if (reason != Cancellation.Reason.COMPLETED) {
                cancelled.add(reason);
              }
            });
    return ctx.sleep(d).map(v -> CallToolResult.text("slept"));
  }

  private void restart(ServerOptions options) {
    harness.close();
    harness = new SessionHarness(vertx, backend(), options);
    await(harness.initialize());
  }

  private static JsonObject call(String tool, JsonObject args, Object timeoutMs) {
    JsonObject meta = new JsonObject().put("progressToken", "p");
    if (timeoutMs != null) {
      meta.put(DeadlineBudget.TIMEOUT_META_KEY, timeoutMs);
    }
    return new JsonObject()
        .put("name", tool)
        .put("arguments", args == null ? new JsonObject() : args)
        .put("_meta", meta);
  }

  private static int errorCode(JsonObject reply) {
    return reply.getJsonObject("error").getInteger("code");
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Nested
  class CallerDeadline {

    @Test
    void metaDeadlineEndsASlowToolWithTimeoutWithin800Ms() throws Exception {
      long start = System.nanoTime();
      JsonObject reply =
          await(
              harness.request(
                  1, "tools/call", call("simulate_work", new JsonObject().put("seconds", 5), 300)));
      assertThat(errorCode(reply)).isEqualTo(McpException.REQUEST_TIMEOUT);
      assertThat(millisSince(start)).isBetween(250L, 800L);
    }

    @Test
    void nothingIsSentAfterTheTimeoutEvenByWorkThatIgnoresIt() throws Exception {
      JsonObject reply = await(harness.request(1, "tools/call", call("stubborn", null, 300)));
      assertThat(errorCode(reply)).isEqualTo(McpException.REQUEST_TIMEOUT);
      int sentAtTimeout = harness.sent.size();
      Thread.sleep(600); // the tool reports, logs and succeeds at 600 ms
      assertThat(harness.sent).hasSize(sentAtTimeout);
    }

    @Test
    void theToolSeesTheEarliestDeadline() {
      JsonObject reply = await(harness.request(1, "tools/call", call("whoami", null, 1000)));
      long remaining =
          reply
              .getJsonObject("result")
              .getJsonObject("structuredContent")
              .getLong("deadlineRemainingMs");
      assertThat(remaining).isBetween(1L, 1000L);
    }

    @Test
    void aLaterCallerDeadlineDoesNotExtendTheServerCap() {
      restart(SessionHarness.options().withRequestTimeout(Duration.ofMillis(300)));
      long start = System.nanoTime();
      JsonObject reply = await(harness.request(1, "tools/call", call("nap", null, 60_000)));
      assertThat(errorCode(reply)).isEqualTo(McpException.REQUEST_TIMEOUT);
      assertThat(millisSince(start)).isLessThan(800L);
    }

    @Test
    void anyRequestMayStateItsDeadline() {
      JsonObject params =
          new JsonObject().put("_meta", new JsonObject().put(DeadlineBudget.TIMEOUT_META_KEY, 500));
      assertThat(await(harness.request(7, "ping", params)).getJsonObject("result")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"0", "-5", "1.5", "\"300\"", "86400001", "99999999999999999999", "true", "{}"})
    void aMalformedMetaDeadlineIsInvalidParamsNamingTheKey(String value) throws Exception {
      String wire =
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"nap\","
              + "\"_meta\":{\"io.trident/timeoutMs\":"
              + value
              + "}}}";
      JsonObject reply = (JsonObject) await(harness.send(wire));
      assertThat(errorCode(reply)).isEqualTo(McpException.INVALID_PARAMS);
      assertThat(reply.getJsonObject("error").getString("message"))
          .contains("io.trident/timeoutMs");
      assertThat(cancelled.poll(100, TimeUnit.MILLISECONDS)).as("the tool never ran").isNull();
    }
  }

  @Nested
  class ToolCaps {

    @Test
    void theToolsOwnTimeoutCapsItsCalls() throws Exception {
      long start = System.nanoTime();
      JsonObject reply = await(harness.request(1, "tools/call", call("capped", null, null)));
      assertThat(errorCode(reply)).isEqualTo(McpException.REQUEST_TIMEOUT);
      assertThat(millisSince(start)).isBetween(250L, 800L);
      assertThat(cancelled.poll(1, TimeUnit.SECONDS))
          .isEqualTo(Cancellation.Reason.DEADLINE_EXCEEDED);
    }

    @Test
    void theConfiguredToolTimeoutCapsItsCalls() {
      restart(
          SessionHarness.options()
              .withToolTimeouts(Map.of("simulate_work", Duration.ofMillis(300))));
      long start = System.nanoTime();
      JsonObject reply =
          await(
              harness.request(
                  1,
                  "tools/call",
                  call("simulate_work", new JsonObject().put("seconds", 5), null)));
      assertThat(errorCode(reply)).isEqualTo(McpException.REQUEST_TIMEOUT);
      assertThat(millisSince(start)).isBetween(250L, 800L);
    }

    @Test
    void theCapAppliesOnlyToItsTool() {
      restart(
          SessionHarness.options().withToolTimeouts(Map.of("simulate_work", Duration.ofMillis(1))));
      JsonObject reply =
          await(
              harness.request(1, "tools/call", call("nap", new JsonObject().put("ms", 50), null)));
      assertThat(reply.getJsonObject("result")).isNotNull();
    }

    @Test
    void anEarlierCallerDeadlineBeatsTheToolCap() {
      JsonObject reply = await(harness.request(1, "tools/call", call("capped", null, 100)));
      assertThat(errorCode(reply)).isEqualTo(McpException.REQUEST_TIMEOUT);
    }

    @Test
    void theCappedToolSeesItsCap() {
      restart(SessionHarness.options().withToolTimeouts(Map.of("whoami", Duration.ofMillis(200))));
      JsonObject reply = await(harness.request(1, "tools/call", call("whoami", null, 5000)));
      assertThat(
              reply
                  .getJsonObject("result")
                  .getJsonObject("structuredContent")
                  .getLong("deadlineRemainingMs"))
          .isBetween(1L, 200L);
    }
  }

  @Nested
  class Drain {

    @Test
    void workThatFinishesWithinTheGraceIsAnswered() {
      Future<JsonObject> call =
          harness.request(1, "tools/call", call("nap", new JsonObject().put("ms", 300), null));
      sleep(50);
      long start = System.nanoTime();
      await(harness.server.drain(Duration.ofSeconds(5)));
      assertThat(millisSince(start)).isLessThan(2000L);
      assertThat(await(call).getJsonObject("result")).isNotNull();
    }

    @Test
    void workStillRunningAfterTheGraceIsCancelledForShutdown() throws Exception {
      Future<JsonObject> call =
          harness.request(1, "tools/call", call("nap", new JsonObject().put("ms", 10_000), null));
      sleep(50);
      long start = System.nanoTime();
      await(harness.server.drain(Duration.ofMillis(300)));
      assertThat(millisSince(start)).isBetween(250L, 1500L);
      assertThat(cancelled.poll(1, TimeUnit.SECONDS)).isEqualTo(Cancellation.Reason.SHUTDOWN);
      assertThat(await(call)).as("a cancelled request gets no response").isNull();
      assertThat(harness.server.requestsInFlight()).isZero();
    }

    @Test
    void withNothingInFlightTheDrainEndsAtOnce() {
      long start = System.nanoTime();
      await(harness.server.drain(Duration.ofSeconds(10)));
      assertThat(millisSince(start)).isLessThan(200L);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
