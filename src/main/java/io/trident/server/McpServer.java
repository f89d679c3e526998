package io.trident.server;

import io.trident.auth.AuditEvent;
import io.trident.auth.AuditLog;
import io.trident.auth.RequestGuard;
import io.trident.auth.StreamGuards;
import io.trident.backend.Backend;
import io.trident.backend.Completer;
import io.trident.backend.Prompt;
import io.trident.backend.Resource;
import io.trident.backend.ResourceTemplate;
import io.trident.backend.Tool;
import io.trident.context.CallContext;
import io.trident.context.Principal;
import io.trident.model.CallToolResult;
import io.trident.model.CompleteRequest;
import io.trident.model.CompleteResult;
import io.trident.model.CompletionReference;
import io.trident.model.GetPromptResult;
import io.trident.model.InitializeRequest;
import io.trident.model.InitializeResult;
import io.trident.model.McpException;
import io.trident.model.Page;
import io.trident.model.PromptArgument;
import io.trident.model.PromptInfo;
import io.trident.model.ReadResourceResult;
import io.trident.model.ResourceInfo;
import io.trident.model.ResourceTemplateInfo;
import io.trident.model.ToolInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The typed MCP core: what every method means, independent of any wire. Stateless per call; session
 * state (log level, subscriptions, pending client requests) lives in {@link McpSession}. The
 * JSON-RPC dispatcher and the typed gRPC RPCs both call this class.
 */
public final class McpServer {

  private static final Logger LOG = LoggerFactory.getLogger(McpServer.class);

  private final Vertx vertx;
  private final Backend backend;
  private final ServerOptions options;
  private final RequestGuard guard;
  private final StreamGuards streamGuards;
  private final java.util.concurrent.atomic.AtomicBoolean warmedUp =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final RequestsInFlight inFlight = new RequestsInFlight();
  private final java.util.Set<ListenStream> listenStreams =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final ModernServer modern;
  private volatile NotificationSource notifications;

  /** A server that lets every caller do everything (embedded use, tests). */
  public McpServer(Vertx vertx, Backend backend, ServerOptions options) {
    this(vertx, backend, options, RequestGuard.open());
  }

  public McpServer(Vertx vertx, Backend backend, ServerOptions options, RequestGuard guard) {
    this(vertx, backend, options, guard, StreamGuards.none());
  }

  /**
   * @param streamGuards keeps open streams authorized only as long as their credentials are
   */
  public McpServer(
      Vertx vertx,
      Backend backend,
      ServerOptions options,
      RequestGuard guard,
      StreamGuards streamGuards) {
    this.vertx = vertx;
    this.backend = backend;
    this.options = options;
    this.guard = guard;
    this.streamGuards = streamGuards;
    this.notifications = backend::addListener;
    this.modern = new ModernServer(this, RequestStates.ephemeral(RequestStates.DEFAULT_TTL));
  }

  /** The stateless revision (2026-07-28) over this core: requests without a session. */
  public ModernServer modern() {
    return modern;
  }

  /** Open {@code subscriptions/listen} streams (2026-07-28), on every transport. */
  java.util.Set<ListenStream> listenStreams() {
    return listenStreams;
  }

  /** Where sessions hear of backend changes ({@code list_changed}, {@code resources/updated}). */
  @FunctionalInterface
  public interface NotificationSource {
    /** Registers {@code listener}; run the returned action to remove it. */
    Runnable addListener(io.trident.backend.BackendListener listener);
  }

  /**
   * Sessions hear of backend changes from {@code source} from now on instead of from the backend
   * directly: a bus shared by every instance (SPEC.md §5.7), which itself listens to the backend.
   */
  public void notificationsFrom(NotificationSource source) {
    this.notifications = source;
  }

  /**
   * Registers a session (or any stream that carries notifications) for backend changes, wherever
   * they happened; run the returned action to remove it.
   */
  public Runnable listen(io.trident.backend.BackendListener listener) {
    return notifications.addListener(listener);
  }

  /** Watches every open stream's credential: expiry, revocation, fail-closed. */
  public StreamGuards streamGuards() {
    return streamGuards;
  }

  /** Authorizes each request; sessions and typed RPCs ask it before dispatching. */
  public RequestGuard guard() {
    return guard;
  }

  /**
   * Compiles every tool's schemas on workers, so the first calls find them ready. Sessions call
   * this once they have answered {@code initialize}: earlier, it would compete with start-up for
   * the CPU.
   */
  public void warmUp() {
    if (!warmedUp.compareAndSet(false, true)) {
      return;
    }
    // A plain daemon thread, not a Vert.x worker: it must never hold up (or complain about) a
    // shutdown, and compiling is idempotent, so a call racing it just compiles on its own.
    Thread warmer =
        new Thread(
            () -> {
              for (Tool tool : backend.tools()) {
                try {
                  tool.compileSchemas();
                } catch (IllegalArgumentException e) {
                  LOG.error(
                      "tool {} has an invalid schema and cannot be called: {}",
                      tool.name(),
                      e.getMessage());
                }
              }
            },
            "trident-warm-up");
    warmer.setDaemon(true);
    warmer.start();
  }

  public Vertx vertx() {
    return vertx;
  }

  public Backend backend() {
    return backend;
  }

  public ServerOptions options() {
    return options;
  }

  /** Requests in progress on every transport; sessions and stateless calls register theirs. */
  RequestsInFlight inFlight() {
    return inFlight;
  }

  /** How many requests are being handled right now, on every transport. */
  public int requestsInFlight() {
    return inFlight.size();
  }

  /**
   * The graceful part of a shutdown: lets the requests in progress finish for up to {@code grace},
   * then cancels what is left ({@link io.trident.context.Cancellation.Reason#SHUTDOWN}). Completes
   * once nothing is running. Transports stop accepting before they call this.
   */
  public Future<Void> drain(java.time.Duration grace) {
    // Listen streams never finish on their own: the server ends them (with their result) first.
    for (ListenStream stream : List.copyOf(listenStreams)) {
      stream.finish();
    }
    return inFlight.drain(vertx, grace);
  }

  /** The server side of the handshake: negotiate the version and announce capabilities. */
  public InitializeResult initialize(InitializeRequest request) {
    ProtocolVersion version = ProtocolVersion.negotiate(request.protocolVersion());
    return new InitializeResult(
        version.wire(), capabilities(), options.serverInfo(), options.instructions());
  }

  /** Exactly what this server implements, as the spec asks. */
  public JsonObject capabilities() {
    return new JsonObject()
        .put("tools", new JsonObject().put("listChanged", true))
        .put("resources", new JsonObject().put("subscribe", true).put("listChanged", true))
        .put("prompts", new JsonObject().put("listChanged", true))
        .put("logging", new JsonObject())
        .put("completions", new JsonObject());
  }

  /** The tools {@code caller} may call: listing must not leak the schemas of the others. */
  public Page<ToolInfo> listTools(Principal caller, String cursor) {
    List<ToolInfo> all =
        backend.tools().stream().filter(t -> guard.mayUse(caller, t)).map(Tool::info).toList();
    return Pagination.page(all, cursor, options.pageSize(), "tools");
  }

  /**
   * Runs a tool. An unknown tool is a protocol error (-32602); arguments that fail the input schema
   * and failures of the tool's code are tool errors ({@code isError}) so the model can react.
   * Cancellation is not handled here: the caller races the result against the context's signal.
   */
  public Future<CallToolResult> callTool(String name, JsonObject arguments, CallContext context) {
    Tool tool = backend.tool(name).orElse(null);
    if (tool == null) {
      return Future.failedFuture(McpException.invalidParams("Unknown tool: " + name));
    }
    // The tool's own cap and the configured one narrow the budget; the earliest deadline wins.
    context.capDeadline(tool.timeout());
    context.capDeadline(options.toolTimeouts().get(name));
    JsonObject args = arguments == null ? new JsonObject() : arguments;
    long start = System.nanoTime();
    Tool.Schemas schemas = tool.compiledSchemas();
    Future<CallToolResult> call =
        schemas != null
            ? run(tool, schemas, args, context)
            : tool.schemas(vertx)
                .transform(
                    ar ->
                        ar.succeeded()
                            ? run(tool, ar.result(), args, context)
                            : Future.succeededFuture(internalToolError(tool, ar.cause())));
    return call.andThen(
        ar -> {
          // Captured now; digesting the arguments and writing the line happen off the loop.
          java.time.Instant end = java.time.Instant.now();
          long ms = (System.nanoTime() - start) / 1_000_000;
          long left = context.remaining().toMillis();
          String outcome = auditOutcome(ar.succeeded() ? ar.result() : null, ar.cause(), context);
          String detail = context.auditDetail();
          AuditLog.toolCall(
              () ->
                  AuditEvent.toolCall(
                      end,
                      context.transport(),
                      context.principal(),
                      name,
                      args,
                      outcome,
                      ms,
                      left,
                      detail));
        });
  }

  private static String auditOutcome(
      CallToolResult result, Throwable failure, CallContext context) {
    if (result != null) {
      return result.isError() ? "tool_error" : "ok";
    }
    if (context.cancellation().reason()
        == io.trident.context.Cancellation.Reason.DEADLINE_EXCEEDED) {
      return "deadline_exceeded";
    }
    return failure instanceof java.util.concurrent.CancellationException ? "cancelled" : "error";
  }

  private Future<CallToolResult> run(
      Tool tool, Tool.Schemas schemas, JsonObject args, CallContext context) {
    if (context.isCancelled()) {
      // Cancelled while the schemas compiled: the caller is gone, so the tool never starts.
      return Future.failedFuture(new java.util.concurrent.CancellationException("cancelled"));
    }
    List<String> problems = schemas.input().validate(args);
    if (!problems.isEmpty()) {
      return Future.succeededFuture(
          CallToolResult.error(
              "Invalid arguments for tool " + tool.name() + ": " + String.join("; ", problems)));
    }
    Future<CallToolResult> run;
    try {
      if (tool.blocking()) {
        run = vertx.executeBlocking(() -> tool.blockingHandler().call(args, context), false);
      } else {
        run = tool.handler().call(args, context);
        if (run == null) {
          run = Future.failedFuture(new IllegalStateException("tool handler returned null"));
        }
      }
    } catch (RuntimeException e) {
      run = Future.failedFuture(e);
    }
    return run.map(result -> checkOutput(tool, schemas, result))
        .recover(
            failure ->
                failure instanceof java.util.concurrent.CancellationException
                    ? Future.failedFuture(failure)
                    : Future.succeededFuture(toolFailure(tool, failure)));
  }

  private CallToolResult checkOutput(Tool tool, Tool.Schemas schemas, CallToolResult result) {
    if (result == null) {
      return internalToolError(tool, new IllegalStateException("tool returned a null result"));
    }
    if (schemas.output() == null || result.isError()) {
      return result;
    }
    if (result.structuredContent() == null) {
      return internalToolError(
          tool,
          new IllegalStateException(
              "tool declares an outputSchema but returned no structuredContent"));
    }
    List<String> problems = schemas.output().validate(result.structuredContent());
    if (!problems.isEmpty()) {
      return internalToolError(
          tool,
          new IllegalStateException("structuredContent does not match outputSchema: " + problems));
    }
    return result;
  }

  private CallToolResult toolFailure(Tool tool, Throwable failure) {
    if (failure instanceof McpException mcp) {
      // Safe by construction: McpException messages are written for callers.
      return CallToolResult.error(mcp.getMessage());
    }
    return internalToolError(tool, failure);
  }

  private static CallToolResult internalToolError(Tool tool, Throwable failure) {
    String correlationId = InternalFailures.record("tool " + tool.name(), failure);
    return CallToolResult.error(
        "Tool "
            + tool.name()
            + " failed with an internal error (correlation id "
            + correlationId
            + ")");
  }

  public Page<ResourceInfo> listResources(Principal caller, String cursor) {
    List<ResourceInfo> all =
        backend.resources().stream()
            .filter(r -> guard.mayUse(caller, r))
            .map(Resource::info)
            .toList();
    return Pagination.page(all, cursor, options.pageSize(), "resources");
  }

  public Page<ResourceTemplateInfo> listResourceTemplates(Principal caller, String cursor) {
    List<ResourceTemplateInfo> all =
        backend.resourceTemplates().stream()
            .filter(t -> guard.mayUse(caller, t))
            .map(ResourceTemplate::info)
            .toList();
    return Pagination.page(all, cursor, options.pageSize(), "templates");
  }

  /** Reads a concrete resource, else the first template that matches; -32002 when none does. */
  public Future<ReadResourceResult> readResource(String uri, CallContext context) {
    Optional<Resource> resource = backend.resource(uri);
    try {
      if (resource.isPresent()) {
        return guard(resource.get().reader().read(uri, Map.of(), context), "resource");
      }
      for (ResourceTemplate template : backend.resourceTemplates()) {
        Optional<Map<String, String>> vars = template.template().match(uri);
        if (vars.isPresent()) {
          return guard(template.reader().read(uri, vars.get(), context), "resource");
        }
      }
    } catch (RuntimeException e) {
      return guard(Future.failedFuture(e), "resource");
    }
    return Future.failedFuture(resourceNotFound(uri));
  }

  /** True when {@code uri} names a resource we could read (concrete or by template). */
  public boolean resourceExists(String uri) {
    return backend.resource(uri).isPresent()
        || backend.resourceTemplates().stream().anyMatch(t -> t.template().match(uri).isPresent());
  }

  static McpException resourceNotFound(String uri) {
    return new McpException(
        McpException.RESOURCE_NOT_FOUND, "Resource not found", new JsonObject().put("uri", uri));
  }

  public Page<PromptInfo> listPrompts(Principal caller, String cursor) {
    List<PromptInfo> all =
        backend.prompts().stream().filter(p -> guard.mayUse(caller, p)).map(Prompt::info).toList();
    return Pagination.page(all, cursor, options.pageSize(), "prompts");
  }

  /** Renders a prompt; unknown prompt or a missing required argument is -32602. */
  public Future<GetPromptResult> getPrompt(
      String name, Map<String, String> arguments, CallContext context) {
    Prompt prompt = backend.prompt(name).orElse(null);
    if (prompt == null) {
      return Future.failedFuture(McpException.invalidParams("Unknown prompt: " + name));
    }
    for (PromptArgument arg : prompt.info().arguments()) {
      if (arg.required() && !arguments.containsKey(arg.name())) {
        return Future.failedFuture(
            McpException.invalidParams("Missing required argument: " + arg.name()));
      }
    }
    try {
      return guard(prompt.handler().get(Map.copyOf(arguments), context), "prompt");
    } catch (RuntimeException e) {
      return guard(Future.failedFuture(e), "prompt");
    }
  }

  /** Completes a prompt argument or a template variable; no completer means no suggestions. */
  public Future<CompleteResult> complete(CompleteRequest request) {
    Completer completer;
    if (request.ref() instanceof CompletionReference.Prompt ref) {
      Prompt prompt = backend.prompt(ref.name()).orElse(null);
      if (prompt == null) {
        return Future.failedFuture(McpException.invalidParams("Unknown prompt: " + ref.name()));
      }
      if (prompt.info().arguments().stream()
          .noneMatch(a -> a.name().equals(request.argumentName()))) {
        return Future.failedFuture(
            McpException.invalidParams("Unknown argument: " + request.argumentName()));
      }
      completer = prompt.completers().get(request.argumentName());
    } else {
      String uri = ((CompletionReference.ResourceTemplate) request.ref()).uri();
      ResourceTemplate template =
          backend.resourceTemplates().stream()
              .filter(t -> t.info().uriTemplate().equals(uri))
              .findFirst()
              .orElse(null);
      if (template == null) {
        if (backend.resource(uri).isPresent()) {
          return Future.succeededFuture(CompleteResult.empty());
        }
        return Future.failedFuture(McpException.invalidParams("Unknown resource template: " + uri));
      }
      completer = template.completers().get(request.argumentName());
    }
    if (completer == null) {
      return Future.succeededFuture(CompleteResult.empty());
    }
    return guard(
            completer.complete(request.argumentValue(), request.contextArguments()), "completion")
        .map(CompleteResult::of);
  }

  /**
   * Turns failures of backend code into a safe internal error; McpExceptions (written for callers)
   * and cancellations pass through.
   */
  private static <T> Future<T> guard(Future<T> work, String what) {
    if (work == null) {
      work = Future.failedFuture(new IllegalStateException(what + " handler returned null"));
    }
    return work.recover(
        failure -> {
          if (failure instanceof McpException
              || failure instanceof java.util.concurrent.CancellationException) {
            return Future.failedFuture(failure);
          }
          return Future.failedFuture(InternalFailures.asProtocolError(what + " handler", failure));
        });
  }
}
