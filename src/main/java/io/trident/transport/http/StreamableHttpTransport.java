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
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.WireJson;
import io.trident.transport.BoundedBody;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;
import java.util.Set;
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
    this.authenticator = authenticator;
    this.vertx = vertx;
    this.server = server;
    this.options = options;
    this.sessions = new HttpSessions(options);
    this.door = new DoorPolicy(options);
    this.corsOrigins = Set.copyOf(options.corsOrigins());
    this.modern = new ModernHttp(vertx, server.modern());
    long sweep = Math.max(100, Math.min(30_000, options.sessionIdleTimeout().toMillis() / 4));
    vertx.setPeriodic(sweep, t -> expireIdleSessions());
    vertx.setPeriodic(KEEP_ALIVE_MILLIS, t -> keepStreamsAlive());
  }

  /** Live sessions (for tests and metrics). */
  public int sessionCount() {
    return sessions.size();
  }

  @Override
  public void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    String origin = request.getHeader("Origin");
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
    if (!isJson(request.getHeader("Content-Type"))) {
      HttpErrors.send(response, 415, "Unsupported Media Type: use application/json");
      return;
    }
    String accept = request.getHeader("Accept");
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
    String timeout = request.getHeader(TIMEOUT_HEADER);
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
    String versionHeader = request.getHeader(VERSION_HEADER);
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
    HttpSession session = requireSession(request, principal);
    if (session == null) {
      return;
    }
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
                sessions.release(session.subject);
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
              sessions.add(session);
              response
                  .setStatusCode(200)
                  .putHeader(SESSION_HEADER, session.id)
                  .putHeader("Content-Type", "application/json")
                  .end(WireJson.encode(reply.toJson()));
            });
  }

  /**
   * A new session of {@code principal} bound to the current event loop, or null once the refusal
   * (503 or 429) has been answered.
   */
  private HttpSession openSession(
      Principal principal, HttpServerRequest request, Deadline deadline) {
    if (!admit(principal, request.response())) {
      return null;
    }
    Context context = vertx.getOrCreateContext();
    HttpSession session =
        new HttpSession(sessions.newId(), owner(principal), vertx, options, metadataUrl(request));
    McpSession mcp = new McpSession(server, context, principal, "http", session);
    mcp.receivedWith(CallerMetadata.of(request.headers()), deadline);
    session.bind(mcp, context);
    return session;
  }

  /** Reserves a session slot for {@code principal}, or answers why not (503 or 429). */
  private boolean admit(Principal principal, HttpServerResponse response) {
    HttpSessions.Refusal refusal = sessions.reserve(owner(principal));
    if (refusal == HttpSessions.Refusal.TOTAL_CAP) {
      response.putHeader("Retry-After", "30");
      HttpErrors.send(response, 503, "Service Unavailable: too many sessions");
      return false;
    }
    if (refusal == HttpSessions.Refusal.PRINCIPAL_CAP) {
      HttpErrors.send(response, 429, "Too Many Requests: session limit reached for this principal");
      return false;
    }
    return true;
  }

  // --- GET / DELETE -----------------------------------------------------------------------------

  private void get(HttpServerRequest request, Principal principal) {
    HttpServerResponse response = request.response();
    if (!accepts(request.getHeader("Accept"), "text/event-stream")) {
      HttpErrors.send(response, 406, "Not Acceptable: accept text/event-stream");
      return;
    }
    if (!versionHeaderValid(request)) {
      HttpErrors.send(response, 400, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
    HttpSession session = requireSession(request, principal);
    if (session == null) {
      return;
    }
    session.touch();
    String lastEventId = request.getHeader("Last-Event-ID");
    session
        .context()
        .runOnContext(
            v -> {
              if (lastEventId != null) {
                if (!session.resume(lastEventId, response)) {
                  HttpErrors.send(response, 400, "Bad Request: unknown or expired Last-Event-ID");
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
    HttpSession session = requireSession(request, principal);
    if (session == null) {
      return;
    }
    end(session);
    request.response().setStatusCode(200).end();
  }

  /**
   * The session the request names, if it belongs to {@code principal}; else null once answered.
   * Another caller's session id reads as unknown (404): ids are bound to who opened them.
   */
  private HttpSession requireSession(HttpServerRequest request, Principal principal) {
    String sessionId = request.getHeader(SESSION_HEADER);
    if (sessionId == null) {
      HttpErrors.send(request.response(), 400, "Bad Request: Mcp-Session-Id header is required");
      return null;
    }
    return ownedSession(sessionId, principal, request.response());
  }

  private HttpSession ownedSession(
      String sessionId, Principal principal, HttpServerResponse response) {
    HttpSession session = sessions.get(sessionId);
    if (session == null || !session.subject.equals(owner(principal))) {
      HttpErrors.send(response, 404, "Session not found");
      return null;
    }
    return session;
  }

  /** Sessions belong to a caller: the same subject proven the same way. */
  private static String owner(Principal principal) {
    return principal.credentialKind() + ":" + principal.subject();
  }

  private void end(HttpSession session) {
    if (sessions.remove(session)) {
      session.context().runOnContext(v -> session.close());
    }
  }

  private void expireIdleSessions() {
    long idleNanos = options.sessionIdleTimeout().toNanos();
    long now = System.nanoTime();
    for (HttpSession session : sessions.all()) {
      if (now - session.lastActive > idleNanos) {
        LOG.debug("session expired after {} idle", options.sessionIdleTimeout());
        end(session);
      }
    }
  }

  private void keepStreamsAlive() {
    for (HttpSession session : sessions.all()) {
      session.context().runOnContext(v -> session.keepAlive());
    }
  }

  // --- Legacy HTTP+SSE (2024-11-05) -------------------------------------------------------------

  private void legacyStream(HttpServerRequest request, Principal principal) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.GET) {
      HttpErrors.send(response, 405, "Method Not Allowed");
      return;
    }
    if (!accepts(request.getHeader("Accept"), "text/event-stream")) {
      HttpErrors.send(response, 406, "Not Acceptable: accept text/event-stream");
      return;
    }
    HttpSession session = openSession(principal, request, null);
    if (session == null) {
      return;
    }
    sessions.add(session);
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
    String sessionId = request.getParam("sessionId");
    if (sessionId == null) {
      HttpErrors.send(response, 404, "Session not found");
      return;
    }
    HttpSession session = ownedSession(sessionId, principal, response);
    if (session == null) {
      return;
    }
    if (!isJson(request.getHeader("Content-Type"))) {
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
    String declared = request.getHeader("Content-Length");
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
    String version = request.getHeader(VERSION_HEADER);
    return version == null || ProtocolVersion.parse(version.trim()).isPresent();
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return "application/json".equals(type);
  }

  /** Whether an Accept header allows {@code type}, wildcards included. */
  static boolean accepts(String accept, String type) {
    if (accept == null) {
      return false;
    }
    String major = type.substring(0, type.indexOf('/'));
    for (String part : accept.split(",")) {
      String media = part.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      if (media.equals(type) || media.equals("*/*") || media.equals(major + "/*")) {
        return true;
      }
    }
    return false;
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
