package io.trident.transport.http;

import io.trident.auth.AuthFailure;
import io.trident.auth.AuthorizationEnded;
import io.trident.context.Cancellation;
import io.trident.model.McpException;
import io.trident.server.McpSession;
import io.trident.server.MessageSink;
import io.trident.server.ProtocolVersion;
import io.trident.server.SessionState;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.JsonRpcMessage.Response;
import io.trident.server.jsonrpc.WireJson;
import io.trident.store.SessionStore;
import io.trident.store.SharedState;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of one MCP session: which connection carries which message. A POSTed request is
 * answered as plain JSON unless something must be streamed before its response (progress, logs,
 * server-to-client requests), in which case its response turns into an SSE stream on the spot.
 * Everything here runs on the session's context.
 */
final class HttpSession implements MessageSink {

  private static final Logger LOG = LoggerFactory.getLogger(HttpSession.class);

  /** Finished streams kept for resumption, besides those still running. */
  private static final int KEPT_STREAMS = 64;

  final String id;
  final String subject;
  private final String resourceMetadataUrl;
  private final Vertx vertx;
  private final HttpTransportOptions options;
  private final SharedState shared;
  private final Map<Object, PostCall> calls = new HashMap<>();
  private final Map<Long, SseStream> streams =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, SseStream> eldest) {
          return size() > KEPT_STREAMS && eldest.getValue().finished();
        }
      };
  private McpSession mcp;
  private Context context;
  private SseStream standalone;
  private HttpServerResponse legacyStream;
  private long nextStreamId;
  private boolean localOnly;
  private volatile String seenState;
  private volatile java.util.Set<String> seenSubscriptions;
  volatile long lastActive = System.nanoTime();

  /** Used since the last renewal in the shared store. */
  volatile boolean usedSinceRenewal = true;

  /**
   * @param subject who owns the session (credential kind and subject)
   * @param resourceMetadataUrl where a client learns which credentials to bring (RFC 9728), named
   *     in 403 challenges
   */
  HttpSession(
      String id,
      String subject,
      Vertx vertx,
      HttpTransportOptions options,
      String resourceMetadataUrl,
      SharedState shared) {
    this.shared = shared;
    // Stream numbers carry the instance's tag: unique in the session whoever opens them, and they
    // say which instance holds the stream.
    this.nextStreamId = ((long) shared.bus().tag() << 32) + 1;
    this.id = id;
    this.subject = subject;
    this.resourceMetadataUrl = resourceMetadataUrl;
    this.vertx = vertx;
    this.options = options;
  }

  void bind(McpSession mcp, Context context) {
    this.mcp = mcp;
    this.context = context;
    mcp.onAuthorizationEnded(this::authorizationEnded);
    mcp.numberOutgoingFrom(((long) shared.bus().tag() << 32) + 1);
    if (shared.shared()) {
      mcp.onStateChanged(this::stateChanged);
    }
  }

  /** A session of the legacy transport: bound to its one stream, so to this instance. */
  void markLocalOnly() {
    localOnly = true;
  }

  boolean localOnly() {
    return localOnly;
  }

  /** Writes a change of log level or subscriptions through, and tells the other replicas. */
  private void stateChanged(SessionState now, String uri, boolean subscribed) {
    SessionStore store = shared.sessions();
    (uri == null ? store.setState(id, now.encode()) : store.subscribe(id, uri, subscribed))
        .onFailure(e -> LOG.warn("session state not shared: {}", e.toString()));
    JsonObject change = new JsonObject().put("t", "state").put("s", id).put("st", now.encode());
    if (uri != null) {
      change.put("u", uri).put("on", subscribed);
    }
    shared.bus().broadcast(change);
  }

  /** Takes what the store holds (another instance may have changed it). */
  void refresh(SessionStore.SessionRecord record) {
    // Most requests find what the last one found: nothing to decode, no hop to the context.
    if (record.state().equals(seenState) && record.subscriptions().equals(seenSubscriptions)) {
      return;
    }
    seenState = record.state();
    seenSubscriptions = record.subscriptions();
    SessionState state;
    try {
      state = SessionState.decode(record.state(), record.subscriptions());
    } catch (IllegalArgumentException e) {
      return;
    }
    context.runOnContext(v -> mcp.refresh(state));
  }

  /** Another replica changed the state: apply it here (bus message {@code state}). */
  void changedElsewhere(JsonObject change) {
    context.runOnContext(
        v -> {
          SessionState mine = mcp.state();
          if (mine == null) {
            return;
          }
          java.util.Set<String> subs = new java.util.HashSet<>(mine.subscriptions());
          String uri = change.getString("u");
          if (uri != null) {
            if (change.getBoolean("on", false)) {
              subs.add(uri);
            } else {
              subs.remove(uri);
            }
          }
          try {
            mcp.refresh(SessionState.decode(change.getString("st"), subs));
          } catch (IllegalArgumentException e) {
            LOG.debug("ignored a malformed state change");
          }
        });
  }

  /**
   * The stream guard ended the authorization of the session's credential. Requests in progress have
   * been answered with the auth error (the last event of their streams); the standalone and legacy
   * streams get a last event, a JSON-RPC error with {@code id: null} and {@code data.reason}, and
   * end. The session itself stays: its next request is authenticated afresh (a revoked or expired
   * token gets 401; a new one carries on).
   */
  private void authorizationEnded(AuthorizationEnded why) {
    Object last = Response.failure(null, JsonRpcError.of(why.toMcpException())).toJson();
    if (standalone != null) {
      standalone.send(last);
      standalone.finish();
      standalone = null;
    }
    if (legacyStream != null) {
      writeLegacy(last);
      legacyStream.end();
      legacyStream = null;
    }
  }

  McpSession mcp() {
    return mcp;
  }

  Context context() {
    return context;
  }

  void touch() {
    lastActive = System.nanoTime();
  }

  /** Legacy HTTP+SSE: every message of the session goes to this one stream. */
  void useLegacyStream(HttpServerResponse response) {
    legacyStream = response;
  }

  /** A POSTed request waiting for its response on {@code response}. */
  void handleRequest(JsonRpcMessage.Request request, HttpServerResponse response) {
    PostCall call = new PostCall(request.id(), response);
    if (calls.containsKey(request.id())) {
      // A reused id: the session refuses it, and the request in progress keeps its stream.
      mcp.handle(request).onComplete(ar -> call.complete(ar.succeeded() ? ar.result() : null));
      return;
    }
    calls.put(request.id(), call);
    if (options.alwaysSse()) {
      call.stream();
    }
    response.closeHandler(v -> context.runOnContext(x -> call.connectionLost(response)));
    mcp.handle(request)
        .onComplete(
            ar -> {
              calls.remove(request.id());
              call.complete(ar.succeeded() ? ar.result() : null);
              if (call.recorded) {
                shared.sessions().forgetRequest(id, requestKey(request.id()));
              }
            });
    if (shared.shared() && !call.done) {
      // Still running after its first turn: note where, so that a cancellation reaching another
      // instance finds it. Quick requests never get here, and cost the store nothing.
      call.recorded = true;
      shared
          .sessions()
          .recordRequest(
              id, requestKey(request.id()), shared.bus().tag(), options.sessionIdleTimeout());
    }
  }

  /** A request id as a store key: numbers and strings never collide. */
  static String requestKey(Object requestId) {
    Object key = requestId instanceof Number n ? (Object) n.longValue() : requestId;
    return (key instanceof Long ? "n:" : "s:") + key;
  }

  @Override
  public void send(JsonRpcMessage message, Object relatedRequestId) {
    // Traffic either way keeps a session alive, not only client requests.
    touch();
    Object json = message.toJson();
    if (legacyStream != null) {
      writeLegacy(json);
      return;
    }
    PostCall call = relatedRequestId == null ? null : calls.get(relatedRequestId);
    if (call != null) {
      call.stream().send(json);
    } else if (standalone != null) {
      standalone.send(json);
    } else {
      LOG.debug("no stream open for a {} of session; dropped", message.getClass().getSimpleName());
    }
  }

  @Override
  public void closeStream(Object relatedRequestId) {
    PostCall call = calls.get(relatedRequestId);
    if (call != null) {
      call.closeConnection();
    }
  }

  void writeLegacy(Object json) {
    if (legacyStream != null) {
      legacyStream.write(
          io.vertx.core.buffer.Buffer.buffer("event: message\ndata: ")
              .appendBuffer(WireJson.encode(json))
              .appendString("\n\n"));
    }
  }

  /** GET without Last-Event-ID: the stream for messages unrelated to any request. */
  boolean openStandalone(HttpServerResponse response) {
    if (standalone != null && standalone.attached()) {
      return false;
    }
    standalone = newStream(null);
    standalone.attach(response, primingRetry());
    detachOnClose(standalone, response);
    return true;
  }

  /**
   * GET with Last-Event-ID {@code <stream>-<seq>}: replays that stream from there.
   *
   * @return false when the id names no stream (or events no longer kept)
   */
  boolean resume(String lastEventId, HttpServerResponse response) {
    int dash = lastEventId.lastIndexOf('-');
    if (dash <= 0) {
      return false;
    }
    long streamId;
    long seq;
    try {
      streamId = Long.parseLong(lastEventId.substring(0, dash));
      seq = Long.parseLong(lastEventId.substring(dash + 1));
    } catch (NumberFormatException e) {
      return false;
    }
    SseStream stream = streams.get(streamId);
    if (stream == null || !stream.resume(response, seq)) {
      return false;
    }
    PostCall owner = null;
    for (PostCall call : calls.values()) {
      if (call.stream == stream) {
        owner = call;
      }
    }
    if (owner != null) {
      // The request's stream lives on this connection now: losing it starts the grace again.
      PostCall call = owner;
      call.resumed(response);
      response.closeHandler(v -> context.runOnContext(x -> call.connectionLost(response)));
    } else if (!stream.finished()) {
      detachOnClose(stream, response);
    }
    return true;
  }

  /**
   * When {@code response}'s connection closes, the stream waits for a resume, unless another
   * connection has taken it over meanwhile.
   */
  private void detachOnClose(SseStream stream, HttpServerResponse response) {
    response.closeHandler(
        v ->
            context.runOnContext(
                x -> {
                  if (stream.isAttached(response)) {
                    stream.detach(false);
                  }
                }));
  }

  /** Sends an SSE comment on every open stream, so that idle streams survive intermediaries. */
  void keepAlive() {
    if (standalone != null) {
      standalone.keepAlive();
    }
    for (PostCall call : calls.values()) {
      if (call.stream != null) {
        call.stream.keepAlive();
      }
    }
  }

  /** Ends the session: cancels its work and closes its streams. */
  void close() {
    mcp.close(Cancellation.Reason.DISCONNECTED);
    for (PostCall call : calls.values()) {
      call.abandon();
    }
    calls.clear();
    if (standalone != null) {
      standalone.finish();
    }
    if (legacyStream != null) {
      legacyStream.end();
      legacyStream = null;
    }
  }

  private SseStream newStream(Object requestId) {
    long streamId = nextStreamId++;
    SseStream stream =
        new SseStream(
            streamId,
            options.eventsPerStream(),
            shared
                .events()
                .writer(
                    id,
                    streamId,
                    requestId == null ? null : Json.encode(requestId),
                    options.eventsPerStream(),
                    options.sessionIdleTimeout()));
    streams.put(stream.id(), stream);
    return stream;
  }

  /**
   * Instance {@code to} resumed stream {@code streamId} for its client, having replayed up to
   * {@code afterSeq}: the stream goes there from now on (bus message {@code attach}).
   */
  void forwardStream(long streamId, int to, long afterSeq) {
    SseStream stream = streams.get(streamId);
    if (stream == null) {
      shared.bus().send(to, streamMessage("fin", streamId));
      return;
    }
    stream.forwardTo(
        to,
        new SseStream.Forward() {
          @Override
          public void event(long seq, Buffer frame) {
            shared
                .bus()
                .send(to, streamMessage("ev", streamId).put("q", seq).put("f", frame.toString()));
          }

          @Override
          public void end() {
            shared.bus().send(to, streamMessage("fin", streamId));
          }
        },
        afterSeq);
    for (PostCall call : calls.values()) {
      if (call.stream == stream) {
        call.resumedElsewhere();
      }
    }
  }

  /** Instance {@code from} lost the client of stream {@code streamId} (bus message). */
  void streamLostElsewhere(long streamId, int from) {
    SseStream stream = streams.get(streamId);
    if (stream != null && stream.stopForwarding(from)) {
      for (PostCall call : calls.values()) {
        if (call.stream == stream) {
          call.startGrace();
        }
      }
    }
  }

  JsonObject streamMessage(String type, long streamId) {
    return new JsonObject().put("t", type).put("s", id).put("st", streamId);
  }

  /** Priming events (and so polling) only for clients new enough to expect them. */
  private long primingRetry() {
    ProtocolVersion v = mcp.protocolVersion();
    return v != null && v.atLeast(ProtocolVersion.V2025_11_25) ? options.sseRetry().toMillis() : 0;
  }

  /** One POSTed request: plain JSON until something must stream, then SSE. */
  private final class PostCall {
    private final Object requestId;
    private HttpServerResponse response;
    private SseStream stream;
    private boolean done;
    private boolean recorded;
    private long graceTimer = -1;

    PostCall(Object requestId, HttpServerResponse response) {
      this.requestId = requestId;
      this.response = response;
    }

    /** The call's SSE stream, switching the response to SSE the first time. */
    SseStream stream() {
      if (stream == null) {
        stream = newStream(requestId);
        stream.attach(response, primingRetry());
      }
      return stream;
    }

    void complete(Response outcome) {
      done = true;
      touch();
      cancelGrace();
      if (stream != null) {
        if (outcome != null) {
          stream.send(outcome.toJson());
        }
        stream.finish();
      } else if (!response.ended() && !response.closed()) {
        if (outcome == null) {
          // Cancelled: no JSON-RPC response may follow, but a request's answer must still be
          // JSON or SSE: an empty event stream (with no event id, so nobody resumes it).
          response
              .setStatusCode(200)
              .putHeader("Content-Type", "text/event-stream")
              .putHeader("Cache-Control", "no-cache")
              .end();
        } else {
          int status = 200;
          if (outcome.isError() && outcome.error().code() == McpException.UNAUTHENTICATED) {
            // The credential ended while the request ran (expiry, revocation): 401, as at the door.
            status = 401;
            response.putHeader(
                "WWW-Authenticate", AuthFailure.invalid().wwwAuthenticate(resourceMetadataUrl));
          } else if (outcome.isError() && outcome.error().code() == McpException.RATE_LIMITED) {
            status = 429;
            HttpErrors.retryAfter(response, outcome.error().data());
          } else if (outcome.isError() && outcome.error().code() == McpException.FORBIDDEN) {
            // Missing scope: the HTTP answer is 403 with a challenge naming the scope (RFC 6750),
            // so a client can step up its authorization; the body keeps the JSON-RPC error.
            status = 403;
            JsonObject data =
                outcome.error().data() != null ? outcome.error().data() : new JsonObject();
            response.putHeader(
                "WWW-Authenticate",
                AuthFailure.forbidden(data.getString("requiredScope"))
                    .wwwAuthenticate(resourceMetadataUrl));
          }
          response
              .setStatusCode(status)
              .putHeader("Content-Type", "application/json")
              .end(WireJson.encode(outcome.toJson()));
        }
      }
    }

    /** Server-initiated close (SSE polling): the request goes on; the client resumes. */
    void closeConnection() {
      if (primingRetry() == 0) {
        // Older clients get no event id before the first event: they could never resume.
        return;
      }
      SseStream s = stream();
      s.detach(true);
      startGrace();
    }

    void connectionLost(HttpServerResponse lost) {
      if (done || lost != response) {
        return;
      }
      if (stream != null && stream.isAttached(lost)) {
        stream.detach(false);
      }
      if (stream == null) {
        // Plain JSON carries no event ids: nobody can resume it, so nobody will get the answer.
        mcp.cancelRequest(requestId, Cancellation.Reason.DISCONNECTED);
      } else {
        startGrace();
      }
    }

    void resumed(HttpServerResponse next) {
      response = next;
      cancelGrace();
    }

    /** Another instance carries the stream now: the request goes on. */
    void resumedElsewhere() {
      cancelGrace();
    }

    void abandon() {
      cancelGrace();
      if (!response.ended() && !response.closed()) {
        response.reset();
      }
    }

    void startGrace() {
      cancelGrace();
      graceTimer =
          vertx.setTimer(
              Math.max(1, options.resumeGrace().toMillis()),
              t -> {
                graceTimer = -1;
                if (!done && (stream == null || !stream.attached())) {
                  mcp.cancelRequest(requestId, Cancellation.Reason.DISCONNECTED);
                }
              });
    }

    private void cancelGrace() {
      if (graceTimer >= 0) {
        vertx.cancelTimer(graceTimer);
        graceTimer = -1;
      }
    }
  }
}
