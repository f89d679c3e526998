package io.trident.transport.http;

import io.trident.server.jsonrpc.WireJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;

/**
 * One logical SSE stream of a session: the stream of one POSTed request, or the standalone GET
 * stream. Every event gets an id {@code <stream>-<seq>} unique in the session and is kept (bounded)
 * so that a client that lost the connection can resume with {@code Last-Event-ID}. The connection
 * carrying the stream may change; the stream outlives it. Used only on its session's context.
 */
final class SseStream {

  private record Event(long seq, Buffer frame) {}

  private final int id;
  private final int capacity;
  private final ArrayDeque<Event> kept = new ArrayDeque<>();
  private long seq;
  private HttpServerResponse connection;
  private boolean finished;

  SseStream(int id, int capacity) {
    this.id = id;
    this.capacity = capacity;
  }

  int id() {
    return id;
  }

  /**
   * Starts the HTTP response as an event stream; with {@code retryMillis > 0}, sends a priming
   * event.
   */
  void attach(HttpServerResponse response, long retryMillis) {
    response.setStatusCode(200);
    response.putHeader("Content-Type", "text/event-stream");
    response.putHeader("Cache-Control", "no-cache, no-transform");
    response.putHeader("X-Accel-Buffering", "no");
    response.setChunked(true);
    connection = response;
    // Send the head now: a client waits for it before it reads any event.
    response.writeHead();
    if (retryMillis > 0) {
      // An id with empty data: the client learns where to resume from before any real event.
      response.write("id: " + id + "-" + seq + "\nretry: " + retryMillis + "\ndata: \n\n");
    }
  }

  /**
   * Sends one JSON-RPC message as an event; kept for replay even when no connection is attached.
   */
  void send(Object json) {
    seq++;
    Buffer frame =
        Buffer.buffer("id: " + id + "-" + seq + "\ndata: ")
            .appendBuffer(WireJson.encode(json))
            .appendString("\n\n");
    kept.addLast(new Event(seq, frame));
    if (kept.size() > capacity) {
      kept.removeFirst();
    }
    if (connection != null) {
      connection.write(frame);
    }
  }

  /** The stream is complete (its response was sent): end the connection, if any. */
  void finish() {
    finished = true;
    if (connection != null) {
      connection.end();
      connection = null;
    }
  }

  boolean finished() {
    return finished;
  }

  boolean attached() {
    return connection != null;
  }

  /** Ends the current connection but not the stream: the client is expected to resume. */
  void detach(boolean endConnection) {
    if (connection != null && endConnection) {
      connection.end();
    }
    connection = null;
  }

  /**
   * Attaches a resuming connection: replays what came after {@code afterSeq}, then keeps the
   * connection for what follows, or ends it if the stream is complete.
   *
   * @return false when events after {@code afterSeq} are no longer kept
   */
  boolean resume(HttpServerResponse response, long afterSeq) {
    Event oldest = kept.peekFirst();
    if (afterSeq < 0 || afterSeq > seq || oldest != null && oldest.seq() > afterSeq + 1) {
      return false;
    }
    detach(true);
    attach(response, 0);
    for (Event e : kept) {
      if (e.seq() > afterSeq) {
        response.write(e.frame());
      }
    }
    if (finished) {
      response.end();
      connection = null;
    }
    return true;
  }

  /** Whether this connection is still the one attached. */
  boolean isAttached(HttpServerResponse response) {
    return connection == response;
  }

  /** Writes an SSE comment, to keep intermediaries from timing the stream out. */
  void keepAlive() {
    if (connection != null) {
      connection.write(": keep-alive\n\n");
    }
  }
}
