package io.trident.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling for {@link HttpBench}: a bare Vert.x HTTP server with no MCP, no JSON library and no
 * sessions, deployed like Trident's HTTP transport (one verticle instance per core on an event loop
 * pool of one thread per core, all sharing the port). Every POST has its body read in full, then
 * gets a fixed answer:
 *
 * <ul>
 *   <li>without an {@code Mcp-Session-Id} request header (the initialize): 200, the fixed result
 *       and a fixed {@code Mcp-Session-Id} response header;
 *   <li>a body without {@code "id"} (a notification such as {@code notifications/initialized}): 202
 *       and no body;
 *   <li>anything else: 200 and a fixed JSON-RPC result shaped like Trident's echo answer, so both
 *       servers write about as many bytes per call.
 * </ul>
 *
 * The answer always carries id 1 (the client knows not to check ids here). Run with {@code java -cp
 * target/test-classes:target/trident.jar io.trident.bench.BareHttpServer PORT}; it prints {@code
 * listening on PORT} on stdout when ready.
 */
public final class BareHttpServer extends VerticleBase {

  private static final byte[] RESULT_PREFIX =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\""
          .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESULT_SUFFIX = "\"}]}}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TEXT_KEY = "\"text\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final CharSequence SESSION_HEADER = HttpHeaders.createOptimized("Mcp-Session-Id");
  private static final CharSequence SESSION_ID =
      HttpHeaders.createOptimized("bare-0123456789abcdef");
  private static final CharSequence APPLICATION_JSON =
      HttpHeaders.createOptimized("application/json");
  private static final byte[] ID_KEY = "\"id\"".getBytes(StandardCharsets.US_ASCII);

  private final int port;

  private BareHttpServer(int port) {
    this.port = port;
  }

  @Override
  public Future<?> start() {
    return vertx
        .createHttpServer(
            new HttpServerOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setDecompressionSupported(false))
        .requestHandler(this::handle)
        .listen();
  }

  private void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.POST) {
      response.setStatusCode(405).end();
      return;
    }
    boolean initialize = request.getHeader(SESSION_HEADER) == null;
    request
        .body()
        .onSuccess(
            body -> {
              MultiMap headers = response.headers();
              if (initialize) {
                headers.set(SESSION_HEADER, SESSION_ID);
              } else if (!contains(body, ID_KEY)) {
                response.setStatusCode(202).end();
                return;
              }
              headers.set(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
              response.end(answer(body));
            })
        .onFailure(e -> response.setStatusCode(400).end());
  }

  /**
   * The echo answer: the request's {@code "text"} value copied into a fixed result, without parsing
   * the JSON (the bench's texts have no escapes); an empty text when there is none (initialize).
   * The scans use Netty's bulk byte search and the copy one bulk copy: a ceiling that fetched the
   * body byte by byte through {@code Buffer.getByte} spent most of a 10 KiB call doing so.
   */
  private static Buffer answer(Buffer body) {
    ByteBuf bytes = ((BufferInternal) body).getByteBuf();
    int start = indexOf(bytes, TEXT_KEY);
    Buffer answer = Buffer.buffer(RESULT_PREFIX.length + RESULT_SUFFIX.length + 64);
    answer.appendBytes(RESULT_PREFIX);
    if (start >= 0) {
      start += TEXT_KEY.length;
      int end = bytes.indexOf(start, bytes.writerIndex(), (byte) '"');
      if (end < 0) {
        end = bytes.writerIndex();
      }
      answer.appendBuffer(body, start - bytes.readerIndex(), end - start);
    }
    return answer.appendBytes(RESULT_SUFFIX);
  }

  private static boolean contains(Buffer body, byte[] needle) {
    return indexOf(((BufferInternal) body).getByteBuf(), needle) >= 0;
  }

  /** The absolute index of {@code needle} in {@code bytes}' readable bytes, or -1. */
  private static int indexOf(ByteBuf bytes, byte[] needle) {
    int from = bytes.readerIndex();
    int last = bytes.writerIndex() - needle.length;
    while (from <= last) {
      int i = bytes.indexOf(from, last + 1, needle[0]);
      if (i < 0) {
        return -1;
      }
      int j = 1;
      while (j < needle.length && bytes.getByte(i + j) == needle[j]) {
        j++;
      }
      if (j == needle.length) {
        return i;
      }
      from = i + 1;
    }
    return -1;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: BareHttpServer PORT");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores));
    vertx
        .deployVerticle(() -> new BareHttpServer(port), new DeploymentOptions().setInstances(cores))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    System.out.println("listening on " + port);
    System.out.flush();
  }
}
