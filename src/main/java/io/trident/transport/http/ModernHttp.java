package io.trident.transport.http;

import io.trident.context.CallerMetadata;
import io.trident.context.Deadline;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.server.ListenStream;
import io.trident.server.ModernRequest;
import io.trident.server.ModernServer;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.trident.server.jsonrpc.JsonRpcMessage.Response;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The 2026-07-28 revision on the Streamable HTTP endpoint (SPEC.md §11.3): one POST is one request,
 * answered as JSON or, once it has notifications to send first, as an SSE stream scoped to it. No
 * session: no {@code Mcp-Session-Id}, GET and DELETE are 405. Checks run in the order the spec's
 * error codes require: {@code _meta} (-32602), routing headers against the body (-32020), version
 * (-32022), method (-32601, 404), then the request itself.
 */
final class ModernHttp {

  static final String METHOD_HEADER = "Mcp-Method";
  static final String NAME_HEADER = "Mcp-Name";
  private static final Pattern BASE64 = Pattern.compile("^[A-Za-z0-9+/]*={0,2}$");
  private static final long KEEP_ALIVE_MILLIS = 15_000;

  private final Vertx vertx;
  private final ModernServer modern;

  ModernHttp(Vertx vertx, ModernServer modern) {
    this.vertx = vertx;
    this.modern = modern;
  }

  /** Whether a GET or DELETE (no body) is a 2026 one, by its version header: 405. */
  static boolean isModernHeader(HttpServerRequest request) {
    String version = request.getHeader(StreamableHttpTransport.VERSION_NAME);
    return version != null && ModernRequest.VERSION.equals(version.trim());
  }

  void post(
      HttpServerRequest http, Principal principal, Deadline deadline, JsonRpcMessage message) {
    HttpServerResponse response = http.response();
    if (!(message instanceof JsonRpcMessage.Request rpc)) {
      // No client notification is defined on HTTP in this revision: accepted, nothing to do.
      response.setStatusCode(202).end();
      return;
    }
    ModernRequest request;
    try {
      request = ModernRequest.parse(rpc);
    } catch (McpException e) {
      answer(response, ModernServer.reject(rpc.id(), e));
      return;
    }
    McpException mismatch = headerMismatch(http.headers(), request);
    if (mismatch == null) {
      mismatch = paramMismatch(http.headers(), request);
    }
    if (mismatch != null) {
      answer(response, ModernServer.reject(rpc.id(), mismatch));
      return;
    }
    ModernServer.Answer refused = modern.precheck(request);
    if (refused != null) {
      answer(response, refused);
      return;
    }
    if ("subscriptions/listen".equals(request.method())) {
      listen(http, principal, request);
      return;
    }
    Exchange exchange = new Exchange(response);
    ModernServer.Running running =
        modern.call(
            request,
            principal,
            CallerMetadata.of(http.headers()),
            deadline,
            "http",
            n -> exchange.event(n.toJson()));
    response.closeHandler(v -> running.cancel().run());
    running
        .answer()
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                exchange.finish(ar.result());
              } else if (!response.ended()) {
                // Cancelled: the caller is gone, or the server is shutting down.
                response.reset();
              }
            });
  }

  private void listen(HttpServerRequest http, Principal principal, ModernRequest request) {
    HttpServerResponse response = http.response();
    modern
        .admit(request, principal, "http")
        .onComplete(
            ar -> {
              if (ar.failed()) {
                answer(response, failure(request, ar.cause()));
                return;
              }
              // A listen stream holds no request slot: it is a stream, guarded as one.
              ar.result().release();
              var denied =
                  modern
                      .core()
                      .guard()
                      .check(principal, "http", request.method(), request.params());
              if (denied != null) {
                answer(
                    response,
                    new ModernServer.Answer(
                        Response.failure(request.id(), JsonRpcError.of(denied.toMcpException())),
                        200));
                return;
              }
              Exchange exchange = new Exchange(response);
              ListenStream stream;
              try {
                stream =
                    ListenStream.open(
                        modern.core(),
                        request,
                        principal,
                        "http",
                        new ListenStream.Sink() {
                          @Override
                          public void send(JsonObject message) {
                            exchange.event(message);
                          }

                          @Override
                          public void end() {
                            exchange.end();
                          }
                        });
              } catch (McpException e) {
                answer(response, failure(request, e));
                return;
              }
              long keepAlive =
                  vertx.setPeriodic(KEEP_ALIVE_MILLIS, t -> exchange.comment("keep-alive"));
              response.closeHandler(
                  v -> {
                    vertx.cancelTimer(keepAlive);
                    stream.cancel();
                  });
              response.endHandler(v -> vertx.cancelTimer(keepAlive));
            });
  }

  private static ModernServer.Answer failure(ModernRequest request, Throwable cause) {
    McpException e =
        cause instanceof McpException m
            ? m
            : new McpException(McpException.INTERNAL_ERROR, "Internal error");
    return new ModernServer.Answer(
        Response.failure(request.id(), JsonRpcError.of(e)),
        e.code() == McpException.RATE_LIMITED ? 429 : 200);
  }

  /**
   * -32020 when {@code MCP-Protocol-Version}, {@code Mcp-Method} or {@code Mcp-Name} is missing or
   * disagrees with the body; null when they agree. Names compare case-sensitively, after decoding
   * the {@code =?base64?...?=} form.
   */
  static McpException headerMismatch(MultiMap headers, ModernRequest request) {
    String version = headers.get(StreamableHttpTransport.VERSION_HEADER);
    if (version == null || !version.trim().equals(request.version())) {
      return mismatch(
          "the "
              + StreamableHttpTransport.VERSION_HEADER
              + " header must equal _meta[\""
              + ModernRequest.META_VERSION
              + "\"]");
    }
    String method = headers.get(METHOD_HEADER);
    if (method == null || !method.trim().equals(request.method())) {
      return mismatch("the " + METHOD_HEADER + " header must equal the request's method");
    }
    String expected = request.routingName();
    if (expected != null) {
      String name = decode(headers.get(NAME_HEADER));
      if (name == null || !name.equals(expected)) {
        return mismatch(
            "the "
                + NAME_HEADER
                + " header must equal params."
                + ("resources/read".equals(request.method()) ? "uri" : "name"));
      }
    }
    return null;
  }

  /**
   * -32020 when a {@code tools/call} argument the tool marks with {@code x-mcp-header} (a top-level
   * string, integer or boolean property) and its {@code Mcp-Param-<name>} header disagree: the body
   * has the value and the header is missing, invalid or different, or the header is there without
   * the value. Null when they agree (or the tool marks nothing).
   */
  McpException paramMismatch(MultiMap headers, ModernRequest request) {
    if (!"tools/call".equals(request.method())
        || !(request.params().getValue("name") instanceof String name)) {
      return null;
    }
    var tool = modern.core().backend().tool(name).orElse(null);
    JsonObject schema = tool == null ? null : tool.info().inputSchema();
    if (schema == null || !(schema.getValue("properties") instanceof JsonObject properties)) {
      return null;
    }
    JsonObject args =
        request.params().getValue("arguments") instanceof JsonObject a ? a : new JsonObject();
    for (var property : properties) {
      if (!(property.getValue() instanceof JsonObject p)
          || !(p.getValue("x-mcp-header") instanceof String header)) {
        continue;
      }
      Object value = args.getValue(property.getKey());
      String raw = headers.get("Mcp-Param-" + header);
      if (value == null && raw == null) {
        continue;
      }
      String sent = decode(raw);
      boolean same =
          value != null
              && sent != null
              && (value instanceof Number n
                  ? sameNumber(n, sent)
                  : String.valueOf(value).equals(sent));
      if (!same) {
        return mismatch(
            "the Mcp-Param-" + header + " header must equal arguments." + property.getKey());
      }
    }
    return null;
  }

  private static boolean sameNumber(Number n, String text) {
    try {
      return new java.math.BigDecimal(text).compareTo(new java.math.BigDecimal(n.toString())) == 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** A header value as text: trimmed, {@code =?base64?...?=} decoded; null when invalid. */
  static String decode(String raw) {
    if (raw == null) {
      return null;
    }
    String value = raw.trim();
    if (value.length() >= 11 && value.startsWith("=?base64?") && value.endsWith("?=")) {
      String encoded = value.substring(9, value.length() - 2);
      if (encoded.length() % 4 != 0 || !BASE64.matcher(encoded).matches()) {
        return null;
      }
      try {
        byte[] bytes = Base64.getDecoder().decode(encoded);
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (IllegalArgumentException | CharacterCodingException e) {
        return null;
      }
    }
    return value;
  }

  private static McpException mismatch(String why) {
    return new McpException(ModernRequest.HEADER_MISMATCH, "Header mismatch: " + why);
  }

  static void answer(HttpServerResponse response, ModernServer.Answer answer) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (answer.httpStatus() == 429) {
      HttpErrors.retryAfter(response, answer.response().error().data());
    }
    response
        .setStatusCode(answer.httpStatus())
        .putHeader("Content-Type", "application/json")
        .end(answer.response().toJson().encode());
  }

  /**
   * The response to one POST: plain JSON unless something must go out before the answer, then an
   * SSE stream (not resumable in this revision: no event ids) that ends with the answer.
   */
  private static final class Exchange {
    private final HttpServerResponse response;
    private boolean streaming;

    Exchange(HttpServerResponse response) {
      this.response = response;
    }

    void event(JsonObject message) {
      if (response.ended() || response.closed()) {
        return;
      }
      open();
      response.write("event: message\ndata: " + message.encode() + "\n\n");
    }

    void comment(String text) {
      if (streaming && !response.ended() && !response.closed()) {
        response.write(": " + text + "\n\n");
      }
    }

    private void open() {
      if (!streaming) {
        streaming = true;
        response
            .setStatusCode(200)
            .putHeader("Content-Type", "text/event-stream")
            .putHeader("Cache-Control", "no-cache, no-transform")
            .putHeader("X-Accel-Buffering", "no")
            .setChunked(true);
      }
    }

    void finish(ModernServer.Answer answer) {
      if (streaming) {
        event(answer.response().toJson());
        end();
      } else {
        answer(response, answer);
      }
    }

    void end() {
      if (!response.ended() && !response.closed()) {
        open();
        response.end();
      }
    }
  }
}
