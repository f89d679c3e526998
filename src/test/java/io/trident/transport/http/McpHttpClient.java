package io.trident.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A minimal MCP Streamable HTTP client over real sockets, for tests: sends what a well-behaved
 * client sends (and, on request, what a badly behaved one sends), and hands back {@link Reply}s.
 */
final class McpHttpClient implements AutoCloseable {

  static final String LATEST = "2025-11-25";

  final HttpClient http;
  final String path;
  String sessionId;
  String protocolVersion;

  /** Headers sent on every exchange built from {@link #postHeaders()} etc. (credentials). */
  final Map<String, String> credentials = new LinkedHashMap<>();

  McpHttpClient(Vertx vertx, int port) {
    this(vertx, port, new HttpClientOptions());
  }

  McpHttpClient(Vertx vertx, int port, HttpClientOptions options) {
    this.http =
        vertx.createHttpClient(
            options.setDefaultHost("127.0.0.1").setDefaultPort(port),
            new PoolOptions().setHttp1MaxSize(32));
    this.path = "/mcp";
  }

  // --- Messages ---------------------------------------------------------------------------------

  static JsonObject request(Object id, String method, JsonObject params) {
    JsonObject msg = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
    if (params != null) {
      msg.put("params", params);
    }
    return msg;
  }

  static JsonObject notification(String method, JsonObject params) {
    JsonObject msg = new JsonObject().put("jsonrpc", "2.0").put("method", method);
    if (params != null) {
      msg.put("params", params);
    }
    return msg;
  }

  static JsonObject toolCall(Object id, String name, JsonObject args, Object progressToken) {
    JsonObject params = new JsonObject().put("name", name);
    if (args != null) {
      params.put("arguments", args);
    }
    if (progressToken != null) {
      params.put("_meta", new JsonObject().put("progressToken", progressToken));
    }
    return request(id, "tools/call", params);
  }

  static JsonObject initializeRequest(String version, JsonObject capabilities) {
    return request(
        0,
        "initialize",
        new JsonObject()
            .put("protocolVersion", version)
            .put("capabilities", capabilities)
            .put("clientInfo", new JsonObject().put("name", "http-test").put("version", "1")));
  }

  // --- Headers ----------------------------------------------------------------------------------

  /** What a conforming client sends on POST once it has a session. */
  Map<String, String> postHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json");
    h.put("Accept", "application/json, text/event-stream");
    sessionHeaders(h);
    return h;
  }

  Map<String, String> getHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Accept", "text/event-stream");
    sessionHeaders(h);
    return h;
  }

  private void sessionHeaders(Map<String, String> h) {
    h.putAll(credentials);
    if (sessionId != null) {
      h.put("Mcp-Session-Id", sessionId);
    }
    if (protocolVersion != null) {
      h.put("MCP-Protocol-Version", protocolVersion);
    }
  }

  /** {@code base} with {@code changes} applied; a null value removes the header. */
  static Map<String, String> with(Map<String, String> base, String... changes) {
    Map<String, String> h = new LinkedHashMap<>(base);
    for (int i = 0; i < changes.length; i += 2) {
      String name = changes[i];
      h.keySet().removeIf(k -> k.equalsIgnoreCase(name));
      if (changes[i + 1] != null) {
        h.put(name, changes[i + 1]);
      }
    }
    return h;
  }

  // --- Exchanges --------------------------------------------------------------------------------

  RequestOptions options(HttpMethod method, String uri, Map<String, String> headers) {
    RequestOptions o = new RequestOptions().setMethod(method).setURI(uri);
    MultiMap mm = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(mm::add);
    return o.setHeaders(mm);
  }

  Future<Reply> exchangeAsync(
      HttpMethod method, String uri, Map<String, String> headers, Buffer body) {
    return http.request(options(method, uri, headers))
        .compose(req -> (body == null ? req.send() : req.send(body)).map(Reply::new));
  }

  Reply exchange(HttpMethod method, String uri, Map<String, String> headers, Buffer body) {
    return await(exchangeAsync(method, uri, headers, body));
  }

  /** Opens a request without sending it, for tests that need the raw request or connection. */
  HttpClientRequest open(HttpMethod method, String uri, Map<String, String> headers) {
    return await(http.request(options(method, uri, headers)));
  }

  Future<Reply> postAsync(JsonObject message) {
    return exchangeAsync(HttpMethod.POST, path, postHeaders(), message.toBuffer());
  }

  Reply post(JsonObject message) {
    return await(postAsync(message));
  }

  Reply post(String body, Map<String, String> headers) {
    return exchange(HttpMethod.POST, path, headers, Buffer.buffer(body));
  }

  Reply get() {
    return get(getHeaders());
  }

  Reply get(Map<String, String> headers) {
    return exchange(HttpMethod.GET, path, headers, null);
  }

  Reply delete() {
    Map<String, String> h = new LinkedHashMap<>();
    sessionHeaders(h);
    return exchange(HttpMethod.DELETE, path, h, null);
  }

  /** The handshake: initialize, keep the session id, then notifications/initialized (202). */
  JsonObject initialize(JsonObject capabilities) {
    return initialize(LATEST, capabilities);
  }

  JsonObject initialize(String version, JsonObject capabilities) {
    Reply init = post(initializeRequest(version, capabilities));
    assertThat(init.status).as("initialize status; body %s", init.body()).isEqualTo(200);
    sessionId = init.header("Mcp-Session-Id");
    assertThat(sessionId).as("Mcp-Session-Id").isNotNull();
    JsonObject result = init.json().getJsonObject("result");
    protocolVersion = result.getString("protocolVersion");
    Reply initialized = post(notification("notifications/initialized", null));
    assertThat(initialized.status).isEqualTo(202);
    return result;
  }

  JsonObject initialize() {
    return initialize(new JsonObject());
  }

  static <T> T await(Future<T> future) {
    return await(future, Reply.WAIT_MS);
  }

  static <T> T await(Future<T> future, long timeoutMs) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no outcome within " + timeoutMs + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
