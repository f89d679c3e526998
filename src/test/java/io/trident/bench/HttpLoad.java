package io.trident.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Streamable HTTP load generator of {@link HttpBench} and {@link GrpcBench}: one Vert.x {@link
 * HttpClientAgent} (HTTP/1.1, keep-alive, no pipelining, a pool of as many connections as sessions)
 * shared by N MCP sessions. Each session is a {@link BenchLoad.Lane}: it lives on one client event
 * loop and keeps exactly one {@code tools/call} of echo in flight, sending its next request from
 * the callback of the previous answer. Every answer is checked (status, media type, SSE framing,
 * id, result, echoed text); problems are counted by kind, with the first example of each kept for
 * the report.
 */
final class HttpLoad extends BenchLoad {

  static final String PATH = "/mcp";
  static final String TEXT = "hello world 1234";
  private static final String PROTOCOL_VERSION = "2025-11-25";
  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"http-bench\",\"version\":\"1\"}}}";
  private static final String INITIALIZED =
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
  private static final String CALL_PREFIX = "{\"jsonrpc\":\"2.0\",\"id\":";
  private static final CharSequence SESSION_HEADER = HttpHeaders.createOptimized("Mcp-Session-Id");
  private static final CharSequence VERSION_HEADER =
      HttpHeaders.createOptimized("MCP-Protocol-Version");
  private static final CharSequence VERSION = HttpHeaders.createOptimized(PROTOCOL_VERSION);
  private static final CharSequence APPLICATION_JSON =
      HttpHeaders.createOptimized("application/json");
  private static final CharSequence ACCEPT_BOTH =
      HttpHeaders.createOptimized("application/json, text/event-stream");
  private static final long REQUEST_IDLE_TIMEOUT_MS = 15_000;

  private final List<HttpClientAgent> clients = new ArrayList<>();
  private final boolean expectSse;
  private final boolean checkIds;
  private final boolean poolPerSession;
  private final List<Session> sessions = new ArrayList<>();
  private final MultiMap extraHeaders = HttpHeaders.headers();
  private String text = TEXT;
  private String callSuffix = callSuffix("echo", "text", TEXT);

  /**
   * @param loops client event-loop contexts; sessions are spread over them round-robin
   * @param expectSse whether every call answer must be an SSE stream (else plain JSON)
   * @param checkIds whether the answer must carry the request's id (not for the bare server)
   * @param poolPerSession one client with a pool of one connection per session (each session always
   *     uses its own connection), instead of one client whose pool of sessionCount connections all
   *     sessions share
   */
  HttpLoad(
      Vertx vertx,
      List<Context> loops,
      int port,
      int sessionCount,
      boolean expectSse,
      boolean checkIds,
      boolean poolPerSession) {
    super(vertx);
    this.expectSse = expectSse;
    this.checkIds = checkIds;
    this.poolPerSession = poolPerSession;
    HttpClientAgent shared = poolPerSession ? null : newClient(port, sessionCount);
    for (int i = 0; i < sessionCount; i++) {
      HttpClientAgent client = shared != null ? shared : newClient(port, 1);
      if (shared == null || i == 0) {
        clients.add(client);
      }
      sessions.add(new Session(i, loops.get(i % loops.size()), client));
    }
  }

  /**
   * Sends {@code name: value} with every request of every session (initialize included), e.g. an
   * {@code Authorization} header; call before {@link #open}.
   */
  HttpLoad header(String name, String value) {
    extraHeaders.add(name, value);
    return this;
  }

  /**
   * Calls {@code tool} with {@code {"<field>": TEXT}} instead of echo's {@code {"text": TEXT}}: any
   * tool whose answer carries its argument back (an upstream Echo, say); call before {@link
   * #start}.
   */
  HttpLoad tool(String tool, String field) {
    this.callSuffix = callSuffix(tool, field, text);
    return this;
  }

  /**
   * Echoes {@code bytes} of text instead of {@link #TEXT} (at least its 16): TEXT then filler, all
   * plain ASCII; call before {@link #tool} and {@link #start}.
   */
  HttpLoad textBytes(int bytes) {
    this.text = text(bytes);
    this.callSuffix = callSuffix("echo", "text", text);
    return this;
  }

  /** TEXT followed by filler, {@code bytes} long in all (never shorter than TEXT). */
  static String text(int bytes) {
    StringBuilder sb = new StringBuilder(Math.max(bytes, TEXT.length())).append(TEXT);
    while (sb.length() < bytes) {
      sb.append((char) ('a' + sb.length() % 26));
    }
    return sb.toString();
  }

  private static String callSuffix(String tool, String field, String text) {
    return ",\"method\":\"tools/call\",\"params\":{\"name\":\""
        + tool
        + "\",\"arguments\":{\""
        + field
        + "\":\""
        + text
        + "\"}}}";
  }

  private RequestOptions withExtraHeaders(RequestOptions options) {
    extraHeaders.forEach(options::addHeader);
    return options;
  }

  private HttpClientAgent newClient(int port, int poolSize) {
    return vertx
        .httpClientBuilder()
        .with(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setDecompressionSupported(false)
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(port))
        .with(new PoolOptions().setHttp1MaxSize(poolSize))
        .withConnectHandler(
            connection -> {
              connectionsOpened.increment();
              connection.closeHandler(v -> connectionsClosed.increment());
            })
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Control (called from the bench's main thread)

  @Override
  String describe() {
    return String.format(
        java.util.Locale.ROOT,
        "Streamable HTTP, %d sessions x 1 in flight, Vert.x HttpClient HTTP/1.1 keep-alive, %s",
        sessions.size(),
        poolPerSession
            ? "one connection per session"
            : "one pool of " + sessions.size() + " connections shared by all sessions");
  }

  @Override
  int connections() {
    return sessions.size();
  }

  /** Opens every session (initialize + initialized) at once; null when all opened, else why not. */
  @Override
  String open(long timeoutSeconds) throws InterruptedException {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (Session s : sessions) {
      all.add(onContext(s.context, s::open));
    }
    return awaitAll(all, timeoutSeconds, "session");
  }

  @Override
  void close() {
    for (HttpClientAgent client : clients) {
      try {
        client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the bench is ending this server anyway
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checking answers (on the client event loops: keep it cheap)

  private record Answer(int status, String contentType, String sessionId, Buffer body) {}

  private static Future<Answer> collect(HttpClientResponse response) {
    return response
        .body()
        .map(
            body ->
                new Answer(
                    response.statusCode(),
                    response.getHeader(HttpHeaders.CONTENT_TYPE),
                    response.getHeader(SESSION_HEADER),
                    body));
  }

  private void noteShape(String kind, Answer a, String sseShape) {
    noteShape(
        kind
            + " "
            + a.status
            + " "
            + (a.contentType == null ? "(no Content-Type)" : a.contentType)
            + (sseShape == null ? "" : " " + sseShape));
  }

  private static boolean isSse(String contentType) {
    return contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
  }

  private static boolean isJson(String contentType) {
    return contentType != null && contentType.regionMatches(true, 0, "application/json", 0, 16);
  }

  /** Checks one tools/call answer; null when it is right. */
  private Problem verifyCall(String kind, Answer a, long id) {
    String body = a.body.toString(StandardCharsets.UTF_8);
    String message;
    if (isSse(a.contentType)) {
      Sse sse = Sse.parse(body, checkIds ? id : -1);
      noteShape(kind, a, sse.shape());
      if (a.status != 200) {
        return problem("HTTP " + a.status, a, body);
      }
      if (!expectSse) {
        return problem("SSE answer where plain JSON was expected", a, body);
      }
      if (sse.answer == null) {
        return problem("SSE stream without a complete event answering the request", a, body);
      }
      message = sse.answer;
    } else {
      noteShape(kind, a, null);
      if (a.status != 200) {
        return problem("HTTP " + a.status, a, body);
      }
      if (!isJson(a.contentType)) {
        return problem("Content-Type " + a.contentType, a, body);
      }
      if (expectSse) {
        return problem("plain JSON answer where an SSE stream was expected", a, body);
      }
      message = body;
    }
    if (!message.contains("\"result\"")) {
      return problem(
          message.contains("\"error\"") ? "JSON-RPC error answer" : "answer without \"result\"",
          a,
          body);
    }
    // the field: the text this load sends (the local body is the whole answer)
    if (!message.contains(text)) {
      return problem("result without the echoed text", a, body);
    }
    if (message.contains("\"isError\":true")) {
      return problem("tool error (isError true)", a, body);
    }
    if (checkIds && !hasId(message, id)) {
      return problem(
          "answer carries another id than the request's", a, "request id " + id + ": " + body);
    }
    return null;
  }

  private Problem problem(String kind, Answer a, String body) {
    return new Problem(
        kind,
        "HTTP "
            + a.status
            + ", Content-Type "
            + a.contentType
            + ", body: "
            + BenchSupport.abbreviate(body.replace("\n", "\\n")));
  }

  /** Whether a JSON-RPC message text has {@code "id":ID} (not just an id starting with ID). */
  static boolean hasId(String message, long id) {
    String key = "\"id\":" + id;
    int from = 0;
    while (true) {
      int at = message.indexOf(key, from);
      if (at < 0) {
        return false;
      }
      int after = at + key.length();
      if (after == message.length()) {
        return false;
      }
      char c = message.charAt(after);
      if (c == ',' || c == '}' || c == ' ') {
        return true;
      }
      from = after;
    }
  }

  /** An SSE body parsed per the WHATWG rules that matter here (data lines, blank-line dispatch). */
  static final class Sse {
    int events; // dispatched events, with or without data
    int dataEvents; // events with non-empty data
    boolean unterminated; // trailing lines with no blank line after them (discarded, per spec)
    String answer; // data of the event answering the request (by id, or the first with data)

    String shape() {
      return "("
          + events
          + " events, "
          + dataEvents
          + " with data"
          + (unterminated ? ", +1 unterminated" : "")
          + ")";
    }

    /**
     * @param id the request id to look for, or -1 for the first event with data
     */
    static Sse parse(String body, long id) {
      Sse sse = new Sse();
      StringBuilder data = null;
      boolean pending = false; // any field line seen since the last dispatch
      int i = 0;
      int n = body.length();
      while (i < n) {
        int end = i;
        while (end < n && body.charAt(end) != '\n' && body.charAt(end) != '\r') {
          end++;
        }
        boolean terminated = end < n;
        String line = body.substring(i, end);
        if (end < n && body.charAt(end) == '\r' && end + 1 < n && body.charAt(end + 1) == '\n') {
          end++;
        }
        i = end + 1;
        if (!terminated) {
          if (!line.isEmpty()) {
            pending = true;
          }
          break;
        }
        if (line.isEmpty()) {
          if (pending) {
            sse.events++;
            if (data != null && data.length() > 0) {
              sse.dataEvents++;
              String d = data.toString();
              if (sse.answer == null && (id < 0 || hasId(d, id))) {
                sse.answer = d;
              }
            }
          }
          data = null;
          pending = false;
          continue;
        }
        pending = true;
        if (line.startsWith("data")) {
          String value;
          if (line.length() == 4) {
            value = "";
          } else if (line.charAt(4) == ':') {
            value = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
          } else {
            continue; // a field named "dataX": ignored
          }
          if (data == null) {
            data = new StringBuilder();
          } else {
            data.append('\n');
          }
          data.append(value);
        }
      }
      sse.unterminated = pending;
      return sse;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Sessions

  private final class Session extends Lane {
    final int index;
    final HttpClientAgent client;
    RequestOptions callOptions;
    long nextId = 2;

    Session(int index, Context context, HttpClientAgent client) {
      super(context);
      this.index = index;
      this.client = client;
    }

    Future<Void> open() {
      RequestOptions init =
          withExtraHeaders(
              new RequestOptions()
                  .setMethod(HttpMethod.POST)
                  .setURI(PATH)
                  .setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS)
                  .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                  .putHeader(HttpHeaders.ACCEPT, ACCEPT_BOTH));
      return client
          .request(init)
          .compose(req -> req.send(INITIALIZE))
          .compose(HttpLoad::collect)
          .compose(
              a -> {
                String text = a.body.toString(StandardCharsets.UTF_8);
                String message = text;
                if (isSse(a.contentType)) {
                  Sse sse = Sse.parse(text, -1);
                  noteShape("initialize", a, sse.shape());
                  message = sse.answer == null ? "" : sse.answer;
                } else {
                  noteShape("initialize", a, null);
                }
                if (a.status != 200 || !message.contains("\"result\"")) {
                  return Future.failedFuture(
                      "initialize: HTTP "
                          + a.status
                          + ", Content-Type "
                          + a.contentType
                          + ", body: "
                          + BenchSupport.abbreviate(text));
                }
                if (a.sessionId == null || a.sessionId.isBlank()) {
                  return Future.failedFuture("initialize: no Mcp-Session-Id header in the answer");
                }
                callOptions =
                    withExtraHeaders(
                        new RequestOptions()
                            .setMethod(HttpMethod.POST)
                            .setURI(PATH)
                            .setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS)
                            .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                            .putHeader(HttpHeaders.ACCEPT, ACCEPT_BOTH)
                            .putHeader(SESSION_HEADER, a.sessionId)
                            .putHeader(VERSION_HEADER, VERSION));
                return client.request(callOptions);
              })
          .compose(req -> req.send(INITIALIZED))
          .compose(HttpLoad::collect)
          .compose(
              a -> {
                noteShape("notifications/initialized", a, null);
                if (a.status != 202) {
                  return Future.failedFuture(
                      "notifications/initialized: HTTP "
                          + a.status
                          + " (expected 202), body: "
                          + BenchSupport.abbreviate(a.body.toString(StandardCharsets.UTF_8)));
                }
                return Future.<Void>succeededFuture();
              });
    }

    @Override
    void send() {
      long id = nextId++;
      Buffer body = Buffer.buffer(CALL_PREFIX + id + callSuffix);
      long sentAt = System.nanoTime();
      client
          .request(callOptions)
          .compose(req -> req.send(body))
          .compose(HttpLoad::collect)
          .map(a -> verifyCall("tools/call", a, id))
          .onComplete(
              ar ->
                  answered(
                      ar.succeeded()
                          ? ar.result()
                          : new Problem(
                              "exchange failed: " + ar.cause().getClass().getSimpleName(),
                              "session " + index + ": " + ar.cause()),
                      sentAt,
                      ar.failed()));
    }
  }
}
