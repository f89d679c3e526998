package io.trident.server;

import io.trident.auth.AuthFailure;
import io.trident.auth.AuthorizationEnded;
import io.trident.auth.RateLimiter;
import io.trident.auth.StreamGuard;
import io.trident.backend.BackendListener;
import io.trident.context.CallContext;
import io.trident.context.CallerMetadata;
import io.trident.context.Cancellation;
import io.trident.context.ClientRequests;
import io.trident.context.Deadline;
import io.trident.context.DeadlineBudget;
import io.trident.context.LogSink;
import io.trident.context.Principal;
import io.trident.context.ProgressSink;
import io.trident.model.ClientCapabilities;
import io.trident.model.Implementation;
import io.trident.model.InitializeRequest;
import io.trident.model.InitializeResult;
import io.trident.model.McpException;
import io.trident.observe.Observe;
import io.trident.observe.Outcome;
import io.trident.observe.RequestObservation;
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.JsonRpcMessage.Notification;
import io.trident.server.jsonrpc.JsonRpcMessage.Request;
import io.trident.server.jsonrpc.JsonRpcMessage.Response;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MCP session: the lifecycle state machine and everything that is per connection (negotiated
 * version, client capabilities, log level, subscriptions, requests in flight both ways). Every
 * message a transport receives passes through {@link #handle}; every method must be called on the
 * session's Vert.x context, which keeps the state single-threaded without locks.
 */
public final class McpSession {

  private static final Logger LOG = LoggerFactory.getLogger(McpSession.class);

  private enum State {
    NEW,
    INITIALIZED,
    READY,
    CLOSED
  }

  private final McpServer server;
  private final Vertx vertx;
  private final Context context;
  private Principal principal;
  private final String transport;
  private final MessageSink sink;
  private final McpDispatcher dispatcher;
  private final Map<Object, InFlight> inFlight = new HashMap<>();
  private final Map<Long, PendingClientRequest> pendingClientRequests = new HashMap<>();
  private final Set<String> subscriptions = new HashSet<>();
  private final Runnable unlisten;
  private final List<Handler<AuthorizationEnded>> authorizationEndedHandlers = new ArrayList<>();
  private StreamGuard streamGuard;

  private State state = State.NEW;
  private ProtocolVersion version;
  private ClientCapabilities clientCapabilities = ClientCapabilities.NONE;
  private Implementation clientInfo;
  private LogLevel logLevel;
  private long nextOutgoingId = 1;
  private Deadline wireDeadline;
  private CallerMetadata callerMetadata = CallerMetadata.EMPTY;
  private Promise<Void> idle;
  private StateChange stateChanged;

  public McpSession(
      McpServer server, Context context, Principal principal, String transport, MessageSink sink) {
    this.server = server;
    this.vertx = server.vertx();
    this.context = context;
    this.principal = principal;
    this.transport = transport;
    this.sink = sink;
    this.dispatcher = new McpDispatcher(server, this);
    this.logLevel = LogLevel.parse(server.options().defaultLogLevel()).orElse(LogLevel.INFO);
    this.unlisten = server.listen(new SessionNotifier());
    guard(principal);
    Observe.sessionOpened(transport);
  }

  /**
   * A session initialized elsewhere (another instance, SPEC.md §5.7), ready for requests: its
   * negotiated version, client capabilities, log level and subscriptions are {@code state}'s.
   */
  public static McpSession restore(
      McpServer server,
      Context context,
      Principal principal,
      String transport,
      MessageSink sink,
      SessionState state) {
    McpSession session = new McpSession(server, context, principal, transport, sink);
    session.state = State.READY;
    session.version = state.version();
    session.clientCapabilities = state.capabilities();
    session.clientInfo = state.clientInfo();
    session.logLevel = state.logLevel();
    session.subscriptions.addAll(state.subscriptions());
    return session;
  }

  /**
   * What the session is now, for another instance to carry on from; null before {@code initialize}
   * succeeded. Call on the session's context.
   */
  public SessionState state() {
    if (version == null || clientInfo == null) {
      return null;
    }
    return new SessionState(version, clientCapabilities, clientInfo, logLevel, subscriptions);
  }

  /**
   * Takes the log level and subscriptions of {@code shared} (as another instance changed them).
   * Call on the session's context.
   */
  public void refresh(SessionState shared) {
    logLevel = shared.logLevel();
    if (!subscriptions.equals(shared.subscriptions())) {
      subscriptions.clear();
      subscriptions.addAll(shared.subscriptions());
    }
  }

  /**
   * Runs {@code handler} each time {@code logging/setLevel} or a (un)subscription changes the
   * session's state, with the resource URI for a subscription change (null for the log level).
   */
  public void onStateChanged(StateChange handler) {
    this.stateChanged = handler;
  }

  /** A change of the shared part of a session's state. */
  public interface StateChange {
    /**
     * @param uri the resource (un)subscribed, or null when the log level changed
     * @param subscribed whether {@code uri} is subscribed now
     */
    void changed(SessionState now, String uri, boolean subscribed);
  }

  /**
   * Numbers this session's server-to-client requests from {@code first}, so that ids stay unique in
   * a session served by several instances (each starts from its own range).
   */
  public void numberOutgoingFrom(long first) {
    nextOutgoingId = first;
  }

  /** Whether the client request {@code id} (as the wire carried it) is in progress here. */
  public boolean runs(Object id) {
    Object key = id instanceof Number n ? (Object) n.longValue() : id;
    return key != null && inFlight.containsKey(key);
  }

  /** Whether this session waits here for the client's answer to its request {@code id}. */
  public boolean awaits(long id) {
    return pendingClientRequests.containsKey(id);
  }

  /** Watches the authorization of {@code caller} for this session's stream(s), replacing any. */
  private void guard(Principal caller) {
    if (streamGuard != null) {
      streamGuard.close();
    }
    StreamGuard g = server.streamGuards().open(caller, context);
    streamGuard = g;
    g.onEnded(
        why -> {
          if (g == streamGuard) {
            authorizationEnded(why);
          }
        });
  }

  /**
   * Runs {@code handler} on the session's context each time the stream guard ends this session's
   * authorization (expiry, revocation, fail closed), after the session has answered its requests in
   * progress with the auth error. The transport ends its stream(s) there, in its wire's words.
   */
  public void onAuthorizationEnded(Handler<AuthorizationEnded> handler) {
    authorizationEndedHandlers.add(handler);
  }

  /** The guard of the credential the session now runs under. */
  public StreamGuard streamGuard() {
    return streamGuard;
  }

  /**
   * The caller of the messages handled from now on, as the transport authenticated it again: same
   * owner, but scopes and claims of the credential it presents now (a stepped-up or narrower
   * token), never those of the one that opened the session. Requests already running keep theirs.
   * Call on the session's context.
   */
  public void authenticatedAs(Principal caller) {
    if (!caller.equals(principal)) {
      guard(caller);
    }
    this.principal = caller;
  }

  /**
   * What the wire carried with the messages handled from now on (the headers of this HTTP POST, the
   * metadata of the gRPC stream); each request adds its own {@code _meta}. Call on the session's
   * context.
   */
  public void receivedWith(CallerMetadata metadata) {
    receivedWith(metadata, null);
  }

  /**
   * As {@link #receivedWith(CallerMetadata)}, with the deadline the wire stated for these messages
   * (an HTTP POST's {@code Mcp-Timeout-Ms}, a {@code Connect} stream's {@code grpc-timeout}), or
   * null for none. Every request handled from now on finishes by then at the latest; a request's
   * own {@code _meta} deadline may make it earlier still.
   */
  public void receivedWith(CallerMetadata metadata, Deadline deadline) {
    this.callerMetadata = metadata == null ? CallerMetadata.EMPTY : metadata;
    this.wireDeadline = deadline;
  }

  /**
   * Handles one decoded wire message and returns what to send back: a {@link JsonObject} for a
   * single response, a {@link JsonArray} for a batch, or null when nothing is to be sent.
   */
  public Future<Object> handle(JsonRpcCodec.Decoded decoded) {
    if (decoded instanceof JsonRpcCodec.Invalid invalid) {
      return Future.succeededFuture(invalid.error().toJson());
    }
    if (decoded instanceof JsonRpcCodec.Single single) {
      return handle(single.message()).map(r -> r == null ? null : r.toJson());
    }
    return handleBatch(((JsonRpcCodec.Batch) decoded).entries()).map(r -> r);
  }

  /**
   * Handles one message; completes with the response to send, or null (notification, cancelled).
   */
  public Future<Response> handle(JsonRpcMessage message) {
    if (message instanceof Request request) {
      return handleRequest(request);
    }
    long wait = server.guard().admitMessage(principal, transport);
    if (wait != 0) {
      // Nothing can answer a notification: it is dropped; HTTP tells its POST so (429).
      return Future.failedFuture(RateLimiter.refusal(wait, "notifications"));
    }
    if (message instanceof Notification notification) {
      handleNotification(notification);
    } else {
      handleResponse((Response) message);
    }
    return Future.succeededFuture();
  }

  /** JSON-RPC batches: only under 2025-03-26, and never holding {@code initialize}. */
  public Future<JsonArray> handleBatch(List<JsonRpcCodec.Decoded> entries) {
    if (version == null || !version.allowsBatches()) {
      String why =
          version == null
              ? "Invalid Request: batches are not accepted before initialization"
              : "Invalid Request: JSON-RPC batches are not supported in protocol version "
                  + version.wire();
      JsonArray one =
          new JsonArray()
              .add(
                  Response.failure(null, new JsonRpcError(McpException.INVALID_REQUEST, why, null))
                      .toJson());
      return Future.succeededFuture(one);
    }
    List<Future<Response>> replies = new ArrayList<>(entries.size());
    for (JsonRpcCodec.Decoded entry : entries) {
      if (entry instanceof JsonRpcCodec.Invalid invalid) {
        replies.add(Future.succeededFuture(invalid.error()));
      } else {
        JsonRpcMessage message = ((JsonRpcCodec.Single) entry).message();
        if (message instanceof Request r && "initialize".equals(r.method())) {
          replies.add(
              Future.succeededFuture(
                  error(
                      r.id(),
                      McpException.INVALID_REQUEST,
                      "Invalid Request: initialize must not be part of a batch")));
        } else {
          replies.add(handle(message));
        }
      }
    }
    return Future.join(replies)
        .transform(
            ignored -> {
              JsonArray out = new JsonArray();
              for (Future<Response> reply : replies) {
                if (reply.succeeded() && reply.result() != null) {
                  out.add(reply.result().toJson());
                }
              }
              return Future.succeededFuture(out.isEmpty() ? null : out);
            });
  }

  /**
   * Every request counts against its principal's rate limits first (SPEC.md §7.8): a refusal is a
   * JSON-RPC error with a retry hint, and the session goes on.
   */
  private Future<Response> handleRequest(Request request) {
    if (state == State.CLOSED) {
      return Future.succeededFuture(
          error(request.id(), McpException.INVALID_REQUEST, "Session is closed"));
    }
    Future<RateLimiter.Permit> admitted =
        server.guard().limit(principal, transport, request.method(), request.params());
    if (admitted.isComplete()) {
      return admitted.succeeded()
          ? withPermit(request, admitted.result())
          : Future.succeededFuture(failureResponse(request, admitted.cause()));
    }
    // Waiting on Redis for a lease of tokens: the session's work goes on on its own context.
    Promise<Response> answer = Promise.promise();
    admitted.onComplete(
        ar ->
            runOnSession(
                () -> {
                  if (ar.succeeded()) {
                    withPermit(request, ar.result()).onComplete(answer);
                  } else {
                    answer.complete(failureResponse(request, ar.cause()));
                  }
                }));
    return answer.future();
  }

  private Future<Response> withPermit(Request request, RateLimiter.Permit permit) {
    Future<Response> out = admittedRequest(request);
    if (permit != RateLimiter.Permit.NONE) {
      out.onComplete(ar -> permit.release());
    }
    return out;
  }

  private Future<Response> admittedRequest(Request request) {
    if (state == State.CLOSED) {
      return Future.succeededFuture(
          error(request.id(), McpException.INVALID_REQUEST, "Session is closed"));
    }
    if ("initialize".equals(request.method())) {
      Response response = initialize(request);
      // After the reply is on its way, so that warming up does not delay it.
      context.runOnContext(v -> server.warmUp());
      return Future.succeededFuture(response);
    }
    if (state == State.NEW && !"ping".equals(request.method())) {
      return Future.succeededFuture(
          error(
              request.id(),
              McpException.INVALID_REQUEST,
              "Invalid Request: the session is not initialized; send initialize first"));
    }
    if (inFlight.containsKey(request.id())) {
      return Future.succeededFuture(
          error(
              request.id(),
              McpException.INVALID_REQUEST,
              "Invalid Request: a request with this id is already in progress"));
    }
    if (!streamGuard.admitMessage()) {
      return Future.succeededFuture(
          Response.failure(
              request.id(), JsonRpcError.of(streamGuard.endedBecause().toMcpException())));
    }
    AuthFailure denied =
        server.guard().check(principal, transport, request.method(), request.params());
    if (denied != null) {
      return Future.succeededFuture(
          Response.failure(request.id(), JsonRpcError.of(denied.toMcpException())));
    }
    Deadline requested;
    try {
      requested = requestedDeadline(request);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(
          error(
              request.id(),
              McpException.INVALID_PARAMS,
              "Invalid params: _meta[\""
                  + DeadlineBudget.TIMEOUT_META_KEY
                  + "\"] "
                  + e.getMessage()));
    }
    InFlight call = new InFlight(request, requested);
    inFlight.put(request.id(), call);
    Future<JsonObject> work;
    try {
      work = dispatcher.dispatch(request, call.context);
    } catch (RuntimeException e) {
      work = Future.failedFuture(e);
    }
    // Whichever comes first wins: the work's outcome, or a cancellation (whose outcome the work
    // may also report, as a failure, when it stops early).
    call.context
        .cancellation()
        .future()
        .onSuccess(reason -> call.finish(cancelledOutcome(request, reason)));
    work.onComplete(
        ar -> {
          Cancellation.Reason reason = call.context.cancellation().reason();
          if (reason != null) {
            call.finish(cancelledOutcome(request, reason));
          } else {
            call.finish(
                ar.succeeded()
                    ? Response.success(request.id(), ar.result())
                    : failureResponse(request, ar.cause()));
          }
        });
    call.armDeadline();
    return call.response.future();
  }

  private Response initialize(Request request) {
    if (state != State.NEW) {
      return error(
          request.id(),
          McpException.INVALID_REQUEST,
          "Invalid Request: the session is already initialized");
    }
    JsonObject params = request.params();
    if (!(params.getValue("protocolVersion") instanceof String requested)) {
      return error(
          request.id(),
          McpException.INVALID_PARAMS,
          "Invalid params: protocolVersion must be a string");
    }
    InitializeRequest init =
        new InitializeRequest(
            requested,
            ClientCapabilities.fromJson(
                params.getValue("capabilities") instanceof JsonObject c ? c : null),
            Implementation.fromJson(
                params.getValue("clientInfo") instanceof JsonObject i ? i : null));
    InitializeResult result = server.initialize(init);
    version = ProtocolVersion.negotiate(result.protocolVersion());
    clientCapabilities = init.capabilities();
    clientInfo = init.clientInfo();
    state = State.INITIALIZED;
    LOG.debug(
        "session initialized over {} by {} {} with protocol {}",
        transport,
        clientInfo.name(),
        clientInfo.version(),
        version.wire());
    return Response.success(request.id(), result.toJson());
  }

  private void handleNotification(Notification notification) {
    switch (notification.method()) {
      case "notifications/initialized" -> {
        if (state == State.INITIALIZED) {
          state = State.READY;
        }
      }
      case "notifications/cancelled" -> {
        JsonObject params =
            notification.params() == null ? new JsonObject() : notification.params();
        Object id = params.getValue("requestId");
        Object key = id instanceof Number n ? (Object) n.longValue() : id;
        InFlight call = key == null ? null : inFlight.get(key);
        // Unknown, finished or initialize: ignored, as the spec allows.
        if (call != null && !"initialize".equals(call.request.method())) {
          call.context.cancellation().cancel(Cancellation.Reason.CLIENT_CANCELLED);
        }
      }
      default -> LOG.debug("ignoring notification {}", notification.method());
    }
  }

  private void handleResponse(Response response) {
    Object id = response.id();
    PendingClientRequest pending = id instanceof Long l ? pendingClientRequests.remove(l) : null;
    if (pending == null) {
      LOG.debug("ignoring a response to an unknown request id");
      return;
    }
    pending.settle(response);
  }

  /** Ends the session: cancels work in both directions and stops notifications. Idempotent. */
  public void close(Cancellation.Reason reason) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    Observe.sessionClosed(transport);
    unlisten.run();
    streamGuard.close();
    for (InFlight call : List.copyOf(inFlight.values())) {
      call.context.cancellation().cancel(reason);
    }
    for (PendingClientRequest pending : List.copyOf(pendingClientRequests.values())) {
      pending.fail(new McpException(McpException.INTERNAL_ERROR, "Session closed"));
    }
    pendingClientRequests.clear();
  }

  /**
   * The stream guard ended this session's authorization: requests in progress get the auth error
   * (their work is cancelled), server requests waiting for the client fail, and from now on
   * requests get the same error and nothing else is sent, until a transport brings a new credential
   * ({@link #authenticatedAs}) or closes the session.
   */
  private void authorizationEnded(AuthorizationEnded why) {
    if (state == State.CLOSED) {
      return;
    }
    JsonRpcError error = JsonRpcError.of(why.toMcpException());
    for (InFlight call : List.copyOf(inFlight.values())) {
      call.finish(Response.failure(call.request.id(), error));
    }
    for (PendingClientRequest pending : List.copyOf(pendingClientRequests.values())) {
      pending.fail(new McpException(McpException.INTERNAL_ERROR, "Authorization ended"));
    }
    pendingClientRequests.clear();
    for (Handler<AuthorizationEnded> h : List.copyOf(authorizationEndedHandlers)) {
      h.handle(why);
    }
  }

  /**
   * Cancels one request in progress, as a transport does when its caller went away (e.g. the HTTP
   * connection closed). No response is produced for it. Unknown ids are ignored.
   */
  public void cancelRequest(Object requestId, Cancellation.Reason reason) {
    InFlight call = inFlight.get(requestId);
    if (call != null) {
      call.context.cancellation().cancel(reason);
    }
  }

  public boolean isClosed() {
    return state == State.CLOSED;
  }

  /** Requests in progress; for transports that wait for them on shutdown. */
  public int inFlightCount() {
    return inFlight.size();
  }

  /**
   * Completes when no request is in progress (at once if none is): a transport that stopped reading
   * (stdio at EOF) waits for this before it closes the session. Call on the session's context.
   */
  public Future<Void> whenIdle() {
    if (inFlight.isEmpty()) {
      return Future.succeededFuture();
    }
    if (idle == null) {
      idle = Promise.promise();
    }
    return idle.future();
  }

  /** The negotiated protocol version, or null before initialize. */
  public ProtocolVersion protocolVersion() {
    return version;
  }

  public Context context() {
    return context;
  }

  // --- Called by the dispatcher -------------------------------------------------------------

  /** The version that governs this request; per request so that a stateless revision can set it. */
  ProtocolVersion versionFor(Request request) {
    return version == null ? ProtocolVersion.LATEST : version;
  }

  void setLogLevel(LogLevel level) {
    logLevel = level;
    changed(null, false);
  }

  void subscribe(String uri) {
    if (subscriptions.add(uri)) {
      changed(uri, true);
    }
  }

  void unsubscribe(String uri) {
    if (subscriptions.remove(uri)) {
      changed(uri, false);
    }
  }

  private void changed(String uri, boolean subscribed) {
    SessionState now = state();
    if (stateChanged != null && now != null) {
      stateChanged.changed(now, uri, subscribed);
    }
  }

  // --- Internals ------------------------------------------------------------------------------

  private Response failureResponse(Request request, Throwable failure) {
    if (failure instanceof McpException e) {
      return Response.failure(request.id(), JsonRpcError.of(e));
    }
    return Response.failure(
        request.id(), JsonRpcError.of(InternalFailures.asProtocolError(request.method(), failure)));
  }

  /** A deadline gets an error; a client cancel, disconnect or shutdown gets no response at all. */
  private static Response cancelledOutcome(Request request, Cancellation.Reason reason) {
    return reason == Cancellation.Reason.DEADLINE_EXCEEDED
        ? error(request.id(), McpException.REQUEST_TIMEOUT, "Request exceeded its deadline")
        : null;
  }

  private static Response error(Object id, int code, String message) {
    return Response.failure(id, new JsonRpcError(code, message, null));
  }

  /**
   * Sends on the session's context, whatever thread the caller is on (blocking tools report from
   * workers).
   */
  private void send(JsonRpcMessage message, Object relatedRequestId) {
    runOnSession(
        () -> {
          if (state != State.CLOSED && streamGuard.admitMessage()) {
            sink.send(message, relatedRequestId);
          }
        });
  }

  /**
   * Sends a notification about a request unless the request has ended (its progress closed) by the
   * time it reaches the session's context: a tool on a worker may report just as its deadline
   * passes, and nothing may follow a request's response.
   */
  private void sendUntilEnd(Notification message, Object requestId, RequestProgress progress) {
    runOnSession(
        () -> {
          if (state != State.CLOSED && !progress.closed) {
            sink.send(message, requestId);
          }
        });
  }

  private void runOnSession(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  /**
   * A client request being handled: its context, deadline timer and the response to deliver once.
   */
  private final class InFlight {
    final Request request;
    final CallContext context;
    final Promise<Response> response = Promise.promise();
    final RequestProgress progress;
    final DeadlineBudget budget;
    final RequestObservation observation;

    InFlight(Request request, Deadline requested) {
      this.request = request;
      Cancellation cancellation = new Cancellation();
      this.budget =
          new DeadlineBudget(
              vertx,
              Deadline.after(server.options().requestTimeout())
                  .earlierOf(wireDeadline)
                  .earlierOf(requested),
              cancellation);
      this.progress = new RequestProgress(request);
      this.context =
          new CallContext(
              vertx,
              McpSession.this.context,
              principal,
              callerMetadata.withMeta(meta(request)),
              transport,
              versionFor(request).wire(),
              request.id(),
              budget,
              cancellation,
              progress,
              new RequestLog(request.id(), progress),
              new SessionClientRequests(request.id(), cancellation, budget),
              () -> runOnSession(() -> sink.closeStream(request.id())));
      server.inFlight().add(cancellation, McpSession.this.context);
      observation = Observe.request(server.backend(), context, request.method(), request.params());
    }

    /**
     * Starts the deadline timer. Only for requests still running after their first turn on the
     * event loop: most finish within it, and a timer per request is measurable on the hot path.
     */
    void armDeadline() {
      if (!response.future().isComplete()) {
        budget.arm();
      }
    }

    /**
     * Delivers the first outcome only: after a cancel, a late result is dropped as the spec asks.
     */
    void finish(Response outcome) {
      if (response.tryComplete(outcome)) {
        inFlight.remove(request.id());
        progress.closed = true;
        budget.disarm();
        // A cancelled request has no response at all (null).
        observation.end(
            outcome == null
                ? Outcome.CANCELLED
                : outcome.error() != null
                    ? Outcome.ofCode(outcome.error().code())
                    : Outcome.ofResult(outcome.result()));
        // Work that is still running hears that nobody waits for it any more.
        context.cancellation().cancel(Cancellation.Reason.COMPLETED);
        server.inFlight().remove(context.cancellation());
        if (idle != null && inFlight.isEmpty()) {
          Promise<Void> waiting = idle;
          idle = null;
          waiting.complete();
        }
      }
    }
  }

  /** The deadline the request states in {@code _meta}, or null; malformed values throw. */
  private static Deadline requestedDeadline(Request request) {
    JsonObject meta = meta(request);
    Object value = meta == null ? null : meta.getValue(DeadlineBudget.TIMEOUT_META_KEY);
    return value == null ? null : Deadline.timeoutMillis(value);
  }

  /** The request's {@code params._meta}, or null. */
  private static JsonObject meta(Request request) {
    return request.params() != null && request.params().getValue("_meta") instanceof JsonObject m
        ? m
        : null;
  }

  /** Progress for one request: only with a token, only increasing, and never after the response. */
  private final class RequestProgress implements ProgressSink {
    private final Object token;
    private final Object requestId;
    private double last = Double.NEGATIVE_INFINITY;
    volatile boolean closed;

    RequestProgress(Request request) {
      JsonObject meta = meta(request);
      Object t = meta == null ? null : meta.getValue("progressToken");
      this.token = t instanceof String || t instanceof Number ? t : null;
      this.requestId = request.id();
    }

    @Override
    public synchronized void report(double progress, Double total, String message) {
      if (token == null || closed || !(progress > last)) {
        return;
      }
      last = progress;
      JsonObject params = new JsonObject().put("progressToken", token).put("progress", progress);
      if (total != null) {
        params.put("total", total);
      }
      if (message != null) {
        params.put("message", message);
      }
      sendUntilEnd(new Notification("notifications/progress", params), requestId, this);
    }
  }

  /** Log notifications for one request, filtered by the session's level; none after its end. */
  private final class RequestLog implements LogSink {
    private final Object requestId;

    /** The same request's progress: closed once the request has ended. */
    private final RequestProgress progress;

    RequestLog(Object requestId, RequestProgress progress) {
      this.requestId = requestId;
      this.progress = progress;
    }

    @Override
    public void log(String level, String logger, Object data) {
      LogLevel parsed = LogLevel.parse(level).orElse(LogLevel.INFO);
      if (progress.closed || parsed.compareTo(logLevel) < 0) {
        return;
      }
      JsonObject params = new JsonObject().put("level", parsed.wire());
      if (logger != null) {
        params.put("logger", logger);
      }
      params.put("data", data);
      sendUntilEnd(new Notification("notifications/message", params), requestId, progress);
    }
  }

  /** A request we sent to the client, waiting for its response or its timeout. */
  private final class PendingClientRequest {
    final long id;
    final String method;
    final Promise<JsonObject> promise = Promise.promise();
    final long timer;
    final Object relatedRequestId;

    PendingClientRequest(long id, String method, long timeoutMillis, Object relatedRequestId) {
      this.id = id;
      this.method = method;
      this.relatedRequestId = relatedRequestId;
      this.timer =
          vertx.setTimer(
              Math.max(1, timeoutMillis),
              t ->
                  abandon(
                      "timeout",
                      new McpException(
                          McpException.REQUEST_TIMEOUT,
                          "The client did not answer " + method + " in time")));
    }

    void settle(Response response) {
      vertx.cancelTimer(timer);
      if (response.isError()) {
        promise.tryFail(
            new McpException(
                response.error().code(),
                "The client refused " + method + ": " + response.error().message()));
      } else {
        promise.tryComplete(response.result());
      }
    }

    void fail(McpException e) {
      vertx.cancelTimer(timer);
      promise.tryFail(e);
    }

    /** Gives up on the request and tells the client so, as the spec advises on timeouts. */
    void abandon(String reason, McpException failure) {
      if (pendingClientRequests.remove(id) != null) {
        send(
            new Notification(
                "notifications/cancelled",
                new JsonObject().put("requestId", id).put("reason", reason)),
            relatedRequestId);
      }
      fail(failure);
    }
  }

  /** Server-to-client requests made on behalf of one client request. */
  private final class SessionClientRequests implements ClientRequests {
    private final Object relatedRequestId;
    private final Cancellation cancellation;
    private final DeadlineBudget budget;

    SessionClientRequests(
        Object relatedRequestId, Cancellation cancellation, DeadlineBudget budget) {
      this.relatedRequestId = relatedRequestId;
      this.cancellation = cancellation;
      this.budget = budget;
    }

    @Override
    public Future<JsonObject> createMessage(JsonObject params) {
      if (!supportsSampling()) {
        return unsupported("sampling");
      }
      return request("sampling/createMessage", params);
    }

    @Override
    public Future<JsonObject> elicit(JsonObject params) {
      if (!supportsElicitation()) {
        return unsupported("elicitation");
      }
      Object mode = params.getValue("mode");
      if (mode != null && !"form".equals(mode)) {
        return Future.failedFuture(
            McpException.invalidParams("The client did not declare elicitation mode " + mode));
      }
      return request("elicitation/create", params);
    }

    @Override
    public Future<JsonObject> listRoots() {
      if (!supportsRoots()) {
        return unsupported("roots");
      }
      return request("roots/list", new JsonObject());
    }

    @Override
    public boolean supportsSampling() {
      return clientCapabilities.sampling();
    }

    @Override
    public boolean supportsElicitation() {
      return clientCapabilities.elicitationForm();
    }

    @Override
    public boolean supportsRoots() {
      return clientCapabilities.roots();
    }

    private Future<JsonObject> unsupported(String capability) {
      return Future.failedFuture(
          new McpException(
              McpException.METHOD_NOT_FOUND, "The client does not support " + capability));
    }

    private Future<JsonObject> request(String method, JsonObject params) {
      Promise<JsonObject> result = Promise.promise();
      context.runOnContext(
          v -> {
            if (state == State.CLOSED || cancellation.isCancelled()) {
              result.fail(new java.util.concurrent.CancellationException("request cancelled"));
              return;
            }
            long id = nextOutgoingId++;
            long timeout =
                Math.min(
                    server.options().clientRequestTimeout().toMillis(),
                    budget.deadline().remaining().toMillis());
            PendingClientRequest pending =
                new PendingClientRequest(id, method, timeout, relatedRequestId);
            pendingClientRequests.put(id, pending);
            cancellation
                .future()
                .onSuccess(
                    reason ->
                        pending.abandon(
                            "cancelled",
                            new McpException(
                                McpException.INTERNAL_ERROR,
                                method + " abandoned: the request was cancelled")));
            pending.promise.future().onComplete(result);
            if (!streamGuard.admitMessage()) {
              pendingClientRequests.remove(id);
              pending.fail(new McpException(McpException.INTERNAL_ERROR, "Authorization ended"));
              return;
            }
            sink.send(new Request(id, method, params), relatedRequestId);
          });
      return result.future();
    }
  }

  /** Turns backend changes into notifications for this session, on its context. */
  private final class SessionNotifier implements BackendListener {
    @Override
    public void toolsChanged() {
      notifyInitialized("notifications/tools/list_changed");
    }

    @Override
    public void resourcesChanged() {
      notifyInitialized("notifications/resources/list_changed");
    }

    @Override
    public void promptsChanged() {
      notifyInitialized("notifications/prompts/list_changed");
    }

    @Override
    public void resourceUpdated(String uri) {
      context.runOnContext(
          v -> {
            if (state != State.CLOSED
                && subscriptions.contains(uri)
                && streamGuard.admitMessage()) {
              sink.send(
                  new Notification(
                      "notifications/resources/updated", new JsonObject().put("uri", uri)),
                  null);
            }
          });
    }

    private void notifyInitialized(String method) {
      context.runOnContext(
          v -> {
            if ((state == State.INITIALIZED || state == State.READY)
                && streamGuard.admitMessage()) {
              sink.send(new Notification(method, null), null);
            }
          });
    }
  }
}
