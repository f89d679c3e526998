package io.trident.transport.http;

import io.trident.server.jsonrpc.WireJson;
import io.trident.store.EventStore;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;

/**
 * One logical SSE stream of a session: the stream of one POSTed request, or the standalone GET
 * stream. Every event gets an id {@code <stream>-<seq>} unique in the session and is kept (bounded)
 * so that a client that lost the connection can resume with {@code Last-Event-ID}; with a shared
 * event store, it is kept there too, so that any instance can replay it. The connection carrying
 * the stream may change, and may be another instance's (the stream is then forwarded to it); the
 * stream outlives it. Used only on its session's context.
 */
final class SseStream {

  private record Event(long seq, Buffer frame) {}

  /** Another instance carrying this stream to its client. */
  interface Forward {
    /** Sends one frame on. */
    void event(long seq, Buffer frame);

    /** The stream is complete, or is carried elsewhere from now on. */
    void end();
  }

  private final long id;
  private final int capacity;
  private final EventStore.StreamWriter store;
  private final ArrayDeque<Event> kept = new ArrayDeque<>();
  private long seq;
  private HttpServerResponse connection;
  private Forward forward;
  private int forwardTag;
  private boolean finished;

  SseStream(long id, int capacity, EventStore.StreamWriter store) {
    this.id = id;
    this.capacity = capacity;
    this.store = store;
  }

  long id() {
    return id;
  }

  /**
   * Starts the HTTP response as an event stream; with {@code retryMillis > 0}, sends a priming
   * event.
   */
  void attach(HttpServerResponse response, long retryMillis) {
    endForward();
    if (!response.headWritten()) {
      startEventStream(response);
    }
    connection = response;
    if (retryMillis > 0) {
      // An id with empty data: the client learns where to resume from before any real event.
      response.write("id: " + id + "-" + seq + "\nretry: " + retryMillis + "\ndata: \n\n");
    }
  }

  /** Writes the head of an event-stream response; a client waits for it before it reads events. */
  static void startEventStream(HttpServerResponse response) {
    response.setStatusCode(200);
    response.putHeader("Content-Type", "text/event-stream");
    response.putHeader("Cache-Control", "no-cache, no-transform");
    response.putHeader("X-Accel-Buffering", "no");
    response.setChunked(true);
    response.writeHead();
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
    store.append(seq, frame.toString());
    if (connection != null) {
      connection.write(frame);
    } else if (forward != null) {
      forward.event(seq, frame);
    }
  }

  /** The stream is complete (its response was sent): end the connection, if any. */
  void finish() {
    finished = true;
    store.finish();
    if (connection != null) {
      connection.end();
      connection = null;
    }
    endForward();
  }

  boolean finished() {
    return finished;
  }

  /** Whether a connection carries the stream, here or on another instance. */
  boolean attached() {
    return connection != null || forward != null;
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
    if (!replayable(afterSeq)) {
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

  private boolean replayable(long afterSeq) {
    Event oldest = kept.peekFirst();
    return afterSeq >= 0 && afterSeq <= seq && (oldest == null || oldest.seq() <= afterSeq + 1);
  }

  /**
   * Instance {@code tag} carries the stream to its client from now on: what came after {@code
   * afterSeq} goes there, then everything that follows. A connection here ends.
   */
  void forwardTo(int tag, Forward to, long afterSeq) {
    detach(true);
    endForward();
    forward = to;
    forwardTag = tag;
    for (Event e : kept) {
      if (e.seq() > afterSeq) {
        to.event(e.seq(), e.frame());
      }
    }
    if (finished) {
      endForward();
    }
  }

  /** Instance {@code tag} lost its client: the stream waits for a resume again. */
  boolean stopForwarding(int tag) {
    if (forward != null && forwardTag == tag) {
      forward = null;
      return true;
    }
    return false;
  }

  private void endForward() {
    Forward f = forward;
    forward = null;
    if (f != null) {
      f.end();
    }
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
