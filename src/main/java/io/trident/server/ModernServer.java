package io.trident.server;

import io.trident.auth.AuthFailure;
import io.trident.auth.RateLimiter;
import io.trident.context.CallContext;
import io.trident.context.CallerMetadata;
import io.trident.context.Cancellation;
import io.trident.context.ClientCapabilityMissing;
import io.trident.context.ClientRequests;
import io.trident.context.Deadline;
import io.trident.context.DeadlineBudget;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage.Notification;
import io.trident.server.jsonrpc.JsonRpcMessage.Response;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;

/**
 * The stateless revision (2026-07-28, SPEC.md §11): one request, no session. Every request carries
 * its version and client capabilities in {@code _meta}; results carry {@code resultType} and, where
 * cacheable, {@code ttlMs}/{@code cacheScope}; client requests become {@code input_required}
 * results. Shared by every transport and event loop; each call runs as a {@link StatelessCall} (the
 * deadline budget, cancellation, progress and log rules of the typed gRPC RPCs) after the same rate
 * limits and authorization as a 2025 session request.
 */
public final class ModernServer {

  /** The revisions a request's {@code _meta} may name. */
  public static final List<String> SUPPORTED_VERSIONS = List.of(ModernRequest.VERSION);

  /** Methods of 2026-07-28 this server implements; anything else is -32601 (HTTP 404). */
  static final Set<String> METHODS =
      Set.of(
          "server/discover",
          "tools/list",
          "tools/call",
          "resources/list",
          "resources/templates/list",
          "resources/read",
          "prompts/list",
          "prompts/get",
          "completion/complete",
          "subscriptions/listen");

  /** Only these may answer {@code input_required}. */
  private static final Set<String> MULTI_ROUND_TRIP =
      Set.of("tools/call", "prompts/get", "resources/read");

  static final long DISCOVER_TTL_MS = 300_000;
  static final long LIST_TTL_MS = 60_000;
  static final long READ_TTL_MS = 0;

  /** A response and the HTTP status it goes with (400/404 for rejections before dispatch). */
  public record Answer(Response response, int httpStatus) {
    static Answer ok(Object id, JsonObject result) {
      return new Answer(Response.success(id, result), 200);
    }
  }

  /** Notifications about one call (progress, logs), on the call's context, before its answer. */
  public interface Events {
    void notify(Notification notification);
  }

  /** A call in progress. */
  public record Running(Future<Answer> answer, Runnable cancel) {}

  private final McpServer server;
  private volatile RequestStates states;

  public ModernServer(McpServer server, RequestStates states) {
    this.server = server;
    this.states = states;
  }

  public McpServer core() {
    return server;
  }

  /** Replaces the requestState key (from configuration); call before serving. */
  public void useRequestStates(RequestStates states) {
    this.states = states;
  }

  /**
   * The checks after {@code _meta} (and, on HTTP, the routing headers): version (-32022), then
   * method (-32601). Null when the request may go on.
   */
  public Answer precheck(ModernRequest request) {
    if (!SUPPORTED_VERSIONS.contains(request.version())) {
      JsonObject data =
          new JsonObject()
              .put("supported", new JsonArray(SUPPORTED_VERSIONS))
              .put("requested", request.version());
      return reject(
          request.id(),
          new McpException(
              ModernRequest.UNSUPPORTED_VERSION,
              "Unsupported protocol version: " + request.version(),
              data));
    }
    if (!METHODS.contains(request.method())) {
      return reject(
          request.id(),
          new McpException(McpException.METHOD_NOT_FOUND, "Method not found: " + request.method()));
    }
    return null;
  }

  /** A rejection before dispatch, with its HTTP status: 404 for -32601, else 400. */
  public static Answer reject(Object id, McpException e) {
    return new Answer(
        Response.failure(id, JsonRpcError.of(e)),
        e.code() == McpException.METHOD_NOT_FOUND ? 404 : 400);
  }

  /** The rate limits of {@code principal}, as for a 2025 request; a refusal is the answer. */
  public Future<RateLimiter.Permit> admit(
      ModernRequest request, Principal principal, String transport) {
    return server.guard().limit(principal, transport, request.method(), request.params());
  }

  /**
   * Runs a request that passed {@link #precheck} (any method but {@code subscriptions/listen}).
   * Admission (rate limits), authorization and dispatch happen here.
   */
  public Running call(
      ModernRequest request,
      Principal principal,
      CallerMetadata metadata,
      Deadline wireDeadline,
      String transport,
      Events events) {
    Promise<Answer> answer = Promise.promise();
    StatelessCall[] running = new StatelessCall[1];
    boolean[] cancelled = new boolean[1];
    Future<RateLimiter.Permit> admitted = admit(request, principal, transport);
    admitted.onComplete(
        ar -> {
          if (ar.failed()) {
            answer.complete(failure(request, ar.cause()));
            return;
          }
          RateLimiter.Permit permit = ar.result();
          Future<Answer> out;
          if (cancelled[0]) {
            out = Future.failedFuture(new CancellationException("cancelled"));
          } else {
            out = admitted(request, principal, metadata, wireDeadline, transport, events, running);
          }
          out.onComplete(
              done -> {
                if (permit != RateLimiter.Permit.NONE) {
                  permit.release();
                }
                if (done.succeeded()) {
                  answer.complete(done.result());
                } else {
                  answer.fail(done.cause());
                }
              });
        });
    return new Running(
        answer.future(),
        () -> {
          cancelled[0] = true;
          if (running[0] != null) {
            running[0].cancel(Cancellation.Reason.DISCONNECTED);
          }
        });
  }

  private Future<Answer> admitted(
      ModernRequest request,
      Principal principal,
      CallerMetadata metadata,
      Deadline wireDeadline,
      String transport,
      Events events,
      StatelessCall[] running) {
    AuthFailure denied =
        server.guard().check(principal, transport, request.method(), request.params());
    if (denied != null) {
      return Future.succeededFuture(
          new Answer(
              Response.failure(request.id(), JsonRpcError.of(denied.toMcpException())), 200));
    }
    Deadline requested;
    Round rounds;
    try {
      Object timeout = request.meta().getValue(DeadlineBudget.TIMEOUT_META_KEY);
      try {
        requested = timeout == null ? null : Deadline.timeoutMillis(timeout);
      } catch (IllegalArgumentException e) {
        throw McpException.invalidParams(
            "Invalid params: _meta[\"" + DeadlineBudget.TIMEOUT_META_KEY + "\"] " + e.getMessage());
      }
      rounds = MULTI_ROUND_TRIP.contains(request.method()) ? round(request, principal) : null;
    } catch (McpException e) {
      return Future.succeededFuture(failure(request, e));
    }
    Object progressToken = request.meta().getValue("progressToken");
    boolean wantsProgress = progressToken instanceof String || progressToken instanceof Number;
    // A call that can run long is a stream (its notifications, then its answer): it ends when its
    // credential expires or is revoked, and nothing is written for it after that (SPEC.md §7.7).
    io.trident.auth.StreamGuard guard =
        rounds == null
            ? null
            : server.streamGuards().open(principal, server.vertx().getOrCreateContext());
    StatelessCall call =
        new StatelessCall(
            server,
            principal,
            metadata.withMeta(request.meta()),
            transport,
            request.id(),
            wireDeadline == null ? requested : wireDeadline.earlierOf(requested),
            wantsProgress,
            request.logLevel(),
            new StatelessCall.Events() {
              @Override
              public void progress(double progress, Double total, String message) {
                JsonObject params =
                    new JsonObject().put("progressToken", progressToken).put("progress", progress);
                if (total != null) {
                  params.put("total", total);
                }
                if (message != null) {
                  params.put("message", message);
                }
                if (guard == null || guard.admitMessage()) {
                  events.notify(new Notification("notifications/progress", params));
                }
              }

              @Override
              public void log(LogLevel level, String logger, Object data) {
                JsonObject params = new JsonObject().put("level", level.wire());
                if (logger != null) {
                  params.put("logger", logger);
                }
                params.put("data", data);
                if (guard == null || guard.admitMessage()) {
                  events.notify(new Notification("notifications/message", params));
                }
              }
            },
            ModernRequest.VERSION,
            rounds == null ? ClientRequests.NONE : rounds.client());
    running[0] = call;
    if (guard != null) {
      guard.onEnded(why -> call.cancel(Cancellation.Reason.DISCONNECTED));
    }
    return call.run(context -> dispatch(request, context))
        .transform(
            ar -> {
              if (guard != null) {
                guard.close();
                if (!guard.admits()) {
                  // Answered with why, in the request's words (-32004/-32003 with data.reason).
                  return Future.succeededFuture(
                      new Answer(
                          Response.failure(
                              request.id(), JsonRpcError.of(guard.endedBecause().toMcpException())),
                          200));
                }
              }
              if (rounds != null && rounds.needsInput()) {
                return Future.succeededFuture(
                    Answer.ok(
                        request.id(),
                        withServerInfo(
                            rounds.inputRequired().put("resultType", "input_required"))));
              }
              if (ar.succeeded()) {
                return Future.succeededFuture(
                    Answer.ok(request.id(), complete(request.method(), ar.result())));
              }
              Throwable cause = ar.cause();
              if (cause instanceof CancellationException
                  && !(cause instanceof ClientCapabilityMissing)) {
                // The caller went away: nothing is answered (the transport has nobody to tell).
                return Future.failedFuture(cause);
              }
              return Future.succeededFuture(failure(request, cause));
            });
  }

  private Future<JsonObject> dispatch(ModernRequest modern, CallContext context) {
    JsonObject params = modern.params();
    Principal caller = context.principal();
    return switch (modern.method()) {
      case "server/discover" -> Future.succeededFuture(discover());
      case "tools/list" ->
          Future.succeededFuture(
              McpDispatcher.page(
                  server.listTools(caller, McpDispatcher.cursor(params)),
                  "tools",
                  t -> t.toJson()));
      case "tools/call" -> {
        Object args = params.getValue("arguments");
        if (args != null && !(args instanceof JsonObject)) {
          throw McpException.invalidParams("Invalid params: arguments must be an object");
        }
        yield server
            .callTool(McpDispatcher.requiredString(params, "name"), (JsonObject) args, context)
            .map(r -> r.toJson());
      }
      case "resources/list" ->
          Future.succeededFuture(
              McpDispatcher.page(
                  server.listResources(caller, McpDispatcher.cursor(params)),
                  "resources",
                  r -> r.toJson()));
      case "resources/templates/list" ->
          Future.succeededFuture(
              McpDispatcher.page(
                  server.listResourceTemplates(caller, McpDispatcher.cursor(params)),
                  "resourceTemplates",
                  t -> t.toJson()));
      case "resources/read" ->
          server
              .readResource(McpDispatcher.requiredString(params, "uri"), context)
              .map(r -> r.toJson());
      case "prompts/list" ->
          Future.succeededFuture(
              McpDispatcher.page(
                  server.listPrompts(caller, McpDispatcher.cursor(params)),
                  "prompts",
                  p -> p.toJson()));
      case "prompts/get" ->
          server
              .getPrompt(
                  McpDispatcher.requiredString(params, "name"),
                  McpDispatcher.stringMap(params, "arguments"),
                  context)
              .map(r -> r.toJson());
      case "completion/complete" ->
          server.complete(McpDispatcher.completeRequest(params)).map(r -> r.toJson());
      default ->
          Future.failedFuture(
              new McpException(
                  McpException.METHOD_NOT_FOUND, "Method not found: " + modern.method()));
    };
  }

  /** The {@code server/discover} result (before the common decorations). */
  JsonObject discover() {
    JsonObject result =
        new JsonObject()
            .put("supportedVersions", new JsonArray(SUPPORTED_VERSIONS))
            .put("capabilities", server.capabilities());
    if (server.options().instructions() != null) {
      result.put("instructions", server.options().instructions());
    }
    return result;
  }

  /** {@code resultType}, cache hints where the method is cacheable, and who answered. */
  JsonObject complete(String method, JsonObject result) {
    result.put("resultType", "complete");
    switch (method) {
      case "server/discover" -> cache(result, DISCOVER_TTL_MS, "public");
      case "tools/list", "prompts/list", "resources/list", "resources/templates/list" ->
          // Lists depend on the caller's scopes: never shared between users.
          cache(result, LIST_TTL_MS, "private");
      case "resources/read" -> cache(result, READ_TTL_MS, "private");
      default -> {}
    }
    return withServerInfo(result);
  }

  private static void cache(JsonObject result, long ttlMs, String scope) {
    result.put("ttlMs", ttlMs).put("cacheScope", scope);
  }

  JsonObject withServerInfo(JsonObject result) {
    JsonObject meta = result.getValue("_meta") instanceof JsonObject m ? m : new JsonObject();
    meta.put(ModernRequest.META_SERVER_INFO, server.options().serverInfo().toJson());
    return result.put("_meta", meta);
  }

  // --- Multi-round-trip -------------------------------------------------------------------------

  /**
   * The multi-round-trip state of one call (SPEC.md §11.5): the client-request channel its handler
   * gets, and, if the handler asked something not yet answered, the {@code input_required} result.
   * Typed gRPC RPCs use this directly; JSON-RPC requests through {@link #call}.
   */
  public final class Round {
    private final JsonObject binding;
    private final InputRounds rounds;

    private Round(JsonObject binding, InputRounds rounds) {
      this.binding = binding;
      this.rounds = rounds;
    }

    public io.trident.context.ClientRequests client() {
      return rounds;
    }

    /** Whether the handler's run ended waiting for input the client must give first. */
    public boolean needsInput() {
      return rounds.needsInput();
    }

    /** {@code {inputRequests, requestState}} for the next round (after {@link #needsInput}). */
    public JsonObject inputRequired() {
      JsonObject asked = new JsonObject();
      rounds.asked().forEach(asked::put);
      JsonObject answered = new JsonObject();
      // Answers travel on to the next round, except those being asked again.
      rounds
          .answers()
          .forEach(
              (key, value) -> {
                if (!asked.containsKey(key)) {
                  answered.put(key, value);
                }
              });
      String state = states.seal(new JsonObject().put("for", binding).put("answers", answered));
      return new JsonObject().put("inputRequests", asked).put("requestState", state);
    }
  }

  /**
   * Opens a round of a {@code tools/call}, {@code prompts/get} or {@code resources/read}: verifies
   * the {@code requestState} (if any) and gathers the answers so far. A state that was forged,
   * altered, expired, used before or issued for another principal, method, target or arguments is
   * -32602, as is {@code inputResponses} that is not an object.
   *
   * @param requestState the state the client echoes, or null (first round)
   * @param inputResponses the client's answers by key, or null
   */
  public Round round(
      Principal principal,
      String method,
      String target,
      Object arguments,
      io.trident.model.ClientCapabilities capabilities,
      String requestState,
      JsonObject inputResponses) {
    JsonObject binding = binding(principal, method, target, arguments);
    Map<String, JsonObject> answers = new HashMap<>();
    if (requestState != null) {
      JsonObject payload = states.open(requestState);
      if (!binding.equals(payload.getJsonObject("for"))) {
        throw RequestStates.refused("was issued for another request or caller");
      }
      if (payload.getValue("answers") instanceof JsonObject earlier) {
        for (Map.Entry<String, Object> e : earlier) {
          if (e.getValue() instanceof JsonObject a) {
            answers.put(e.getKey(), a);
          }
        }
      }
    }
    if (inputResponses != null) {
      for (Map.Entry<String, Object> e : inputResponses) {
        // Not an object: not an answer; the request is asked again.
        if (e.getValue() instanceof JsonObject a) {
          answers.put(e.getKey(), a);
        }
      }
    }
    return new Round(binding, new InputRounds(capabilities, answers));
  }

  private Round round(ModernRequest request, Principal principal) {
    JsonObject params = request.params();
    String state = null;
    if (params.containsKey("requestState")) {
      if (!(params.getValue("requestState") instanceof String s)) {
        throw McpException.invalidParams("Invalid params: requestState must be a string");
      }
      state = s;
    }
    JsonObject responses = null;
    if (params.containsKey("inputResponses")) {
      if (!(params.getValue("inputResponses") instanceof JsonObject r)) {
        throw McpException.invalidParams("Invalid params: inputResponses must be an object");
      }
      responses = r;
    }
    return round(
        principal,
        request.method(),
        request.routingName(),
        params.getValue("arguments"),
        request.capabilities(),
        state,
        responses);
  }

  /** What a requestState is bound to: caller, method, target and a digest of the arguments. */
  private static JsonObject binding(
      Principal principal, String method, String target, Object arguments) {
    return new JsonObject()
        .put("sub", principal.credentialKind() + ":" + principal.subject())
        .put("method", method)
        .put("target", target)
        .put("args", RequestStates.digest(arguments == null ? new JsonObject() : arguments));
  }

  // --- Errors -----------------------------------------------------------------------------------

  /**
   * A failure in this revision's words: resource not found is -32602 (never -32002), a missing
   * client capability -32021 with {@code data.requiredCapabilities} (HTTP 400); rate limits keep
   * their data (the HTTP transport answers 429).
   */
  Answer failure(ModernRequest request, Throwable failure) {
    if (failure instanceof ClientCapabilityMissing missing) {
      return reject(
          request.id(),
          new McpException(
              ModernRequest.MISSING_CLIENT_CAPABILITY,
              "Missing required client capability: " + missing.capability(),
              new JsonObject()
                  .put(
                      "requiredCapabilities",
                      new JsonObject().put(missing.capability(), new JsonObject()))));
    }
    McpException e =
        failure instanceof McpException m
            ? m
            : InternalFailures.asProtocolError(request.method(), failure);
    if (e.code() == McpException.RESOURCE_NOT_FOUND) {
      e = new McpException(McpException.INVALID_PARAMS, e.getMessage(), e.data());
    }
    int status = e.code() == McpException.RATE_LIMITED ? 429 : 200;
    return new Answer(Response.failure(request.id(), JsonRpcError.of(e)), status);
  }
}
