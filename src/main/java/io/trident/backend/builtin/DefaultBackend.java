package io.trident.backend.builtin;

import io.trident.backend.Backend;
import io.trident.backend.BackendProvider;
import io.trident.backend.Completer;
import io.trident.backend.Prompt;
import io.trident.backend.Resource;
import io.trident.backend.ResourceTemplate;
import io.trident.backend.Tool;
import io.trident.context.CallContext;
import io.trident.model.CallToolResult;
import io.trident.model.Content;
import io.trident.model.GetPromptResult;
import io.trident.model.PromptArgument;
import io.trident.model.PromptInfo;
import io.trident.model.PromptMessage;
import io.trident.model.ReadResourceResult;
import io.trident.model.ResourceContents;
import io.trident.model.ResourceInfo;
import io.trident.model.ResourceTemplateInfo;
import io.trident.model.ToolAnnotations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The backend a fresh install serves: small, useful for trying a client, and the workload of the
 * benchmarks ({@code echo}). Built only through the public SPI, as a user's backend would be.
 */
public final class DefaultBackend implements BackendProvider {

  public static final String SERVER_INFO_URI = "trident://server/info";
  private static final List<String> SUMMARY_STYLES = List.of("brief", "detailed", "bullet-points");

  @Override
  public String name() {
    return "default";
  }

  @Override
  public String description() {
    return "echo, whoami, simulate_work, server info resource, summarize prompt";
  }

  @Override
  public void register(Backend backend, Vertx vertx) {
    backend.addTool(echo());
    backend.addTool(whoami());
    backend.addTool(simulateWork());
    backend.addResource(
        Resource.of(
            new ResourceInfo(
                SERVER_INFO_URI,
                "server-info",
                "Server information",
                "Version, runtime and uptime of this Trident server",
                "application/json",
                null,
                null),
            (uri, vars, ctx) ->
                Future.succeededFuture(
                    ReadResourceResult.of(
                        new ResourceContents.Text(
                            uri, "application/json", serverInfo(backend).encodePrettily())))));
    backend.addResourceTemplate(
        ResourceTemplate.of(
            new ResourceTemplateInfo(
                "trident://echo/{text}",
                "echo-resource",
                "Echo resource",
                "A text resource whose content is the {text} part of its URI",
                "text/plain",
                null),
            (uri, vars, ctx) ->
                Future.succeededFuture(
                    ReadResourceResult.of(
                        new ResourceContents.Text(uri, "text/plain", vars.get("text")))),
            Map.of()));
    backend.addPrompt(
        new Prompt(
            new PromptInfo(
                "summarize",
                "Summarize text",
                "Asks the model to summarize a text in a chosen style",
                List.of(
                    new PromptArgument("text", "The text to summarize", true),
                    new PromptArgument(
                        "style", "brief, detailed or bullet-points (default brief)", false)),
                null),
            (args, ctx) -> {
              String style = args.getOrDefault("style", "brief");
              String text =
                  "Summarize the following text in a " + style + " style:\n\n" + args.get("text");
              return Future.succeededFuture(
                  new GetPromptResult(
                      "Summary request (" + style + ")",
                      List.of(PromptMessage.user(Content.text(text)))));
            },
            Map.of("style", Completer.of(SUMMARY_STYLES))));
  }

  private static Tool echo() {
    return Tool.builder("echo")
        .title("Echo")
        .description("Returns the given text unchanged, as one text item.")
        .inputSchema(
            new JsonObject()
                .put("type", "object")
                .put(
                    "properties",
                    new JsonObject()
                        .put(
                            "text",
                            new JsonObject()
                                .put("type", "string")
                                .put("description", "The text to return")))
                .put("required", new JsonArray().add("text"))
                .put("additionalProperties", false))
        .annotations(ToolAnnotations.readOnly())
        .handler((args, ctx) -> Future.succeededFuture(CallToolResult.text(args.getString("text"))))
        .build();
  }

  private static Tool whoami() {
    JsonObject output =
        new JsonObject()
            .put("type", "object")
            .put(
                "properties",
                new JsonObject()
                    .put("subject", new JsonObject().put("type", "string"))
                    .put("credentialKind", new JsonObject().put("type", "string"))
                    .put(
                        "scopes",
                        new JsonObject()
                            .put("type", "array")
                            .put("items", new JsonObject().put("type", "string")))
                    .put("transport", new JsonObject().put("type", "string"))
                    .put("protocolVersion", new JsonObject().put("type", "string"))
                    .put("deadlineRemainingMs", new JsonObject().put("type", "integer")))
            .put(
                "required",
                new JsonArray()
                    .add("subject")
                    .add("scopes")
                    .add("transport")
                    .add("deadlineRemainingMs"));
    return Tool.builder("whoami")
        .title("Who am I")
        .description(
            "Shows the caller as the server sees it: principal, scopes, transport and remaining deadline.")
        .outputSchema(output)
        .annotations(ToolAnnotations.readOnly())
        .handler(
            (args, ctx) -> {
              JsonObject me =
                  new JsonObject()
                      .put("subject", ctx.principal().subject())
                      .put("credentialKind", ctx.principal().credentialKind())
                      .put(
                          "scopes",
                          new JsonArray(ctx.principal().scopes().stream().sorted().toList()))
                      .put("transport", ctx.transport())
                      .put("protocolVersion", ctx.protocolVersion())
                      .put("deadlineRemainingMs", ctx.remaining().toMillis());
              return Future.succeededFuture(CallToolResult.structured(me));
            })
        .build();
  }

  private static Tool simulateWork() {
    return Tool.builder("simulate_work")
        .title("Simulate work")
        .description(
            "Works for `seconds` in `steps` equal steps, reporting progress after each; "
                + "stops at once when cancelled or when the deadline passes.")
        .inputSchema(
            new JsonObject()
                .put("type", "object")
                .put(
                    "properties",
                    new JsonObject()
                        .put(
                            "seconds",
                            new JsonObject()
                                .put("type", "number")
                                .put("minimum", 0)
                                .put("maximum", 3600)
                                .put("default", 5)
                                .put("description", "Total duration in seconds"))
                        .put(
                            "steps",
                            new JsonObject()
                                .put("type", "integer")
                                .put("minimum", 1)
                                .put("maximum", 10000)
                                .put("default", 10)
                                .put("description", "Number of progress steps")))
                .put("additionalProperties", false))
        .annotations(new ToolAnnotations(null, true, false, true, false))
        .handler(DefaultBackend::simulate)
        .build();
  }

  private static Future<CallToolResult> simulate(JsonObject args, CallContext ctx) {
    double seconds = args.getValue("seconds") instanceof Number n ? n.doubleValue() : 5;
    int steps = args.getValue("steps") instanceof Number n ? n.intValue() : 10;
    Duration stepDelay = Duration.ofNanos((long) (seconds * 1e9 / steps));
    long started = System.nanoTime();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 1; i <= steps; i++) {
      int step = i;
      chain =
          chain
              .compose(v -> ctx.sleep(stepDelay))
              .onSuccess(
                  v ->
                      ctx.progress().report(step, (double) steps, "Step " + step + " of " + steps));
    }
    return chain.map(
        v ->
            CallToolResult.text(
                String.format(
                    java.util.Locale.ROOT,
                    "Completed %d steps in %.2f s",
                    steps,
                    (System.nanoTime() - started) / 1e9)));
  }

  private static JsonObject serverInfo(Backend backend) {
    Package pkg = DefaultBackend.class.getPackage();
    String version =
        pkg.getImplementationVersion() == null ? "dev" : pkg.getImplementationVersion();
    return new JsonObject()
        .put("name", "trident")
        .put("version", version)
        .put("java", System.getProperty("java.version"))
        .put("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000)
        .put("tools", backend.tools().size())
        .put("resources", backend.resources().size())
        .put("prompts", backend.prompts().size());
  }
}
