package io.trident.transport.http;

import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP response as the test client saw it. Its handlers are installed on the event loop the
 * moment the response head arrives, so nothing is lost; test threads then read the body, or the
 * events of an SSE response one at a time, blocking with a timeout.
 */
final class Reply {

  private static final Object END = new Object();
  static final long WAIT_MS = 5_000;

  final int status;
  final MultiMap headers;
  final HttpConnection connection;
  final io.vertx.core.http.HttpVersion version;
  private final boolean sse;
  private final Buffer body = Buffer.buffer();
  private final StringBuilder pending = new StringBuilder();
  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<Throwable> ended = new CompletableFuture<>();

  Reply(HttpClientResponse response) {
    this.status = response.statusCode();
    this.headers = response.headers();
    this.connection = response.request().connection();
    this.version = response.version();
    String type = response.getHeader("Content-Type");
    this.sse = type != null && type.startsWith("text/event-stream");
    response.handler(this::onChunk);
    response.endHandler(v -> finish(null));
    response.exceptionHandler(this::finish);
  }

  private synchronized void onChunk(Buffer chunk) {
    body.appendBuffer(chunk);
    if (!sse) {
      return;
    }
    pending.append(chunk.toString(StandardCharsets.UTF_8));
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, end);
      pending.delete(0, end + 2);
      SseEvent event = parse(block);
      if (event != null) {
        events.add(event);
      }
    }
  }

  private static SseEvent parse(String block) {
    String id = null;
    String event = null;
    String retry = null;
    StringBuilder data = null;
    for (String line : block.split("\n", -1)) {
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "id" -> id = value;
        case "event" -> event = value;
        case "retry" -> retry = value;
        case "data" -> {
          if (data == null) {
            data = new StringBuilder(value);
          } else {
            data.append('\n').append(value);
          }
        }
        default -> {}
      }
    }
    if (id == null && event == null && retry == null && data == null) {
      return null;
    }
    return new SseEvent(id, event, data == null ? null : data.toString(), retry);
  }

  private void finish(Throwable failure) {
    if (ended.complete(failure)) {
      events.add(END);
    }
  }

  boolean isSse() {
    return sse;
  }

  String header(String name) {
    return headers.get(name);
  }

  /** The whole body, once the response has ended. */
  String body() {
    awaitEnd();
    synchronized (this) {
      return body.toString(StandardCharsets.UTF_8);
    }
  }

  JsonObject json() {
    String text = body();
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      throw new AssertionError("not a JSON object (status " + status + "): " + text, e);
    }
  }

  /** Waits for the end of the response; returns the failure that ended it, or null. */
  Throwable awaitEnd() {
    try {
      return ended.get(WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("response did not end within " + WAIT_MS + " ms", e);
    }
  }

  boolean hasEnded() {
    return ended.isDone();
  }

  /** The next event, or null when the stream has ended. Fails after a timeout. */
  SseEvent next() {
    return next(WAIT_MS);
  }

  SseEvent next(long timeoutMs) {
    try {
      Object e = events.poll(timeoutMs, TimeUnit.MILLISECONDS);
      if (e == null) {
        fail("no SSE event within " + timeoutMs + " ms");
      }
      if (e == END) {
        events.add(END);
        return null;
      }
      return (SseEvent) e;
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new AssertionError(ie);
    }
  }

  /** The next event whose data is not empty (skips priming events). */
  SseEvent nextMessage() {
    SseEvent e;
    do {
      e = next();
    } while (e != null && e.isPriming());
    return e;
  }

  /**
   * The next event with data that arrives within {@code timeoutMs}, or null when none does (or the
   * stream ends first): for asserting that nothing is sent.
   */
  SseEvent nextMessageOrNothing(long timeoutMs) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    try {
      while (true) {
        long left = until - System.nanoTime();
        Object e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
        if (e == null) {
          return null;
        }
        if (e == END) {
          events.add(END);
          return null;
        }
        if (!((SseEvent) e).isPriming()) {
          return (SseEvent) e;
        }
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new AssertionError(ie);
    }
  }

  /** Every remaining event until the stream ends. */
  List<SseEvent> rest() {
    List<SseEvent> all = new ArrayList<>();
    for (SseEvent e = next(); e != null; e = next()) {
      all.add(e);
    }
    return all;
  }

  void close() {
    if (connection != null) {
      connection.close();
    }
  }
}
