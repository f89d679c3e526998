package io.trident.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.backend.Backend;
import io.trident.backend.Completer;
import io.trident.backend.Prompt;
import io.trident.backend.Resource;
import io.trident.backend.ResourceTemplate;
import io.trident.backend.Tool;
import io.trident.context.Cancellation;
import io.trident.model.CallToolResult;
import io.trident.model.Content;
import io.trident.model.GetPromptResult;
import io.trident.model.McpException;
import io.trident.model.PromptArgument;
import io.trident.model.PromptInfo;
import io.trident.model.PromptMessage;
import io.trident.model.ReadResourceResult;
import io.trident.model.ResourceContents;
import io.trident.model.ResourceInfo;
import io.trident.model.ResourceTemplateInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class McpSessionTest {

  private final List<Cancellation.Reason> cancellations = new CopyOnWriteArrayList<>();
  private SessionHarness harness;

  private Backend testBackend() {
    Backend backend = new Backend();
    backend.addTool(
        Tool.builder("echo")
            .description("echo")
            .inputSchema(
                new JsonObject()
                    .put("type", "object")
                    .put(
                        "properties",
                        new JsonObject().put("text", new JsonObject().put("type", "string")))
                    .put("required", new JsonArray().add("text")))
            .handler(
                (args, ctx) -> Future.succeededFuture(CallToolResult.text(args.getString("text"))))
            .build());
    backend.addTool(
        Tool.builder("boom")
            .description("fails")
            .handler(
                (args, ctx) -> {
                  throw new IllegalStateException("db password=hunter2");
                })
            .build());
    backend.addTool(
        Tool.builder("bad_output")
            .description("breaks its output schema")
            .outputSchema(
                new JsonObject()
                    .put("type", "object")
                    .put(
                        "properties",
                        new JsonObject().put("n", new JsonObject().put("type", "integer")))
                    .put("required", new JsonArray().add("n")))
            .handler(
                (args, ctx) ->
                    Future.succeededFuture(
                        CallToolResult.structured(new JsonObject().put("n", "x"))))
            .build());
    backend.addTool(
        Tool.builder("slow")
            .description("waits until cancelled")
            .handler(
                (args, ctx) -> {
                  ctx.cancellation().future().onSuccess(cancellations::add);
                  return ctx.sleep(Duration.ofSeconds(30)).map(v -> CallToolResult.text("late"));
                })
            .build());
    backend.addTool(
        Tool.builder("progress")
            .description("reports progress")
            .handler(
                (args, ctx) -> {
                  ctx.progress().report(1, 3.0, "one");
                  ctx.progress().report(1, 3.0, "one again");
                  ctx.progress().report(2, 3.0, null);
                  ctx.progress().report(3, 3.0, "done");
                  return Future.succeededFuture(CallToolResult.text("ok"));
                })
            .build());
    backend.addTool(
        Tool.builder("logs")
            .description("logs at three levels")
            .handler(
                (args, ctx) -> {
                  ctx.log().log("debug", null, "d");
                  ctx.log().log("info", "test", "i");
                  ctx.log().log("error", null, new JsonObject().put("e", 1));
                  return Future.succeededFuture(CallToolResult.text("ok"));
                })
            .build());
    backend.addTool(
        Tool.builder("sample")
            .description("asks the client's model")
            .handler(
                (args, ctx) ->
                    ctx.client()
                        .createMessage(
                            new JsonObject().put("messages", new JsonArray()).put("maxTokens", 10))
                        .map(
                            r ->
                                CallToolResult.text(
                                    "model said " + r.getJsonObject("content").getString("text"))))
            .build());
    backend.addTool(
        Tool.builder("roots")
            .description("lists the client's roots")
            .handler(
                (args, ctx) ->
                    ctx.client()
                        .listRoots()
                        .map(r -> CallToolResult.text(r.getJsonArray("roots").encode())))
            .build());
    backend.addTool(
        Tool.builder("blocking")
            .description("runs on a worker")
            .blockingHandler((args, ctx) -> CallToolResult.text(Thread.currentThread().getName()))
            .build());
    backend.addResource(
        Resource.of(
            new ResourceInfo("mem://a", "a", null, null, "text/plain", null, null),
            (uri, vars, ctx) ->
                Future.succeededFuture(
                    ReadResourceResult.of(new ResourceContents.Text(uri, "text/plain", "A")))));
    backend.addResourceTemplate(
        ResourceTemplate.of(
            new ResourceTemplateInfo("mem://items/{id}", "item", null, null, "text/plain", null),
            (uri, vars, ctx) ->
                Future.succeededFuture(
                    ReadResourceResult.of(
                        new ResourceContents.Text(uri, "text/plain", "item " + vars.get("id")))),
            Map.of("id", Completer.of(List.of("apple", "apricot", "banana")))));
    backend.addPrompt(
        new Prompt(
            new PromptInfo(
                "greet", null, "greets", List.of(new PromptArgument("name", null, true)), null),
            (a, ctx) ->
                Future.succeededFuture(
                    new GetPromptResult(
                        null, List.of(PromptMessage.user(Content.text("Hello " + a.get("name")))))),
            Map.of("name", Completer.of(List.of("Ada", "Alan", "Grace")))));
    // As the server's warm-up does after initialize; here up front, so timings are deterministic.
    backend.tools().forEach(Tool::compileSchemas);
    return backend;
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    harness = new SessionHarness(vertx, testBackend(), SessionHarness.options().withPageSize(3));
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  private static JsonObject result(JsonObject response) {
    assertThat(response.containsKey("error")).as("unexpected error %s", response).isFalse();
    return response.getJsonObject("result");
  }

  private static int errorCode(JsonObject response) {
    assertThat(response.containsKey("error")).as("expected an error in %s", response).isTrue();
    return response.getJsonObject("error").getInteger("code");
  }

  @Nested
  class Lifecycle {
    @Test
    void negotiatesTheClientsVersionWhenSupported(VertxTestContext test) {
      harness
          .initialize("2025-06-18", new JsonObject())
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r).getString("protocolVersion"))
                                .isEqualTo("2025-06-18");
                            assertThat(result(r).getJsonObject("serverInfo").getString("name"))
                                .isEqualTo("trident-test");
                            assertThat(result(r).getJsonObject("capabilities").fieldNames())
                                .containsExactlyInAnyOrder(
                                    "tools", "resources", "prompts", "logging", "completions");
                            test.completeNow();
                          })));
    }

    @Test
    void answersWithNewestVersionWhenClientsIsUnknown(VertxTestContext test) {
      harness
          .initialize("1999-01-01", new JsonObject())
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r).getString("protocolVersion"))
                                .isEqualTo("2025-11-25");
                            test.completeNow();
                          })));
    }

    @Test
    void refusesRequestsBeforeInitializeButAnswersPing(VertxTestContext test) {
      harness
          .request(1, "tools/list", null)
          .compose(
              r -> {
                test.verify(() -> assertThat(errorCode(r)).isEqualTo(-32600));
                return harness.request(2, "ping", null);
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r)).isEqualTo(new JsonObject());
                            test.completeNow();
                          })));
    }

    @Test
    void refusesSecondInitialize(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.initialize())
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(errorCode(r)).isEqualTo(-32600);
                            test.completeNow();
                          })));
    }

    @Test
    void neverAnswersNotificationsAndRejectsUnknownMethods(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.notify("notifications/whatever", new JsonObject()))
          .compose(
              r -> {
                test.verify(() -> assertThat(r).isNull());
                return harness.request(5, "no/such", null);
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(errorCode(r)).isEqualTo(-32601);
                            assertThat(r.getValue("id")).isEqualTo(5L);
                            test.completeNow();
                          })));
    }

    @Test
    void refusesDuplicateIdOfARequestInProgress(VertxTestContext test) {
      harness
          .initialize()
          .compose(
              r -> {
                harness.callTool(9, "slow", null);
                return harness.callTool(9, "echo", new JsonObject().put("text", "x"));
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(errorCode(r)).isEqualTo(-32600);
                            test.completeNow();
                          })));
    }
  }

  @Nested
  class Batching {
    private static final String BATCH =
        "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
            + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
            + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}]";

    @Test
    void acceptsBatchesUnder20250326(VertxTestContext test) {
      harness
          .initialize("2025-03-26", new JsonObject())
          .compose(r -> harness.send(BATCH))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            JsonArray replies = (JsonArray) r;
                            assertThat(replies).hasSize(2);
                            assertThat(replies.getJsonObject(0).getValue("id")).isEqualTo(1L);
                            assertThat(
                                    replies
                                        .getJsonObject(1)
                                        .getJsonObject("result")
                                        .getJsonArray("tools"))
                                .hasSize(3);
                            test.completeNow();
                          })));
    }

    @Test
    void rejectsBatchesFrom20250618(VertxTestContext test) {
      harness
          .initialize("2025-06-18", new JsonObject())
          .compose(r -> harness.send(BATCH))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            JsonArray replies = (JsonArray) r;
                            assertThat(replies).hasSize(1);
                            assertThat(
                                    replies
                                        .getJsonObject(0)
                                        .getJsonObject("error")
                                        .getInteger("code"))
                                .isEqualTo(-32600);
                            test.completeNow();
                          })));
    }
  }

  @Nested
  class Tools {
    @Test
    void paginatesWithOpaqueCursorsAndRefusesBadOnes(VertxTestContext test) {
      List<String> names = new CopyOnWriteArrayList<>();
      harness
          .initialize()
          .compose(r -> harness.request(1, "tools/list", null))
          .compose(
              r -> {
                result(r)
                    .getJsonArray("tools")
                    .forEach(t -> names.add(((JsonObject) t).getString("name")));
                return harness.request(
                    2,
                    "tools/list",
                    new JsonObject().put("cursor", result(r).getString("nextCursor")));
              })
          .compose(
              r -> {
                result(r)
                    .getJsonArray("tools")
                    .forEach(t -> names.add(((JsonObject) t).getString("name")));
                return harness.request(
                    3,
                    "tools/list",
                    new JsonObject().put("cursor", result(r).getString("nextCursor")));
              })
          .compose(
              r -> {
                result(r)
                    .getJsonArray("tools")
                    .forEach(t -> names.add(((JsonObject) t).getString("name")));
                test.verify(() -> assertThat(result(r).containsKey("nextCursor")).isFalse());
                return harness.request(4, "tools/list", new JsonObject().put("cursor", "garbage!"));
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(names)
                                .containsExactly(
                                    "echo",
                                    "boom",
                                    "bad_output",
                                    "slow",
                                    "progress",
                                    "logs",
                                    "sample",
                                    "roots",
                                    "blocking");
                            assertThat(errorCode(r)).isEqualTo(-32602);
                            test.completeNow();
                          })));
    }

    @Test
    void callsToolAndReturnsContent(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "echo", new JsonObject().put("text", "hi")))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r).getJsonArray("content").getJsonObject(0))
                                .isEqualTo(new JsonObject().put("type", "text").put("text", "hi"));
                            assertThat(result(r).containsKey("isError")).isFalse();
                            test.completeNow();
                          })));
    }

    @Test
    void unknownToolIsProtocolErrorButBadArgumentsAreToolErrors(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "nope", null))
          .compose(
              r -> {
                test.verify(() -> assertThat(errorCode(r)).isEqualTo(-32602));
                return harness.callTool(2, "echo", new JsonObject().put("text", 5));
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r).getBoolean("isError")).isTrue();
                            assertThat(
                                    result(r)
                                        .getJsonArray("content")
                                        .getJsonObject(0)
                                        .getString("text"))
                                .contains("text")
                                .contains("string");
                            test.completeNow();
                          })));
    }

    @Test
    void exceptionInToolBecomesGenericErrorWithCorrelationId(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "boom", null))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            String text =
                                result(r)
                                    .getJsonArray("content")
                                    .getJsonObject(0)
                                    .getString("text");
                            assertThat(result(r).getBoolean("isError")).isTrue();
                            assertThat(text)
                                .contains("correlation id")
                                .doesNotContain("hunter2")
                                .doesNotContain("IllegalState");
                            test.completeNow();
                          })));
    }

    @Test
    void structuredContentViolatingOutputSchemaIsNotPassedOn(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "bad_output", null))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r).getBoolean("isError")).isTrue();
                            assertThat(result(r).containsKey("structuredContent")).isFalse();
                            test.completeNow();
                          })));
    }

    @Test
    void blockingToolRunsOnAWorkerThread(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "blocking", null))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(
                                    result(r)
                                        .getJsonArray("content")
                                        .getJsonObject(0)
                                        .getString("text"))
                                .contains("worker");
                            test.completeNow();
                          })));
    }

    @Test
    void addingAToolNotifiesListChanged(VertxTestContext test) {
      harness
          .initialize()
          .onComplete(
              test.succeeding(
                  r -> {
                    harness.backend.addTool(
                        Tool.builder("late")
                            .description("added later")
                            .handler((a, c) -> Future.succeededFuture(CallToolResult.text("x")))
                            .build());
                    harness
                        .nextSent(
                            m -> "notifications/tools/list_changed".equals(m.getString("method")))
                        .onComplete(test.succeedingThenComplete());
                  }));
    }
  }

  @Nested
  class ProgressLoggingCancellation {
    @Test
    void sendsIncreasingProgressForTheRequestsToken(VertxTestContext test) {
      JsonObject params =
          new JsonObject()
              .put("name", "progress")
              .put("_meta", new JsonObject().put("progressToken", "tok-1"));
      harness
          .initialize()
          .compose(r -> harness.request(7, "tools/call", params))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            List<JsonObject> progress =
                                harness.sent.stream()
                                    .filter(
                                        m -> "notifications/progress".equals(m.getString("method")))
                                    .map(m -> m.getJsonObject("params"))
                                    .toList();
                            assertThat(progress)
                                .extracting(p -> p.getDouble("progress"))
                                .containsExactly(1.0, 2.0, 3.0);
                            assertThat(progress)
                                .allSatisfy(
                                    p ->
                                        assertThat(p.getString("progressToken"))
                                            .isEqualTo("tok-1"));
                            assertThat(harness.sentRelatedTo).contains(7L);
                            test.completeNow();
                          })));
    }

    @Test
    void sendsNoProgressWithoutToken(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "progress", null))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(harness.sent)
                                .noneMatch(
                                    m -> "notifications/progress".equals(m.getString("method")));
                            test.completeNow();
                          })));
    }

    @Test
    void filtersLogNotificationsByLevelAndRefusesUnknownLevels(VertxTestContext test) {
      harness
          .initialize()
          .compose(
              r -> harness.request(1, "logging/setLevel", new JsonObject().put("level", "info")))
          .compose(
              r -> {
                test.verify(() -> assertThat(result(r)).isEqualTo(new JsonObject()));
                return harness.callTool(2, "logs", null);
              })
          .compose(
              r -> {
                test.verify(
                    () -> {
                      List<String> levels =
                          harness.sent.stream()
                              .filter(m -> "notifications/message".equals(m.getString("method")))
                              .map(m -> m.getJsonObject("params").getString("level"))
                              .toList();
                      assertThat(levels).containsExactly("info", "error");
                    });
                return harness.request(
                    3, "logging/setLevel", new JsonObject().put("level", "loud"));
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(errorCode(r)).isEqualTo(-32602);
                            test.completeNow();
                          })));
    }

    @Test
    void cancelledRequestStopsItsWorkAndGetsNoResponse(VertxTestContext test) {
      harness
          .initialize()
          .onComplete(
              test.succeeding(
                  init -> {
                    Future<JsonObject> call = harness.callTool(42, "slow", null);
                    harness.vertx.setTimer(
                        50,
                        t ->
                            harness.notify(
                                "notifications/cancelled", new JsonObject().put("requestId", 42)));
                    call.onComplete(
                        test.succeeding(
                            r ->
                                test.verify(
                                    () -> {
                                      assertThat(r).isNull();
                                      assertThat(cancellations)
                                          .containsExactly(Cancellation.Reason.CLIENT_CANCELLED);
                                      test.completeNow();
                                    })));
                  }));
    }

    @Test
    void requestPastItsDeadlineFailsWithTimeoutAndStopsWork(Vertx vertx, VertxTestContext test) {
      harness.close();
      harness =
          new SessionHarness(
              vertx,
              testBackend(),
              SessionHarness.options().withRequestTimeout(Duration.ofMillis(150)));
      long start = System.nanoTime();
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "slow", null))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(errorCode(r)).isEqualTo(McpException.REQUEST_TIMEOUT);
                            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                                .isLessThan(5000);
                            assertThat(cancellations)
                                .containsExactly(Cancellation.Reason.DEADLINE_EXCEEDED);
                            test.completeNow();
                          })));
    }
  }

  @Nested
  class ServerToClientRequests {
    @Test
    void samplingRoundTripsThroughTheClient(VertxTestContext test) {
      JsonObject caps = new JsonObject().put("sampling", new JsonObject());
      harness
          .initialize("2025-11-25", caps)
          .onComplete(
              test.succeeding(
                  init -> {
                    Future<JsonObject> call = harness.callTool(1, "sample", null);
                    harness
                        .nextSent(m -> "sampling/createMessage".equals(m.getString("method")))
                        .onComplete(
                            test.succeeding(
                                req -> {
                                  JsonObject answer =
                                      new JsonObject()
                                          .put("jsonrpc", "2.0")
                                          .put("id", req.getValue("id"))
                                          .put(
                                              "result",
                                              new JsonObject()
                                                  .put("role", "assistant")
                                                  .put("model", "m")
                                                  .put(
                                                      "content",
                                                      new JsonObject()
                                                          .put("type", "text")
                                                          .put("text", "42")));
                                  harness
                                      .send(answer.encode())
                                      .onComplete(
                                          test.succeeding(
                                              ack -> test.verify(() -> assertThat(ack).isNull())));
                                }));
                    call.onComplete(
                        test.succeeding(
                            r ->
                                test.verify(
                                    () -> {
                                      assertThat(
                                              result(r)
                                                  .getJsonArray("content")
                                                  .getJsonObject(0)
                                                  .getString("text"))
                                          .isEqualTo("model said 42");
                                      test.completeNow();
                                    })));
                  }));
    }

    @Test
    void rootsAreAskedOnlyOfClientsThatDeclaredThem(VertxTestContext test) {
      JsonObject caps = new JsonObject().put("roots", new JsonObject().put("listChanged", true));
      harness
          .initialize("2025-11-25", caps)
          .onComplete(
              test.succeeding(
                  init -> {
                    Future<JsonObject> call = harness.callTool(1, "roots", null);
                    harness
                        .nextSent(m -> "roots/list".equals(m.getString("method")))
                        .onComplete(
                            test.succeeding(
                                req -> {
                                  JsonObject roots =
                                      new JsonObject()
                                          .put(
                                              "roots",
                                              new JsonArray()
                                                  .add(new JsonObject().put("uri", "file:///w")));
                                  harness.send(
                                      new JsonObject()
                                          .put("jsonrpc", "2.0")
                                          .put("id", req.getValue("id"))
                                          .put("result", roots)
                                          .encode());
                                }));
                    call.onComplete(
                        test.succeeding(
                            r ->
                                test.verify(
                                    () -> {
                                      assertThat(
                                              result(r)
                                                  .getJsonArray("content")
                                                  .getJsonObject(0)
                                                  .getString("text"))
                                          .contains("file:///w");
                                      test.completeNow();
                                    })));
                  }));
    }

    @Test
    void clientErrorAnswerBecomesAToolError(VertxTestContext test) {
      harness
          .initialize("2025-11-25", new JsonObject().put("sampling", new JsonObject()))
          .onComplete(
              test.succeeding(
                  init -> {
                    Future<JsonObject> call = harness.callTool(1, "sample", null);
                    harness
                        .nextSent(m -> "sampling/createMessage".equals(m.getString("method")))
                        .onComplete(
                            test.succeeding(
                                req ->
                                    harness.send(
                                        new JsonObject()
                                            .put("jsonrpc", "2.0")
                                            .put("id", req.getValue("id"))
                                            .put(
                                                "error",
                                                new JsonObject()
                                                    .put("code", -1)
                                                    .put("message", "user declined"))
                                            .encode())));
                    call.onComplete(
                        test.succeeding(
                            r ->
                                test.verify(
                                    () -> {
                                      assertThat(result(r).getBoolean("isError")).isTrue();
                                      assertThat(
                                              result(r)
                                                  .getJsonArray("content")
                                                  .getJsonObject(0)
                                                  .getString("text"))
                                          .contains("user declined");
                                      test.completeNow();
                                    })));
                  }));
    }

    @Test
    void samplingWithoutTheCapabilityIsRefusedWithoutAsking(VertxTestContext test) {
      harness
          .initialize()
          .compose(r -> harness.callTool(1, "sample", null))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r).getBoolean("isError")).isTrue();
                            assertThat(harness.sent)
                                .noneMatch(
                                    m -> "sampling/createMessage".equals(m.getString("method")));
                            test.completeNow();
                          })));
    }

    @Test
    void unansweredClientRequestTimesOutAndIsCancelled(Vertx vertx, VertxTestContext test) {
      harness.close();
      harness =
          new SessionHarness(
              vertx,
              testBackend(),
              SessionHarness.options().withClientRequestTimeout(Duration.ofMillis(150)));
      harness
          .initialize("2025-11-25", new JsonObject().put("sampling", new JsonObject()))
          .compose(r -> harness.callTool(1, "sample", null))
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(result(r).getBoolean("isError")).isTrue();
                            JsonObject request =
                                harness.sent.stream()
                                    .filter(
                                        m -> "sampling/createMessage".equals(m.getString("method")))
                                    .findFirst()
                                    .orElseThrow();
                            JsonObject cancel =
                                harness.sent.stream()
                                    .filter(
                                        m ->
                                            "notifications/cancelled".equals(m.getString("method")))
                                    .findFirst()
                                    .orElseThrow();
                            assertThat(cancel.getJsonObject("params").getValue("requestId"))
                                .isEqualTo(request.getValue("id"));
                            test.completeNow();
                          })));
    }
  }

  @Nested
  class ResourcesPromptsCompletion {
    @Test
    void readsConcreteAndTemplatedResourcesAndReportsMissingOnes(VertxTestContext test) {
      harness
          .initialize()
          .compose(
              r -> harness.request(1, "resources/read", new JsonObject().put("uri", "mem://a")))
          .compose(
              r -> {
                test.verify(
                    () ->
                        assertThat(
                                result(r)
                                    .getJsonArray("contents")
                                    .getJsonObject(0)
                                    .getString("text"))
                            .isEqualTo("A"));
                return harness.request(
                    2, "resources/read", new JsonObject().put("uri", "mem://items/42"));
              })
          .compose(
              r -> {
                test.verify(
                    () -> {
                      JsonObject c = result(r).getJsonArray("contents").getJsonObject(0);
                      assertThat(c.getString("text")).isEqualTo("item 42");
                      assertThat(c.getString("uri")).isEqualTo("mem://items/42");
                    });
                return harness.request(
                    3, "resources/read", new JsonObject().put("uri", "mem://nothing"));
              })
          .compose(
              r -> {
                test.verify(() -> assertThat(errorCode(r)).isEqualTo(-32002));
                return harness.request(4, "resources/templates/list", null);
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(
                                    result(r)
                                        .getJsonArray("resourceTemplates")
                                        .getJsonObject(0)
                                        .getString("uriTemplate"))
                                .isEqualTo("mem://items/{id}");
                            test.completeNow();
                          })));
    }

    @Test
    void subscribersHearUpdatesUntilTheyUnsubscribe(VertxTestContext test) {
      harness
          .initialize()
          .compose(
              r ->
                  harness.request(1, "resources/subscribe", new JsonObject().put("uri", "mem://a")))
          .compose(
              r -> {
                test.verify(() -> assertThat(result(r)).isEqualTo(new JsonObject()));
                harness.backend.resourceUpdated("mem://a");
                return harness.nextSent(
                    m -> "notifications/resources/updated".equals(m.getString("method")));
              })
          .compose(
              n -> {
                test.verify(
                    () ->
                        assertThat(n.getJsonObject("params").getString("uri"))
                            .isEqualTo("mem://a"));
                return harness.request(
                    2, "resources/unsubscribe", new JsonObject().put("uri", "mem://a"));
              })
          .compose(
              r -> {
                harness.sent.clear();
                harness.backend.resourceUpdated("mem://a");
                return harness.request(3, "ping", null);
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(harness.sent)
                                .noneMatch(
                                    m ->
                                        "notifications/resources/updated"
                                            .equals(m.getString("method")));
                            test.completeNow();
                          })));
    }

    @Test
    void getsPromptAndRefusesMissingArgument(VertxTestContext test) {
      harness
          .initialize()
          .compose(
              r ->
                  harness.request(
                      1,
                      "prompts/get",
                      new JsonObject()
                          .put("name", "greet")
                          .put("arguments", new JsonObject().put("name", "Ada"))))
          .compose(
              r -> {
                test.verify(
                    () ->
                        assertThat(
                                result(r)
                                    .getJsonArray("messages")
                                    .getJsonObject(0)
                                    .getJsonObject("content")
                                    .getString("text"))
                            .isEqualTo("Hello Ada"));
                return harness.request(2, "prompts/get", new JsonObject().put("name", "greet"));
              })
          .compose(
              r -> {
                test.verify(() -> assertThat(errorCode(r)).isEqualTo(-32602));
                return harness.request(3, "prompts/get", new JsonObject().put("name", "nope"));
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(errorCode(r)).isEqualTo(-32602);
                            test.completeNow();
                          })));
    }

    @Test
    void completesPromptArgumentsAndTemplateVariables(VertxTestContext test) {
      JsonObject promptRef =
          new JsonObject()
              .put("ref", new JsonObject().put("type", "ref/prompt").put("name", "greet"))
              .put("argument", new JsonObject().put("name", "name").put("value", "a"));
      JsonObject templateRef =
          new JsonObject()
              .put(
                  "ref",
                  new JsonObject().put("type", "ref/resource").put("uri", "mem://items/{id}"))
              .put("argument", new JsonObject().put("name", "id").put("value", "ap"));
      harness
          .initialize()
          .compose(r -> harness.request(1, "completion/complete", promptRef))
          .compose(
              r -> {
                test.verify(
                    () ->
                        assertThat(
                                result(r)
                                    .getJsonObject("completion")
                                    .getJsonArray("values")
                                    .getList())
                            .containsExactly("Ada", "Alan"));
                return harness.request(2, "completion/complete", templateRef);
              })
          .onComplete(
              test.succeeding(
                  r ->
                      test.verify(
                          () -> {
                            assertThat(
                                    result(r)
                                        .getJsonObject("completion")
                                        .getJsonArray("values")
                                        .getList())
                                .containsExactly("apple", "apricot");
                            test.completeNow();
                          })));
    }
  }
}
