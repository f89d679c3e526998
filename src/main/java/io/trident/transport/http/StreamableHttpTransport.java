package io.trident.transport.http;

import io.trident.auth.AuditEvent;
import io.trident.auth.AuditLog;
import io.trident.auth.AuthFailure;
import io.trident.auth.Authenticator;
import io.trident.auth.Credentials;
import io.trident.context.CallerMetadata;
import io.trident.context.Deadline;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.server.McpServer;
import io.trident.server.McpSession;
import io.trident.server.ModernRequest;
import io.trident.server.ProtocolVersion;
import io.trident.server.SessionState;
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.WireJson;
import io.trident.store.SessionStore;
import io.trident.store.SharedState;
import io.trident.transport.BoundedBody;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP Streamable HTTP (2025-11-25) on one endpoint: POST for client messages, GET for the server's
 * stream and for resuming streams, DELETE to end a session; plus, when enabled, the legacy
 * 2024-11-05 HTTP+SSE transport. It handles framing, headers, status codes and streams only; what a
 * message means is the session's business. Shared by every event loop.
 */
public final class StreamableHttpTransport implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(StreamableHttpTransport.class);
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  static final String TIMEOUT_HEADER = "Mcp-Timeout-Ms";

  // The same names for lookups, their hashes computed once (every request reads these).
  static final CharSequence SESSION_NAME = HttpHeaders.createOptimized(SESSION_HEADER);
  static final CharSequence VERSION_NAME = HttpHeaders.createOptimized(VERSION_HEADER);
  private static final CharSequence TIMEOUT_NAME = HttpHeaders.createOptimized(TIMEOUT_HEADER);
  private static final long KEEP_ALIVE_MILLIS = 25_000;
  static final String METADATA_PATH = "/.well-known/oauth-protected-resource";

  private final Vertx vertx;
  private final McpServer server;
  private final HttpTransportOptions options;
  private final HttpSessions sessions;
  private final DoorPolicy door;
  private final Set<String> corsOrigins;
  private final Authenticator authenticator;
  private final ModernHttp modern;
  private final SharedState shared;
  private final Map<String, RemoteStream> remotes = new ConcurrentHashMap<>();

  /** A transport that lets every caller in with every scope (embedding and tests). */
  public StreamableHttpTransport(Vertx vertx, McpServer server, HttpTransportOptions options) {
    this(
        vertx,
        server,
        options,
        Authenticator.open(new Principal("anonymous", Set.of("*"), "none", java.util.Map.of())));
  }

  public StreamableHttpTransport(
      Vertx vertx, McpServer server, HttpTransportOptions options, Authenticator authenticator) {
    this(vertx, server, options, authenticator, SharedState.local(vertx));
  }

  /**
   * @param shared where sessions, events and the bus between instances live: memory for one
   *     instance, Redis for several behind a load balancer (SPEC.md §5.7)
   */
  public StreamableHttpTransport(
      Vertx vertx,
      McpServer server,
      HttpTransportOptions options,
      Authenticator authenticator,
      SharedState shared) {
    this.shared = shared;
    this.authenticator = authenticator;
    this.vertx = vertx;
    this.server = server;
    this.options = options;
    this.sessions = new HttpSessions(options, shared.sessions());
    this.door = new DoorPolicy(options);
    this.corsOrigins = Set.copyOf(options.corsOrigins());
    this.modern = new ModernHttp(vertx, server.modern());
    long sweep = Math.max(100, Math.min(30_000, options.sessionIdleTimeout().toMillis() / 4));
    vertx.setPeriodic(sweep, t -> expireIdleSessions());
    vertx.setPeriodic(KEEP_ALIVE_MILLIS, t -> keepStreamsAlive());
    if (shared.shared()) {
      shared.bus().listen(this::onBusMessage);
      vertx.setPeriodic(shared.bus().heartbeatMillis(), t -> checkRemoteOwners());
    }
  }

  /** Live sessions (for tests and metrics). */
  public int sessionCount() {
    return sessions.size();
  }

  @Override
  public void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (!door.hostAllowed(request)) {
      HttpErrors.send(response, 403, "Forbidden: Host not allowed");
      return;
    }
    if (!door.originAllowed(origin)) {
      HttpErrors.send(response, 403, "Forbidden: Origin not allowed");
      return;
    }
    applyCors(origin, response);
    String path = request.path();
    if (path.startsWith(METADATA_PATH)) {
      metadata(request);
      return;
    }
    boolean legacy = options.legacySse() && ("/sse".equals(path) || "/messages".equals(path));
    if (!legacy && !options.path().equals(path)) {
      HttpErrors.send(response, 404, "Not Found");
      return;
    }
    HttpMethod method = request.method();
    if (method == HttpMethod.OPTIONS) {
      // CORS preflight: browsers never send credentials with it.
      response.setStatusCode(204).end();
      return;
    }
    Future<Principal> caller =
        authenticator.authenticate(Credentials.from(request.headers(), request.connection()));
    if (caller.isComplete()) {
      route(request, caller);
    } else {
      // A JWKS refresh is in flight: hold the body until the caller is known.
      request.pause();
      caller.onComplete(
          ar -> {
            route(request, caller);
            request.resume();
          });
    }
  }

  /** Past the door and authentication: the endpoint itself, for a known caller. */
  private void route(HttpServerRequest request, Future<Principal> caller) {
    HttpServerResponse response = request.response();
    if (caller.failed()) {
      unauthorized(request, caller.cause());
      return;
    }
    Principal principal = caller.result();
    String path = request.path();
    if (options.legacySse() && "/sse".equals(path)) {
      legacyStream(request, principal);
      return;
    }
    if (options.legacySse() && "/messages".equals(path)) {
      legacyPost(request, principal);
      return;
    }
    HttpMethod method = request.method();
    if (method != HttpMethod.POST && ModernHttp.isModernHeader(request)) {
      // 2026-07-28 has no session stream to GET and no session to DELETE.
      response.putHeader("Allow", "POST, OPTIONS");
      HttpErrors.send(response, 405, "Method Not Allowed");
      return;
    }
    if (method == HttpMethod.POST) {
      post(request, principal);
    } else if (method == HttpMethod.GET) {
      get(request, principal);
    } else if (method == HttpMethod.DELETE) {
      delete(request, principal);
    } else {
      response.putHeader("Allow", "GET, POST, DELETE, OPTIONS");
      HttpErrors.send(response, 405, "Method Not Allowed");
    }
  }

  /** 401 with the RFC 6750 / RFC 9728 challenge; never a word on why the credential failed. */
  private void unauthorized(HttpServerRequest request, Throwable failure) {
    AuthFailure auth =
        failure instanceof AuthFailure f && f.kind() == AuthFailure.Kind.UNAUTHENTICATED
            ? f
            : AuthFailure.invalid();
    if (!(failure instanceof AuthFailure)) {
      LOG.warn("authentication failed unexpectedly: {}", failure.toString());
    }
    AuditLog.denied(AuditEvent.denied("http", null, request.method().name(), request.path(), auth));
    request.response().putHeader("WWW-Authenticate", auth.wwwAuthenticate(metadataUrl(request)));
    HttpErrors.send(request.response(), 401, McpException.UNAUTHENTICATED, auth.getMessage());
  }

  /**
   * RFC 9728 protected-resource metadata, at the well-known path and at its form suffixed with the
   * MCP path; open to everyone, as it tells a client how to get credentials.
   */
  private void metadata(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    String path = request.path();
    if (!path.equals(METADATA_PATH) && !path.equals(METADATA_PATH + options.path())) {
      HttpErrors.send(response, 404, "Not Found");
      return;
    }
    if (request.method() != HttpMethod.GET) {
      response.putHeader("Allow", "GET");
      HttpErrors.send(response, 405, "Method Not Allowed");
      return;
    }
    response
        .setStatusCode(200)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "max-age=300")
        .end(authenticator.resourceMetadata(origin(request) + options.path()).encode());
  }

  /** Where this request reached us, as {@code scheme://host[:port]} from the checked Host. */
  private String origin(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    String host = authority == null ? options.host() + ":" + options.port() : authority.toString();
    return (request.isSSL() ? "https://" : "http://") + host;
  }

  private String metadataUrl(HttpServerRequest request) {
    return origin(request) + METADATA_PATH + options.path();
  }

  // --- POST -------------------------------------------------------------------------------------

  private void post(HttpServerRequest request, Principal principal) {
    HttpServerResponse response = request.response();
    if (!isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      HttpErrors.send(response, 415, "Unsupported Media Type: use application/json");
      return;
    }
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      HttpErrors.send(
          response, 406, "Not Acceptable: accept both application/json and text/event-stream");
      return;
    }
    Deadline deadline;
    try {
      deadline = requestedDeadline(request);
    } catch (IllegalArgumentException e) {
      badTimeout(response, e);
      return;
    }
    // The version header is checked once the body is known: a 2026-07-28 request (by its _meta)
    // answers a bad one in its own words.
    readBody(request, body -> onPost(request, principal, deadline, body));
  }

  /**
   * The caller's deadline for the requests of this POST ({@code Mcp-Timeout-Ms}), counted from when
   * its headers arrived; null without the header; malformed values throw.
   */
  private static Deadline requestedDeadline(HttpServerRequest request) {
    String timeout = request.getHeader(TIMEOUT_NAME);
    return timeout == null ? null : Deadline.parseTimeoutMillis(timeout);
  }

  private static void badTimeout(HttpServerResponse response, IllegalArgumentException e) {
    HttpErrors.send(
        response,
        400,
        McpException.INVALID_PARAMS,
        "Bad Request: the " + TIMEOUT_HEADER + " header " + e.getMessage());
  }

  private void onPost(
      HttpServerRequest request, Principal principal, Deadline deadline, Buffer body) {
    HttpServerResponse response = request.response();
    JsonRpcCodec.Decoded decoded = JsonRpcCodec.decode(body);
    if (decoded instanceof JsonRpcCodec.Invalid invalid) {
      response
          .setStatusCode(400)
          .putHeader("Content-Type", "application/json")
          .end(invalid.error().toJson().encode());
      return;
    }
    String versionHeader = request.getHeader(VERSION_NAME);
    if (decoded instanceof JsonRpcCodec.Single modernSingle
        && (ModernHttp.isModernHeader(request)
            || modernSingle.message() instanceof JsonRpcMessage.Request mr
                && ModernRequest.isModern(mr, versionHeader))) {
      modern.post(request, principal, deadline, modernSingle.message());
      return;
    }
    if (!versionHeaderValid(request)) {
      HttpErrors.send(response, 400, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
    if (decoded instanceof JsonRpcCodec.Single single
        && single.message() instanceof JsonRpcMessage.Request r
        && "initialize".equals(r.method())) {
      initialize(request, principal, deadline, r);
      return;
    }
    withSession(
        request,
        principal,
        session -> onSessionPost(request, principal, deadline, decoded, session));
  }

  private void onSessionPost(
      HttpServerRequest request,
      Principal principal,
      Deadline deadline,
      JsonRpcCodec.Decoded decoded,
      HttpSession session) {
    HttpServerResponse response = request.response();
    session.touch();
    session
        .context()
        .runOnContext(
            v -> {
              session.mcp().authenticatedAs(principal);
              session.mcp().receivedWith(CallerMetadata.of(request.headers()), deadline);
              if (decoded instanceof JsonRpcCodec.Single single) {
                if (single.message() instanceof JsonRpcMessage.Request r) {
                  session.handleRequest(r, response);
                } else if (routedElsewhere(session, single.message())) {
                  response.setStatusCode(202).end();
                } else {
                  session
                      .mcp()
                      .handle(single.message())
                      .onComplete(
                          ar -> {
                            if (ar.failed()
                                && ar.cause() instanceof McpException e
                                && e.code() == McpException.RATE_LIMITED) {
                              HttpErrors.rateLimited(response, e, null);
                            } else {
                              response.setStatusCode(202).end();
                            }
                          });
                }
              } else {
                session
                    .mcp()
                    .handle(decoded)
                    .onComplete(
                        ar -> {
                          Object reply = ar.succeeded() ? ar.result() : null;
                          if (reply == null) {
                            response.setStatusCode(202).end();
                          } else {
                            response
                                .setStatusCode(200)
                                .putHeader("Content-Type", "application/json")
                                .end(WireJson.encode(reply));
                          }
                        });
              }
            });
  }

  private void initialize(
      HttpServerRequest request,
      Principal principal,
      Deadline deadline,
      JsonRpcMessage.Request init) {
    HttpServerResponse response = request.response();
    HttpSession session = openSession(principal, request, deadline);
    if (session == null) {
      return;
    }
    session
        .mcp()
        .handle(init)
        .onComplete(
            ar -> {
              JsonRpcMessage.Response reply = ar.succeeded() ? ar.result() : null;
              if (reply == null || reply.isError()) {
                session.close();
                int status = reply == null ? 500 : 200;
                if (reply != null && reply.error().code() == McpException.RATE_LIMITED) {
                  status = 429;
                  HttpErrors.retryAfter(response, reply.error().data());
                }
                response
                    .setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(reply == null ? "{}" : reply.toJson().encode());
                return;
              }
              SessionState state = session.mcp().state();
              sessions
                  .admit(session, state == null ? "" : state.encode())
                  .onComplete(
                      admitted -> {
                        if (admitted.failed()
                            || admitted.result() != SessionStore.Admission.ADMITTED) {
                          session.context().runOnContext(x -> session.close());
                          refuse(admitted, response);
                          return;
                        }
                        response
                            .setStatusCode(200)
                            .putHeader(SESSION_HEADER, session.id)
                            .putHeader("Content-Type", "application/json")
                            .end(WireJson.encode(reply.toJson()));
                      });
            });
  }

  /** Answers a session the caps or the store refused: 503 or 429. */
  private static void refuse(
      io.vertx.core.AsyncResult<SessionStore.Admission> admitted, HttpServerResponse response) {
    if (admitted.failed()) {
      LOG.warn("session store unreachable: {}", admitted.cause().toString());
      storeUnavailable(response);
    } else if (admitted.result() == SessionStore.Admission.TOTAL_CAP) {
      response.putHeader("Retry-After", "30");
      HttpErrors.send(response, 503, "Service Unavailable: too many sessions");
    } else {
      HttpErrors.send(response, 429, "Too Many Requests: session limit reached for this principal");
    }
  }

  private static void storeUnavailable(HttpServerResponse response) {
    response.putHeader("Retry-After", "5");
    HttpErrors.send(response, 503, "Service Unavailable: session store unreachable");
  }

  /**
   * A new session of {@code principal} bound to the current event loop, or null once the refusal
   * (503 or 429) has been answered.
   */
  private HttpSession openSession(
      Principal principal, HttpServerRequest request, Deadline deadline) {
    Context context = vertx.getOrCreateContext();
    HttpSession session =
        new HttpSession(
            sessions.newId(), owner(principal), vertx, options, metadataUrl(request), shared);
    McpSession mcp = new McpSession(server, context, principal, "http", session);
    mcp.receivedWith(CallerMetadata.of(request.headers()), deadline);
    session.bind(mcp, context);
    return session;
  }

  /**
   * This instance's replica of a session another instance opened, on the current event loop; null
   * when its stored state cannot be read.
   */
  private HttpSession replica(
      String id, Principal principal, HttpServerRequest request, SessionStore.SessionRecord r) {
    SessionState state;
    try {
      state = SessionState.decode(r.state(), r.subscriptions());
    } catch (IllegalArgumentException e) {
      return null;
    }
    Context context = vertx.getOrCreateContext();
    HttpSession session =
        new HttpSession(id, r.owner(), vertx, options, metadataUrl(request), shared);
    McpSession mcp = McpSession.restore(server, context, principal, "http", session, state);
    session.bind(mcp, context);
    return session;
  }

  // --- GET / DELETE -----------------------------------------------------------------------------

  private void get(HttpServerRequest request, Principal principal) {
    HttpServerResponse response = request.response();
    if (!accepts(request.getHeader(HttpHeaders.ACCEPT), "text/event-stream")) {
      HttpErrors.send(response, 406, "Not Acceptable: accept text/event-stream");
      return;
    }
    if (!versionHeaderValid(request)) {
      HttpErrors.send(response, 400, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
    withSession(request, principal, session -> onSessionGet(request, session));
  }

  private void onSessionGet(HttpServerRequest request, HttpSession session) {
    HttpServerResponse response = request.response();
    session.touch();
    String lastEventId = request.getHeader("Last-Event-ID");
    session
        .context()
        .runOnContext(
            v -> {
              if (lastEventId != null) {
                if (!session.resume(lastEventId, response)) {
                  resumeElsewhere(session, lastEventId, response);
                }
              } else if (!session.openStandalone(response)) {
                HttpErrors.send(
                    response, 409, "Conflict: this session already has an open GET stream");
              }
            });
  }

  private void delete(HttpServerRequest request, Principal principal) {
    if (!versionHeaderValid(request)) {
      HttpErrors.send(request.response(), 400, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
    withSession(
        request,
        principal,
        session ->
            // Answered once the store has the session gone: no instance serves it after the 200.
            end(session)
                .onComplete(
                    ar -> {
                      if (sessions.shared()) {
                        // Every replica ends too, with the work it runs.
                        shared
                            .bus()
                            .broadcast(new JsonObject().put("t", "end").put("s", session.id));
                      }
                      if (ar.failed()) {
                        LOG.warn("session store unreachable: {}", ar.cause().toString());
                        storeUnavailable(request.response());
                      } else {
                        request.response().setStatusCode(200).end();
                      }
                    }));
  }

  /**
   * Runs {@code then} with the session the request names, if it belongs to {@code principal};
   * otherwise answers (400 without the header, 404 unknown, 503 when the store is unreachable).
   * Another caller's session id reads as unknown (404): ids are bound to who opened them.
   */
  private void withSession(
      HttpServerRequest request, Principal principal, Consumer<HttpSession> then) {
    String sessionId = request.getHeader(SESSION_NAME);
    if (sessionId == null) {
      HttpErrors.send(request.response(), 400, "Bad Request: Mcp-Session-Id header is required");
      return;
    }
    ownedSession(sessionId, principal, request, then);
  }

  private void ownedSession(
      String sessionId,
      Principal principal,
      HttpServerRequest request,
      Consumer<HttpSession> then) {
    HttpServerResponse response = request.response();
    sessions
        .find(sessionId, owner(principal), r -> replica(sessionId, principal, request, r))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                request.resume();
                LOG.warn("session store unreachable: {}", ar.cause().toString());
                storeUnavailable(response);
              } else if (ar.result() == null) {
                request.resume();
                HttpErrors.send(response, 404, "Session not found");
              } else {
                then.accept(ar.result());
              }
            });
  }

  /** Sessions belong to a caller: the same subject proven the same way. */
  private static String owner(Principal principal) {
    return principal.credentialKind() + ":" + principal.subject();
  }

  /** Ends the session here and in the store; completes when the store has it gone. */
  private io.vertx.core.Future<Void> end(HttpSession session) {
    io.vertx.core.Future<Void> removed = sessions.remove(session);
    if (removed == null) {
      return io.vertx.core.Future.succeededFuture();
    }
    session.context().runOnContext(v -> session.close());
    return removed;
  }

  /**
   * Ends sessions idle for {@code http.sessionIdleTimeout}. Shared, the store's expiry decides for
   * all instances: here only the local replica goes (with its work), and the sessions used here
   * lately are renewed in the store.
   */
  private void expireIdleSessions() {
    long idleNanos = options.sessionIdleTimeout().toNanos();
    long now = System.nanoTime();
    List<HttpSession> used = new ArrayList<>();
    for (HttpSession session : sessions.all()) {
      if (now - session.lastActive > idleNanos) {
        LOG.debug("session expired after {} idle", options.sessionIdleTimeout());
        if (sessions.shared() && !session.localOnly()) {
          if (sessions.forget(session)) {
            session.context().runOnContext(v -> session.close());
          }
        } else {
          end(session);
        }
      } else if (session.usedSinceRenewal) {
        session.usedSinceRenewal = false;
        used.add(session);
      }
    }
    if (sessions.shared()) {
      sessions.renew(used);
    }
  }

  private void keepStreamsAlive() {
    for (HttpSession session : sessions.all()) {
      session.context().runOnContext(v -> session.keepAlive());
    }
  }

  // --- Several instances (SPEC.md §5.7) ------------------------------------------------------

  /**
   * A client's answer to a server request, or a cancellation, for work another instance runs: sent
   * there over the bus. Answers carry the instance in their id (its tag in the high bits); a
   * cancellation finds it in the store. Runs on the session's context.
   */
  private boolean routedElsewhere(HttpSession session, JsonRpcMessage message) {
    if (!sessions.shared()) {
      return false;
    }
    int self = shared.bus().tag();
    if (message instanceof JsonRpcMessage.Response r
        && r.id() instanceof Long id
        && !session.mcp().awaits(id)) {
      int tag = (int) (id >>> 32);
      if (tag != 0 && tag != self) {
        shared.bus().send(tag, forwarded("resp", session, message));
        return true;
      }
      return false;
    }
    if (message instanceof JsonRpcMessage.Notification n
        && "notifications/cancelled".equals(n.method())
        && n.params() != null
        && n.params().getValue("requestId") != null
        && !session.mcp().runs(n.params().getValue("requestId"))) {
      JsonObject forward = forwarded("cancel", session, message);
      shared
          .sessions()
          .requestOwner(session.id, HttpSession.requestKey(n.params().getValue("requestId")))
          .onSuccess(
              tag -> {
                if (tag != null && tag != self) {
                  shared.bus().send(tag, forward);
                }
              });
      return true;
    }
    return false;
  }

  private static JsonObject forwarded(String type, HttpSession session, JsonRpcMessage message) {
    return new JsonObject()
        .put("t", type)
        .put("s", session.id)
        .put("m", WireJson.encode(message.toJson()).toString());
  }

  /**
   * GET with a Last-Event-ID this instance does not hold: with shared state, the stream is replayed
   * from the store and then carried from the instance that holds it (its tag is in the stream
   * number); else 400.
   */
  private void resumeElsewhere(
      HttpSession session, String lastEventId, HttpServerResponse response) {
    int dash = lastEventId.lastIndexOf('-');
    long streamId;
    long seq;
    try {
      streamId = Long.parseLong(lastEventId.substring(0, Math.max(0, dash)));
      seq = Long.parseLong(lastEventId.substring(dash + 1));
    } catch (NumberFormatException e) {
      streamId = -1;
      seq = -1;
    }
    if (!shared.events().shared() || streamId <= 0 || seq < 0) {
      HttpErrors.send(response, 400, "Bad Request: unknown or expired Last-Event-ID");
      return;
    }
    RemoteStream remote =
        new RemoteStream(
            session.id,
            streamId,
            (int) (streamId >>> 32),
            shared,
            Vertx.currentContext(),
            response,
            options.eventsPerStream(),
            options.sessionIdleTimeout());
    RemoteStream previous = remotes.put(remote.key(), remote);
    if (previous != null) {
      previous.context().runOnContext(v -> previous.end());
    }
    remote.onEnd(() -> remotes.remove(remote.key(), remote));
    remote
        .start(seq)
        .onComplete(
            ar -> {
              if (ar.failed() || !ar.result()) {
                remotes.remove(remote.key(), remote);
                if (ar.failed()) {
                  LOG.warn("event store unreachable: {}", ar.cause().toString());
                }
                if (!response.headWritten()) {
                  if (ar.failed()) {
                    storeUnavailable(response);
                  } else {
                    HttpErrors.send(response, 400, "Bad Request: unknown or expired Last-Event-ID");
                  }
                } else {
                  response.end();
                }
              }
            });
  }

  /** Messages from the other instances (and broadcasts of this one). */
  private void onBusMessage(JsonObject message) {
    String type = message.getString("t", "");
    String sessionId = message.getString("s");
    switch (type) {
      case "ev", "fin" -> {
        RemoteStream remote = remotes.get(RemoteStream.key(sessionId, message.getLong("st", 0L)));
        if (remote != null) {
          remote
              .context()
              .runOnContext(
                  v -> {
                    if ("ev".equals(type)) {
                      remote.write(
                          message.getLong("q", 0L),
                          io.vertx.core.buffer.Buffer.buffer(message.getString("f", "")));
                    } else {
                      remote.end();
                    }
                  });
        }
      }
      case "end" -> {
        HttpSession session = sessions.local(sessionId);
        if (session != null && sessions.forget(session)) {
          session.context().runOnContext(v -> session.close());
        }
      }
      default -> {
        HttpSession session = sessions.local(sessionId);
        if (session != null) {
          session.context().runOnContext(v -> onSessionMessage(session, type, message));
        }
      }
    }
  }

  private void onSessionMessage(HttpSession session, String type, JsonObject message) {
    switch (type) {
      case "state" -> session.changedElsewhere(message);
      case "resp", "cancel" -> {
        JsonRpcCodec.Decoded decoded =
            JsonRpcCodec.decode(io.vertx.core.buffer.Buffer.buffer(message.getString("m", "")));
        if (decoded instanceof JsonRpcCodec.Single single) {
          session.mcp().handle(single.message());
        }
      }
      case "attach" ->
          session.forwardStream(
              message.getLong("st", 0L), message.getInteger("to", 0), message.getLong("after", 0L));
      case "detach" ->
          session.streamLostElsewhere(message.getLong("st", 0L), message.getInteger("from", 0));
      default -> LOG.debug("ignored a bus message of type {}", type);
    }
  }

  /** Streams carried here for another instance: when that instance is gone, they end here. */
  private void checkRemoteOwners() {
    for (RemoteStream remote : remotes.values()) {
      shared
          .bus()
          .alive(remote.owner)
          .onSuccess(
              alive -> {
                if (!alive) {
                  remote.context().runOnContext(v -> remote.ownerLost());
                }
              });
    }
  }

  // --- Legacy HTTP+SSE (2024-11-05) -------------------------------------------------------------

  private void legacyStream(HttpServerRequest request, Principal principal) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.GET) {
      HttpErrors.send(response, 405, "Method Not Allowed");
      return;
    }
    if (!accepts(request.getHeader(HttpHeaders.ACCEPT), "text/event-stream")) {
      HttpErrors.send(response, 406, "Not Acceptable: accept text/event-stream");
      return;
    }
    HttpSession session = openSession(principal, request, null);
    session.markLocalOnly();
    request.pause();
    sessions
        .admit(session, "")
        .onComplete(
            admitted -> {
              request.resume();
              if (admitted.failed() || admitted.result() != SessionStore.Admission.ADMITTED) {
                session.context().runOnContext(x -> session.close());
                refuse(admitted, response);
                return;
              }
              openLegacyStream(session, response);
            });
  }

  private void openLegacyStream(HttpSession session, HttpServerResponse response) {
    response
        .setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache, no-transform")
        .setChunked(true);
    session.useLegacyStream(response);
    response.write("event: endpoint\ndata: /messages?sessionId=" + session.id + "\n\n");
    response.closeHandler(v -> end(session));
  }

  private void legacyPost(HttpServerRequest request, Principal principal) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.POST) {
      HttpErrors.send(response, 405, "Method Not Allowed");
      return;
    }
    String sessionId;
    try {
      sessionId = request.getParam("sessionId");
    } catch (IllegalArgumentException e) {
      // Vert.x decodes the query on first use and throws on a broken %-escape.
      HttpErrors.send(response, 400, "Bad Request: malformed query string");
      return;
    }
    if (sessionId == null) {
      HttpErrors.send(response, 404, "Session not found");
      return;
    }
    request.pause();
    ownedSession(
        sessionId,
        principal,
        request,
        session -> {
          onLegacyPost(request, principal, session);
          request.resume();
        });
  }

  private void onLegacyPost(HttpServerRequest request, Principal principal, HttpSession session) {
    HttpServerResponse response = request.response();
    if (!isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      HttpErrors.send(response, 415, "Unsupported Media Type: use application/json");
      return;
    }
    Deadline deadline;
    try {
      deadline = requestedDeadline(request);
    } catch (IllegalArgumentException e) {
      badTimeout(response, e);
      return;
    }
    session.touch();
    readBody(
        request,
        body -> {
          JsonRpcCodec.Decoded decoded = JsonRpcCodec.decode(body);
          response.setStatusCode(202).end();
          session
              .context()
              .runOnContext(
                  v -> {
                    session.mcp().authenticatedAs(principal);
                    session.mcp().receivedWith(CallerMetadata.of(request.headers()), deadline);
                    session
                        .mcp()
                        .handle(decoded)
                        .onComplete(
                            ar -> {
                              if (ar.succeeded() && ar.result() != null) {
                                session.writeLegacy(ar.result());
                              }
                            });
                  });
        });
  }

  // --- Helpers ----------------------------------------------------------------------------------

  /** Reads the body within the cap: 413 when the declared or actual size is over it. */
  private void readBody(HttpServerRequest request, Handler<Buffer> then) {
    HttpServerResponse response = request.response();
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > options.maxBodyBytes()) {
          HttpErrors.send(response, 413, "Payload Too Large");
          request.connection().close();
          return;
        }
      } catch (NumberFormatException e) {
        HttpErrors.send(response, 400, "Bad Request: invalid Content-Length");
        return;
      }
    }
    BoundedBody.read(
        request,
        options.maxBodyBytes(),
        () -> HttpErrors.send(response, 413, "Payload Too Large"),
        then);
    request.exceptionHandler(e -> LOG.debug("request body failed: {}", e.toString()));
  }

  private boolean versionHeaderValid(HttpServerRequest request) {
    String version = request.getHeader(VERSION_NAME);
    return version == null || ProtocolVersion.parse(version.trim()).isPresent();
  }

  private static boolean isJson(String contentType) {
    return contentType != null
        && mediaRangeIs(contentType, 0, contentType.length(), "application/json", false);
  }

  /**
   * Whether an Accept header allows {@code type}, wildcards included. Scanned in place, each part
   * once, without splitting or lower-casing copies: it runs on every request.
   */
  static boolean accepts(String accept, String type) {
    if (accept == null) {
      return false;
    }
    int from = 0;
    while (from <= accept.length()) {
      int comma = accept.indexOf(',', from);
      int end = comma < 0 ? accept.length() : comma;
      if (mediaRangeIs(accept, from, end, type, true)) {
        return true;
      }
      from = end + 1;
    }
    return false;
  }

  /**
   * Whether the media range in {@code header[from, to)} (parameters after {@code ;} and surrounding
   * blanks ignored) is {@code expected}, a lower-case type, or with {@code wildcards} also {@code
   * *}{@code /*} or its {@code major/*}; letters compared without case (media types are ASCII: RFC
   * 9110 §8.3.1).
   */
  private static boolean mediaRangeIs(
      String header, int from, int to, String expected, boolean wildcards) {
    for (int i = from; i < to; i++) {
      if (header.charAt(i) == ';') {
        to = i;
        break;
      }
    }
    while (from < to && header.charAt(from) <= ' ') {
      from++;
    }
    while (to > from && header.charAt(to - 1) <= ' ') {
      to--;
    }
    int length = to - from;
    if (length == expected.length() && sameLetters(header, from, expected, length)) {
      return true;
    }
    if (!wildcards) {
      return false;
    }
    if (length == 3 && header.startsWith("*/*", from)) {
      return true;
    }
    int major = expected.indexOf('/') + 1; // "text/"
    return length == major + 1
        && header.charAt(to - 1) == '*'
        && sameLetters(header, from, expected, major);
  }

  /**
   * The first {@code length} chars of {@code expected} at {@code header[from]}, ASCII case-blind.
   */
  private static boolean sameLetters(String header, int from, String expected, int length) {
    for (int i = 0; i < length; i++) {
      char c = header.charAt(from + i);
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + ('a' - 'A'));
      }
      if (c != expected.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void applyCors(String origin, HttpServerResponse response) {
    if (origin == null || corsOrigins.isEmpty()) {
      return;
    }
    if (corsOrigins.contains("*") || corsOrigins.contains(origin)) {
      response.putHeader("Access-Control-Allow-Origin", corsOrigins.contains("*") ? "*" : origin);
      response.putHeader("Vary", "Origin");
      response.putHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
      response.putHeader(
          "Access-Control-Allow-Headers",
          "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, X-MCP-API-Key, Mcp-Timeout-Ms, Mcp-Method, Mcp-Name");
      response.putHeader("Access-Control-Expose-Headers", "Mcp-Session-Id, WWW-Authenticate");
      response.putHeader("Access-Control-Max-Age", "600");
    }
  }
}
