package io.trident.store;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/**
 * The SSE events of a session's streams, kept where every instance can replay them (SPEC.md §5.7).
 * Without Redis there is nothing to share: each stream keeps its own events in memory and this
 * store keeps none.
 */
public interface EventStore {

  /** Writes one stream's events in order; never waits, never fails the stream. */
  interface StreamWriter {
    /** Keeps one event: its sequence number and its whole SSE frame. */
    void append(long seq, String frame);

    /** The stream is complete: a resume replays and then ends. */
    void finish();
  }

  /** One kept event. */
  record Event(long seq, String frame) {}

  /**
   * A stream as stored.
   *
   * @param requestId the JSON of the id of the request the stream answers; null for a session's
   *     standalone stream
   * @param finished whether the stream is complete
   * @param events the events asked for, in order
   */
  record StoredStream(String requestId, boolean finished, List<Event> events) {}

  /**
   * A writer for stream {@code streamId} of session {@code sessionId}, keeping its last {@code
   * capacity} events for {@code ttl} after the last one.
   *
   * @param requestId the JSON of the request id the stream answers, or null (standalone)
   */
  StreamWriter writer(
      String sessionId, long streamId, String requestId, int capacity, Duration ttl);

  /** The events after {@code afterSeq}; null when the stream is not (or no longer) kept. */
  Future<StoredStream> read(String sessionId, long streamId, long afterSeq);

  /** Marks a stream complete (another instance answered for it). */
  Future<Void> finish(String sessionId, long streamId);

  /** True when events are kept where other instances can read them. */
  boolean shared();

  /** Streams keep their own events; nothing is shared. */
  static EventStore none() {
    return NoEventStore.INSTANCE;
  }

  static EventStore redis(RedisConnector redis) {
    return new RedisEventStore(redis);
  }
}
