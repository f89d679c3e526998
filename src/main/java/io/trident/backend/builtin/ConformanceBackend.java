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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * The fixtures the official MCP conformance suite expects of a server under test: the tools,
 * resources, resource template and prompts of the suite's reference {@code everything-server}
 * (v0.1.16), with the same names, schemas and texts. Select it with {@code --backend conformance}.
 */
public final class ConformanceBackend implements BackendProvider {

  /** A 1x1 red PNG, the reference image of the suite. */
  private static final String PNG_BASE64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

  /** A minimal WAV file (header and one silent sample), the reference audio of the suite. */
  private static final String WAV_BASE64 =
      "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

  /**
   * The pause between steps of the logging, progress and reconnection tools, as in the reference.
   */
  private static final Duration STEP = Duration.ofMillis(50);

  /**
   * Kept as text so the listing serves it byte for byte in the order the suite compares: the
   * SEP-1613 keywords ({@code $schema}, {@code $defs}, {@code additionalProperties}) of 0.1.16 and
   * the SEP-2106 ones ({@code $anchor}, {@code allOf}/{@code anyOf}, {@code if}/{@code then}/{@code
   * else}) that 0.2.0 checks for 2026-07-28.
   */
  private static final String JSON_SCHEMA_2020_12 =
      """
      {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",\
      "$defs":{"address":{"$anchor":"addressDef","type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},\
      "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"},\
      "contactMethod":{"type":"string","enum":["phone","email"]},"phone":{"type":"string"},"email":{"type":"string"}},\
      "allOf":[{"anyOf":[{"required":["phone"]},{"required":["email"]}]}],\
      "if":{"properties":{"contactMethod":{"const":"phone"}},"required":["contactMethod"]},\
      "then":{"required":["phone"]},"else":{"required":["email"]},\
      "additionalProperties":false}""";

  /** SEP-1034: every primitive type with a default; the suite checks these properties exactly. */
  private static final String SEP1034_SCHEMA =
      """
      {"type":"object","properties":{
        "name":{"type":"string","description":"User name","default":"John Doe"},
        "age":{"type":"integer","description":"User age","default":30},
        "score":{"type":"number","description":"User score","default":95.5},
        "status":{"type":"string","description":"User status","enum":["active","inactive","pending"],"default":"active"},
        "verified":{"type":"boolean","description":"Verification status","default":true}
      },"required":[]}""";

  /** SEP-1330: the five enum forms; the suite checks these properties exactly. */
  private static final String SEP1330_SCHEMA =
      """
      {"type":"object","properties":{
        "untitledSingle":{"type":"string","description":"Select one option",
          "enum":["option1","option2","option3"]},
        "titledSingle":{"type":"string","description":"Select one option with titles",
          "oneOf":[{"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},
                   {"const":"value3","title":"Third Option"}]},
        "legacyEnum":{"type":"string","description":"Select one option (legacy)",
          "enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},
        "untitledMulti":{"type":"array","description":"Select multiple options","minItems":1,"maxItems":3,
          "items":{"type":"string","enum":["option1","option2","option3"]}},
        "titledMulti":{"type":"array","description":"Select multiple options with titles","minItems":1,"maxItems":3,
          "items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},
                            {"const":"value3","title":"Third Choice"}]}}
      },"required":[]}""";

  @Override
  public String name() {
    return "conformance";
  }

  @Override
  public String description() {
    return "the fixtures of the official MCP conformance suite (everything-server)";
  }

  @Override
  public void register(Backend backend, Vertx vertx) {
    registerContentTools(backend);
    registerNotifyingTools(backend);
    registerClientRequestTools(backend);
    registerStatelessTools(backend);
    registerHeaderTool(backend);
    registerInputRequiredTools(backend);
    registerResources(backend);
    registerPrompts(backend);
    registerInputRequiredPrompt(backend);
  }

  // ---------------------------------------------------------------------------------------------
  // Tools

  /** Tools that return a fixed result of each content type. */
  private static void registerContentTools(Backend backend) {
    backend.addTool(
        constant(
            "test_simple_text",
            "Returns a simple text response",
            CallToolResult.text("This is a simple text response for testing.")));
    backend.addTool(
        constant(
            "test_image_content",
            "Returns a 1x1 PNG image",
            CallToolResult.of(new Content.Image(PNG_BASE64, "image/png"))));
    backend.addTool(
        constant(
            "test_audio_content",
            "Returns a short WAV audio clip",
            CallToolResult.of(new Content.Audio(WAV_BASE64, "audio/wav"))));
    backend.addTool(
        constant(
            "test_embedded_resource",
            "Returns an embedded text resource",
            CallToolResult.of(
                new Content.Resource(
                    new ResourceContents.Text(
                        "test://embedded-resource",
                        "text/plain",
                        "This is an embedded resource content.")))));
    backend.addTool(
        constant(
            "test_multiple_content_types",
            "Returns text, image and resource content together",
            CallToolResult.of(
                Content.text("Multiple content types test:"),
                new Content.Image(PNG_BASE64, "image/png"),
                new Content.Resource(
                    new ResourceContents.Text(
                        "test://mixed-content-resource",
                        "application/json",
                        new JsonObject().put("test", "data").put("value", 123).encode())))));
    // A tool execution error, not a protocol error: the suite checks for isError in a result.
    backend.addTool(
        constant(
            "test_error_handling",
            "Always returns a tool execution error",
            CallToolResult.error("This tool intentionally returns an error for testing")));
    backend.addTool(
        Tool.builder("json_schema_2020_12_tool")
            .description(
                "Declares a JSON Schema 2020-12 input schema with $defs and $ref; echoes its arguments")
            .inputSchema(new JsonObject(JSON_SCHEMA_2020_12))
            .handler((args, context) -> Future.succeededFuture(CallToolResult.text(args.encode())))
            .build());
  }

  /** Tools that send notifications (logs, progress) while they run, or take a while to answer. */
  private static void registerNotifyingTools(Backend backend) {
    backend.addTool(
        Tool.builder("test_tool_with_logging")
            .description("Sends three log messages while it runs")
            .handler(
                (args, context) -> {
                  context.log().log("info", null, "Tool execution started");
                  return context
                      .sleep(STEP)
                      .compose(
                          v -> {
                            context.log().log("info", null, "Tool processing data");
                            return context.sleep(STEP);
                          })
                      .map(
                          v -> {
                            context.log().log("info", null, "Tool execution completed");
                            return CallToolResult.text("Tool with logging executed successfully");
                          });
                })
            .build());
    backend.addTool(
        Tool.builder("test_tool_with_progress")
            .description("Reports progress three times while it runs")
            .handler(
                (args, context) -> {
                  // The sink knows the caller's progress token and does nothing when there is none.
                  context.progress().report(0, 100.0, "Completed step 0 of 100");
                  return context
                      .sleep(STEP)
                      .compose(
                          v -> {
                            context.progress().report(50, 100.0, "Completed step 50 of 100");
                            return context.sleep(STEP);
                          })
                      .map(
                          v -> {
                            context.progress().report(100, 100.0, "Completed step 100 of 100");
                            return CallToolResult.text("Progress test completed");
                          });
                })
            .build());
    // The SSE stream closing and resumption are the HTTP transport's business; here it only waits.
    backend.addTool(
        Tool.builder("test_reconnection")
            .description(
                "Closes its response stream, then answers after a short pause: the client must resume")
            .handler(
                (args, context) -> {
                  // Ends the response stream now (after its priming event): the client must
                  // reconnect with Last-Event-ID to get the result (SEP-1699 polling).
                  context.closeStream();
                  return context
                      .sleep(STEP.multipliedBy(2))
                      .map(
                          v ->
                              CallToolResult.text(
                                  "Reconnection test completed successfully. If you received this, the client"
                                      + " properly reconnected after stream closure."));
                })
            .build());
  }

  /** Tools that ask the client something (sampling, elicitation) and report its answer. */
  private static void registerClientRequestTools(Backend backend) {
    backend.addTool(
        Tool.builder("test_sampling")
            .description("Asks the client's LLM to answer a prompt")
            .inputSchema(requiredStrings("prompt", "The prompt to send to the LLM"))
            .handler(ConformanceBackend::sample)
            .build());
    backend.addTool(
        Tool.builder("test_elicitation")
            .description("Asks the user for a username and an email")
            .inputSchema(requiredStrings("message", "The message to show the user"))
            .handler(
                (args, context) -> {
                  JsonObject schema =
                      new JsonObject()
                          .put("type", "object")
                          .put(
                              "properties",
                              new JsonObject()
                                  .put("username", stringProperty("The user's name"))
                                  .put("email", stringProperty("The user's email address")))
                          .put("required", new JsonArray().add("username").add("email"));
                  return elicit(context, args.getString("message"), schema, "User response");
                })
            .build());
    backend.addTool(
        Tool.builder("test_elicitation_sep1034_defaults")
            .description("Asks the user to review a form whose fields have defaults (SEP-1034)")
            .handler(
                (args, context) ->
                    elicit(
                        context,
                        "Please review and update the form fields with defaults",
                        new JsonObject(SEP1034_SCHEMA),
                        "Elicitation completed"))
            .build());
    backend.addTool(
        Tool.builder("test_elicitation_sep1330_enums")
            .description("Asks the user to choose from each kind of enum field (SEP-1330)")
            .handler(
                (args, context) ->
                    elicit(
                        context,
                        "Please select options from the enum fields",
                        new JsonObject(SEP1330_SCHEMA),
                        "Elicitation completed"))
            .build());
  }

  private static Future<CallToolResult> sample(JsonObject args, CallContext context) {
    if (!context.client().supportsSampling()) {
      return Future.succeededFuture(CallToolResult.error("The client does not support sampling"));
    }
    JsonObject message =
        new JsonObject()
            .put("role", "user")
            .put(
                "content",
                new JsonObject().put("type", "text").put("text", args.getString("prompt")));
    JsonObject params =
        new JsonObject().put("messages", new JsonArray().add(message)).put("maxTokens", 100);
    return context
        .client()
        .createMessage(params)
        .map(result -> CallToolResult.text("LLM response: " + sampledText(result)))
        .recover(ConformanceBackend::clientFailure);
  }

  /** The text of a sampling reply, whose content may be one block or (since 2025-11-25) a list. */
  private static String sampledText(JsonObject result) {
    Object content = result == null ? null : result.getValue("content");
    if (content instanceof JsonArray blocks) {
      content =
          blocks.stream()
              .filter(b -> b instanceof JsonObject o && "text".equals(o.getValue("type")))
              .findFirst()
              .orElse(null);
    }
    if (content instanceof JsonObject block && block.getValue("text") instanceof String text) {
      return text;
    }
    return "";
  }

  private static Future<CallToolResult> elicit(
      CallContext context, String message, JsonObject schema, String label) {
    if (!context.client().supportsElicitation()) {
      return Future.succeededFuture(
          CallToolResult.error("The client does not support elicitation"));
    }
    JsonObject params = new JsonObject().put("message", message).put("requestedSchema", schema);
    return context
        .client()
        .elicit(params)
        .map(
            result -> {
              // Only an accepted elicitation carries content; decline and cancel answer with {}.
              JsonObject content = result.getJsonObject("content", new JsonObject());
              return CallToolResult.text(
                  label
                      + ": action="
                      + result.getString("action")
                      + ", content="
                      + content.encode());
            })
        .recover(ConformanceBackend::clientFailure);
  }

  // ---------------------------------------------------------------------------------------------
  // 2026-07-28 fixtures (suite 0.2.0-alpha.12, --requirements 2026-07-28)

  /** Diagnostic tools of the server-stateless scenario. */
  private static void registerStatelessTools(Backend backend) {
    // Asks for sampling whatever the client declared: a 2026 request without the capability is
    // -32021; a 2025 session without it gets an error result.
    backend.addTool(
        Tool.builder("test_missing_capability")
            .description("Needs the client's sampling capability")
            .handler(
                (args, context) ->
                    context
                        .client()
                        .createMessage(samplingParams("Say hello", 20))
                        .map(r -> CallToolResult.text("Sampled: " + sampledText(r)))
                        .recover(ConformanceBackend::clientFailure))
            .build());
    backend.addTool(
        Tool.builder("test_streaming_elicitation")
            .description("Reports progress, then asks the user to confirm")
            .handler(
                (args, context) -> {
                  context.progress().report(1, 2.0, "Preparing the question");
                  return elicit(
                      context,
                      "Do you want to continue?",
                      objectSchema("confirm", new JsonObject().put("type", "boolean")),
                      "User response");
                })
            .build());
    backend.addTool(
        Tool.builder("test_logging_tool")
            .description("Logs at info level while it runs (only to callers that ask for logs)")
            .handler(
                (args, context) -> {
                  context.log().log("info", null, "Logging tool started");
                  context.log().log("warning", null, "Logging tool is about to finish");
                  return Future.succeededFuture(CallToolResult.text("Logging tool done"));
                })
            .build());
    backend.addTool(
        Tool.builder("test_trigger_tool_change")
            .description("Changes the tool list (emits tools list_changed to listen streams)")
            .handler(
                (args, context) -> {
                  backend.tool("test_trigger_tool_change").ifPresent(backend::addTool);
                  return Future.succeededFuture(CallToolResult.text("Tool list changed"));
                })
            .build());
    backend.addTool(
        Tool.builder("test_trigger_prompt_change")
            .description("Changes the prompt list (emits prompts list_changed to listen streams)")
            .handler(
                (args, context) -> {
                  backend.prompt("test_simple_prompt").ifPresent(backend::addPrompt);
                  return Future.succeededFuture(CallToolResult.text("Prompt list changed"));
                })
            .build());
  }

  /**
   * A tool with an argument mirrored in an HTTP header ({@code x-mcp-header}: {@code
   * Mcp-Param-Region}), for the suite's custom-header scenario.
   */
  private static void registerHeaderTool(Backend backend) {
    backend.addTool(
        Tool.builder("test_custom_header")
            .description("Echoes its region argument, which HTTP clients also send as a header")
            .inputSchema(
                new JsonObject()
                    .put("type", "object")
                    .put(
                        "properties",
                        new JsonObject()
                            .put(
                                "region",
                                stringProperty("The region to echo")
                                    .put("x-mcp-header", "Region"))))
            .handler(
                (args, context) ->
                    Future.succeededFuture(
                        CallToolResult.text("Region: " + args.getString("region", "(none)"))))
            .build());
  }

  /**
   * Tools whose client requests a 2026 request gets as {@code input_required} results (and a 2025
   * session as server-to-client requests): the same code for both.
   */
  private static void registerInputRequiredTools(Backend backend) {
    backend.addTool(
        Tool.builder("test_input_required_result_elicitation")
            .description("Asks the user's name (key user_name), then greets them")
            .handler(
                (args, context) ->
                    context
                        .client()
                        .elicit("user_name", nameQuestion("What is your name?"))
                        .map(r -> CallToolResult.text("Hello, " + contentString(r, "name") + "!"))
                        .recover(ConformanceBackend::clientFailure))
            .build());
    backend.addTool(
        Tool.builder("test_input_required_result_sampling")
            .description("Asks the client's LLM a question (key capital_question)")
            .handler(
                (args, context) ->
                    context
                        .client()
                        .createMessage(
                            "capital_question",
                            samplingParams("What is the capital of France?", 100))
                        .map(r -> CallToolResult.text("The model answered: " + sampledText(r)))
                        .recover(ConformanceBackend::clientFailure))
            .build());
    backend.addTool(
        Tool.builder("test_input_required_result_list_roots")
            .description("Asks for the client's roots (key client_roots)")
            .handler(
                (args, context) ->
                    context
                        .client()
                        .listRoots("client_roots")
                        .map(r -> CallToolResult.text("Client roots: " + r.getValue("roots")))
                        .recover(ConformanceBackend::clientFailure))
            .build());
    backend.addTool(
        Tool.builder("test_input_required_result_request_state")
            .description("Asks for a confirmation (key confirm) and carries state between rounds")
            .handler(
                (args, context) ->
                    context
                        .client()
                        .elicit(
                            "confirm",
                            new JsonObject()
                                .put("message", "Please confirm")
                                .put(
                                    "requestedSchema",
                                    objectSchema("ok", new JsonObject().put("type", "boolean"))))
                        .map(r -> CallToolResult.text("state-ok: action=" + r.getString("action")))
                        .recover(ConformanceBackend::clientFailure))
            .build());
    backend.addTool(
        Tool.builder("test_input_required_result_multiple_inputs")
            .description("Asks for a name, a greeting and the roots at once")
            .handler(
                (args, context) -> {
                  // Three requests at once: one round carries all of them.
                  Future<JsonObject> name =
                      context.client().elicit("user_name", nameQuestion("What is your name?"));
                  Future<JsonObject> greeting =
                      context
                          .client()
                          .createMessage("greeting", samplingParams("Generate a greeting", 50));
                  Future<JsonObject> roots = context.client().listRoots("client_roots");
                  return Future.all(name, greeting, roots)
                      .map(
                          all ->
                              CallToolResult.text(
                                  "name="
                                      + contentString(name.result(), "name")
                                      + ", greeting="
                                      + sampledText(greeting.result())
                                      + ", roots="
                                      + roots.result().getValue("roots")))
                      .recover(ConformanceBackend::clientFailure);
                })
            .build());
    backend.addTool(
        Tool.builder("test_input_required_result_multi_round")
            .description("Asks two questions, one after the other (keys step1, step2)")
            .handler(
                (args, context) ->
                    context
                        .client()
                        .elicit("step1", nameQuestion("Step 1: What is your name?"))
                        .compose(
                            first ->
                                context
                                    .client()
                                    .elicit(
                                        "step2",
                                        new JsonObject()
                                            .put("message", "Step 2: What is your favorite color?")
                                            .put(
                                                "requestedSchema",
                                                objectSchema(
                                                    "color",
                                                    new JsonObject().put("type", "string"))))
                                    .map(
                                        second ->
                                            CallToolResult.text(
                                                contentString(first, "name")
                                                    + " likes "
                                                    + contentString(second, "color"))))
                        .recover(ConformanceBackend::clientFailure))
            .build());
    backend.addTool(
        Tool.builder("test_input_required_result_tampered_state")
            .description("Asks for a confirmation; its requestState is signed")
            .handler(
                (args, context) ->
                    context
                        .client()
                        .elicit(
                            "confirm",
                            new JsonObject()
                                .put("message", "Please confirm")
                                .put(
                                    "requestedSchema",
                                    objectSchema("ok", new JsonObject().put("type", "boolean"))))
                        .map(r -> CallToolResult.text("confirmed"))
                        .recover(ConformanceBackend::clientFailure))
            .build());
    backend.addTool(
        Tool.builder("test_input_required_result_capabilities")
            .description("Asks only what the client declared it can answer")
            .handler(
                (args, context) -> {
                  Future<JsonObject> asked;
                  if (context.client().supportsElicitation()) {
                    asked =
                        context.client().elicit("user_name", nameQuestion("What is your name?"));
                  } else if (context.client().supportsSampling()) {
                    asked =
                        context
                            .client()
                            .createMessage("greeting", samplingParams("Generate a greeting", 50));
                  } else if (context.client().supportsRoots()) {
                    asked = context.client().listRoots("client_roots");
                  } else {
                    return Future.succeededFuture(
                        CallToolResult.text("The client declared nothing to ask"));
                  }
                  return asked
                      .map(r -> CallToolResult.text("Answered: " + r.encode()))
                      .recover(ConformanceBackend::clientFailure);
                })
            .build());
  }

  /** A prompt that needs the user's input first (multi-round-trip on prompts/get). */
  private static void registerInputRequiredPrompt(Backend backend) {
    backend.addPrompt(
        Prompt.of(
            new PromptInfo(
                "test_input_required_result_prompt",
                null,
                "Asks the user for context before it renders",
                null,
                null),
            (args, context) ->
                context
                    .client()
                    .elicit(
                        "user_context",
                        new JsonObject()
                            .put("message", "What context should the prompt use?")
                            .put(
                                "requestedSchema",
                                objectSchema("context", new JsonObject().put("type", "string"))))
                    .map(
                        r ->
                            new GetPromptResult(
                                null,
                                List.of(
                                    PromptMessage.user(
                                        Content.text(
                                            "Use this context: "
                                                + contentString(r, "context"))))))));
  }

  private static JsonObject nameQuestion(String message) {
    return new JsonObject()
        .put("message", message)
        .put("requestedSchema", objectSchema("name", new JsonObject().put("type", "string")));
  }

  private static JsonObject objectSchema(String property, JsonObject schema) {
    return new JsonObject()
        .put("type", "object")
        .put("properties", new JsonObject().put(property, schema))
        .put("required", new JsonArray().add(property));
  }

  private static JsonObject samplingParams(String text, int maxTokens) {
    JsonObject message =
        new JsonObject()
            .put("role", "user")
            .put("content", new JsonObject().put("type", "text").put("text", text));
    return new JsonObject()
        .put("messages", new JsonArray().add(message))
        .put("maxTokens", maxTokens);
  }

  /** {@code content.<key>} of an elicitation answer, as text ("" when absent). */
  private static String contentString(JsonObject answer, String key) {
    Object content = answer == null ? null : answer.getValue("content");
    Object value = content instanceof JsonObject c ? c.getValue(key) : null;
    return value == null ? "" : String.valueOf(value);
  }

  /**
   * Turns a failed client request into an error result the model can read. McpException messages
   * are safe to show; anything else (e.g. a malformed reply) gets a generic one. Cancellation is
   * passed on so the server treats the call as cancelled rather than answered.
   */
  private static Future<CallToolResult> clientFailure(Throwable failure) {
    if (failure instanceof CancellationException) {
      return Future.failedFuture(failure);
    }
    String message =
        failure instanceof McpException e ? e.getMessage() : "The client request failed";
    return Future.succeededFuture(CallToolResult.error(message));
  }

  private static Tool constant(String name, String description, CallToolResult result) {
    return Tool.builder(name)
        .description(description)
        .handler((args, context) -> Future.succeededFuture(result))
        .build();
  }

  /** An input schema with one required string argument. */
  private static JsonObject requiredStrings(String name, String description) {
    return new JsonObject()
        .put("type", "object")
        .put("properties", new JsonObject().put(name, stringProperty(description)))
        .put("required", new JsonArray().add(name));
  }

  private static JsonObject stringProperty(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }

  // ---------------------------------------------------------------------------------------------
  // Resources

  private static void registerResources(Backend backend) {
    backend.addResource(
        Resource.of(
            new ResourceInfo(
                "test://static-text",
                "static-text",
                null,
                "A static text resource",
                "text/plain",
                null,
                null),
            (uri, vars, context) ->
                Future.succeededFuture(
                    ReadResourceResult.of(
                        new ResourceContents.Text(
                            uri,
                            "text/plain",
                            "This is the content of the static text resource.")))));
    backend.addResource(
        Resource.of(
            new ResourceInfo(
                "test://static-binary",
                "static-binary",
                null,
                "A static binary resource (PNG)",
                "image/png",
                null,
                null),
            (uri, vars, context) ->
                Future.succeededFuture(
                    ReadResourceResult.of(
                        new ResourceContents.Blob(uri, "image/png", PNG_BASE64)))));
    // The suite only subscribes and unsubscribes; nothing changes it, as in the reference.
    backend.addResource(
        Resource.of(
            new ResourceInfo(
                "test://watched-resource",
                "watched-resource",
                null,
                "A resource to subscribe to",
                "text/plain",
                null,
                null),
            (uri, vars, context) ->
                Future.succeededFuture(
                    ReadResourceResult.of(
                        new ResourceContents.Text(
                            uri, "text/plain", "Watched resource content")))));
    backend.addResourceTemplate(
        ResourceTemplate.of(
            new ResourceTemplateInfo(
                "test://template/{id}/data",
                "template",
                null,
                "Data for an id, read from a URI template",
                "application/json",
                null),
            (uri, vars, context) -> {
              String id = vars.get("id");
              JsonObject data =
                  new JsonObject()
                      .put("id", id)
                      .put("templateTest", true)
                      .put("data", "Data for ID: " + id);
              return Future.succeededFuture(
                  ReadResourceResult.of(
                      new ResourceContents.Text(uri, "application/json", data.encode())));
            },
            Map.of()));
  }

  // ---------------------------------------------------------------------------------------------
  // Prompts

  private static void registerPrompts(Backend backend) {
    backend.addPrompt(
        Prompt.of(
            new PromptInfo(
                "test_simple_prompt", null, "A simple prompt without arguments", null, null),
            (args, context) ->
                prompt(PromptMessage.user(Content.text("This is a simple prompt for testing.")))));
    // The target of the suite's completion/complete scenario (argument arg1).
    backend.addPrompt(
        new Prompt(
            new PromptInfo(
                "test_prompt_with_arguments",
                null,
                "A prompt with two required arguments",
                List.of(
                    new PromptArgument("arg1", "First test argument", true),
                    new PromptArgument("arg2", "Second test argument", true)),
                null),
            (args, context) ->
                prompt(
                    PromptMessage.user(
                        Content.text(
                            "Prompt with arguments: arg1='"
                                + args.get("arg1")
                                + "', arg2='"
                                + args.get("arg2")
                                + "'"))),
            Map.of("arg1", Completer.of(List.of("paris", "park", "party")))));
    backend.addPrompt(
        Prompt.of(
            new PromptInfo(
                "test_prompt_with_embedded_resource",
                null,
                "A prompt that embeds a resource",
                List.of(new PromptArgument("resourceUri", "URI of the resource to embed", true)),
                null),
            (args, context) ->
                prompt(
                    PromptMessage.user(
                        new Content.Resource(
                            new ResourceContents.Text(
                                args.get("resourceUri"),
                                "text/plain",
                                "Embedded resource content for testing."))),
                    PromptMessage.user(
                        Content.text("Please process the embedded resource above.")))));
    backend.addPrompt(
        Prompt.of(
            new PromptInfo(
                "test_prompt_with_image", null, "A prompt that includes an image", null, null),
            (args, context) ->
                prompt(
                    PromptMessage.user(new Content.Image(PNG_BASE64, "image/png")),
                    PromptMessage.user(Content.text("Please analyze the image above.")))));
  }

  private static Future<GetPromptResult> prompt(PromptMessage... messages) {
    return Future.succeededFuture(new GetPromptResult(null, List.of(messages)));
  }
}
