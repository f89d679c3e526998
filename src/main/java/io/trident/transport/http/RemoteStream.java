package io.trident.transport.http;

import io.trident.model.McpException;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage.Response;
import io.trident.store.EventStore;
import io.trident.store.SharedState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * A stream held by another instance, resumed here (SPEC.md §5.7): the events the store kept are
 * replayed, then the owner forwards the rest over the bus. When the owner stops answering its
 * heartbeat, what the store kept since is replayed and, for a request's stream, a JSON-RPC error
 * ({@code -32603}, {@code data.reason: "instance_lost"}) ends it. Runs on the context of the GET
 * that resumed it.
 */
final class RemoteStream {

  static final String LOST_MESSAGE = "The instance running this request stopped before it finished";

  final String sessionId;
  final long streamId;
  final int owner;
  private final SharedState shared;
  private final Context context;
  private final HttpServerResponse response;
  private final int capacity;
  private final Duration ttl;
  private String requestId;
  private long lastSeq;
  private boolean ended;
  private Runnable onEnd = () -> {};

  RemoteStream(
      String sessionId,
      long streamId,
      int owner,
      SharedState shared,
      Context context,
      HttpServerResponse response,
      int capacity,
      Duration ttl) {
    this.sessionId = sessionId;
    this.streamId = streamId;
    this.owner = owner;
    this.shared = shared;
    this.context = context;
    this.response = response;
    this.capacity = capacity;
    this.ttl = ttl;
  }

  String key() {
    return key(sessionId, streamId);
  }

  static String key(String sessionId, long streamId) {
    return sessionId + "/" + streamId;
  }

  void onEnd(Runnable action) {
    this.onEnd = action;
  }

  /**
   * Replays what the store kept after {@code afterSeq}; completes with false when the stream is not
   * kept (or that far back no longer), true once the replay is written and the stream either ended
   * or waits for the owner's events.
   */
  Future<Boolean> start(long afterSeq) {
    return shared
        .events()
        .read(sessionId, streamId, afterSeq)
        .compose(
            stored -> {
              if (stored == null
                  || !stored.events().isEmpty()
                      && afterSeq > 0
                      && stored.events().get(0).seq() > afterSeq + 1) {
                return Future.succeededFuture(false);
              }
              requestId = stored.requestId();
              lastSeq = afterSeq;
              SseStream.startEventStream(response);
              replay(stored);
              if (stored.finished()) {
                end();
                return Future.succeededFuture(true);
              }
              response.closeHandler(
                  v ->
                      context.runOnContext(
                          x -> {
                            if (!ended) {
                              ended = true;
                              onEnd.run();
                              shared
                                  .bus()
                                  .send(
                                      owner,
                                      new JsonObject()
                                          .put("t", "detach")
                                          .put("s", sessionId)
                                          .put("st", streamId)
                                          .put("from", shared.bus().tag()));
                            }
                          }));
              return shared
                  .bus()
                  .alive(owner)
                  .map(
                      alive -> {
                        if (alive) {
                          shared
                              .bus()
                              .send(
                                  owner,
                                  new JsonObject()
                                      .put("t", "attach")
                                      .put("s", sessionId)
                                      .put("st", streamId)
                                      .put("to", shared.bus().tag())
                                      .put("after", lastSeq));
                        } else {
                          ownerLost();
                        }
                        return true;
                      });
            });
  }

  private void replay(EventStore.StoredStream stored) {
    for (EventStore.Event e : stored.events()) {
      write(e.seq(), Buffer.buffer(e.frame()));
    }
  }

  /** One event from the owner (or the store); each sequence number is written once, in order. */
  void write(long seq, Buffer frame) {
    if (ended || seq <= lastSeq) {
      return;
    }
    lastSeq = seq;
    response.write(frame);
  }

  /** The owner finished the stream, or handed it to another connection. */
  void end() {
    if (!ended) {
      ended = true;
      onEnd.run();
      response.end();
    }
  }

  /**
   * The owner is gone: replays what it stored since, then ends a request's stream with the
   * documented error (stored too, so that a later resume sees the same).
   */
  void ownerLost() {
    if (ended) {
      return;
    }
    shared
        .events()
        .read(sessionId, streamId, lastSeq)
        .onComplete(
            ar ->
                context.runOnContext(
                    v -> {
                      if (ended) {
                        return;
                      }
                      if (ar.succeeded() && ar.result() != null) {
                        replay(ar.result());
                        if (ar.result().finished()) {
                          end();
                          return;
                        }
                      }
                      if (requestId != null) {
                        Object id = Json.decodeValue(requestId);
                        Object error =
                            Response.failure(
                                    id,
                                    new JsonRpcError(
                                        McpException.INTERNAL_ERROR,
                                        LOST_MESSAGE,
                                        new JsonObject().put("reason", "instance_lost")))
                                .toJson();
                        long seq = lastSeq + 1;
                        Buffer frame =
                            Buffer.buffer("id: " + streamId + "-" + seq + "\ndata: ")
                                .appendString(Json.encode(error))
                                .appendString("\n\n");
                        EventStore.StreamWriter writer =
                            shared.events().writer(sessionId, streamId, requestId, capacity, ttl);
                        writer.append(seq, frame.toString());
                        writer.finish();
                        write(seq, frame);
                      }
                      end();
                    }));
  }

  Context context() {
    return context;
  }
}
