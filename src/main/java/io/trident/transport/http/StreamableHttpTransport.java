package io.trident.transport.http;

import io.trident.context.Principal;
import io.trident.server.McpServer;
import io.trident.server.McpSession;
import io.trident.server.ProtocolVersion;
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.WireJson;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
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
  private static final long KEEP_ALIVE_MILLIS = 25_000;

  private final Vertx vertx;
  private final McpServer server;
  private final HttpTransportOptions options;
  private final HttpSessions sessions;
  private final DoorPolicy door;
  private final Set<String> corsOrigins;
  private final Principal anonymous =
      new Principal("anonymous", Set.of("*"), "none", java.util.Map.of());

  public StreamableHttpTransport(Vertx vertx, McpServer server, HttpTransportOptions options) {
    this.vertx = vertx;
    this.server = server;
    this.options = options;
    this.sessions = new HttpSessions(options);
    this.door = new DoorPolicy(options);
    this.corsOrigins = Set.copyOf(options.corsOrigins());
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
    if (options.legacySse() && "/sse".equals(path)) {
      legacyStream(request);
      return;
    }
    if (options.legacySse() && "/messages".equals(path)) {
      legacyPost(request);
      return;
    }
    if (!options.path().equals(path)) {
      HttpErrors.send(response, 404, "Not Found");
      return;
    }
    HttpMethod method = request.method();
    if (method == HttpMethod.POST) {
      post(request);
    } else if (method == HttpMethod.GET) {
      get(request);
    } else if (method == HttpMethod.DELETE) {
      delete(request);
    } else if (method == HttpMethod.OPTIONS) {
      response.setStatusCode(204).end();
    } else {
      response.putHeader("Allow", "GET, POST, DELETE, OPTIONS");
      HttpErrors.send(response, 405, "Method Not Allowed");
    }
  }

  // --- POST -------------------------------------------------------------------------------------

  private void post(HttpServerRequest request) {
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
    if (!versionHeaderValid(request)) {
      HttpErrors.send(response, 400, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
    readBody(request, body -> onPost(request, body));
  }

  private void onPost(HttpServerRequest request, Buffer body) {
    HttpServerResponse response = request.response();
    JsonRpcCodec.Decoded decoded = JsonRpcCodec.decode(body);
    if (decoded instanceof JsonRpcCodec.Invalid invalid) {
      response
          .setStatusCode(400)
          .putHeader("Content-Type", "application/json")
          .end(invalid.error().toJson().encode());
      return;
    }
    if (decoded instanceof JsonRpcCodec.Single single
        && single.message() instanceof JsonRpcMessage.Request r
        && "initialize".equals(r.method())) {
      initialize(request, r);
      return;
    }
    String sessionId = request.getHeader(SESSION_HEADER);
    if (sessionId == null) {
      HttpErrors.send(response, 400, "Bad Request: Mcp-Session-Id header is required");
      return;
    }
    HttpSession session = sessions.get(sessionId);
    if (session == null) {
      HttpErrors.send(response, 404, "Session not found");
      return;
    }
    session.touch();
    session
        .context()
        .runOnContext(
            v -> {
              if (decoded instanceof JsonRpcCodec.Single single) {
                if (single.message() instanceof JsonRpcMessage.Request r) {
                  session.handleRequest(r, response);
                } else {
                  session.mcp().handle(single.message());
                  response.setStatusCode(202).end();
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

  private void initialize(HttpServerRequest request, JsonRpcMessage.Request init) {
    HttpServerResponse response = request.response();
    HttpSession session = openSession(anonymous, response);
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
                response
                    .setStatusCode(reply == null ? 500 : 200)
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
  private HttpSession openSession(Principal principal, HttpServerResponse response) {
    if (!admit(principal, response)) {
      return null;
    }
    Context context = vertx.getOrCreateContext();
    HttpSession session = new HttpSession(sessions.newId(), principal.subject(), vertx, options);
    session.bind(new McpSession(server, context, principal, "http", session), context);
    return session;
  }

  /** Reserves a session slot for {@code principal}, or answers why not (503 or 429). */
  private boolean admit(Principal principal, HttpServerResponse response) {
    HttpSessions.Refusal refusal = sessions.reserve(principal.subject());
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

  private void get(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (!accepts(request.getHeader("Accept"), "text/event-stream")) {
      HttpErrors.send(response, 406, "Not Acceptable: accept text/event-stream");
      return;
    }
    if (!versionHeaderValid(request)) {
      HttpErrors.send(response, 400, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
    HttpSession session = requireSession(request);
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

  private void delete(HttpServerRequest request) {
    if (!versionHeaderValid(request)) {
      HttpErrors.send(request.response(), 400, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
    HttpSession session = requireSession(request);
    if (session == null) {
      return;
    }
    end(session);
    request.response().setStatusCode(200).end();
  }

  private HttpSession requireSession(HttpServerRequest request) {
    String sessionId = request.getHeader(SESSION_HEADER);
    if (sessionId == null) {
      HttpErrors.send(request.response(), 400, "Bad Request: Mcp-Session-Id header is required");
      return null;
    }
    HttpSession session = sessions.get(sessionId);
    if (session == null) {
      HttpErrors.send(request.response(), 404, "Session not found");
    }
    return session;
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

  private void legacyStream(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.GET) {
      HttpErrors.send(response, 405, "Method Not Allowed");
      return;
    }
    if (!accepts(request.getHeader("Accept"), "text/event-stream")) {
      HttpErrors.send(response, 406, "Not Acceptable: accept text/event-stream");
      return;
    }
    HttpSession session = openSession(anonymous, response);
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

  private void legacyPost(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.POST) {
      HttpErrors.send(response, 405, "Method Not Allowed");
      return;
    }
    HttpSession session = sessions.get(request.getParam("sessionId"));
    if (session == null) {
      HttpErrors.send(response, 404, "Session not found");
      return;
    }
    if (!isJson(request.getHeader("Content-Type"))) {
      HttpErrors.send(response, 415, "Unsupported Media Type: use application/json");
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
                  v ->
                      session
                          .mcp()
                          .handle(decoded)
                          .onComplete(
                              ar -> {
                                if (ar.succeeded() && ar.result() != null) {
                                  session.writeLegacy(ar.result());
                                }
                              }));
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
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    request.handler(
        chunk -> {
          if (refused[0]) {
            return;
          }
          if (body.length() + chunk.length() > options.maxBodyBytes()) {
            refused[0] = true;
            HttpErrors.send(response, 413, "Payload Too Large");
            request.connection().close();
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        v -> {
          if (!refused[0]) {
            then.handle(body);
          }
        });
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
          "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, X-MCP-API-Key");
      response.putHeader("Access-Control-Expose-Headers", "Mcp-Session-Id, WWW-Authenticate");
      response.putHeader("Access-Control-Max-Age", "600");
    }
  }
}
