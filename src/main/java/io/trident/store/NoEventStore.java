package io.trident.store;

import io.vertx.core.Future;
import java.time.Duration;

/** The event store of a single instance: each stream's own memory is the store. */
final class NoEventStore implements EventStore {

  static final NoEventStore INSTANCE = new NoEventStore();

  private static final StreamWriter NOTHING =
      new StreamWriter() {
        @Override
        public void append(long seq, String frame) {}

        @Override
        public void finish() {}
      };

  private NoEventStore() {}

  @Override
  public StreamWriter writer(
      String sessionId, long streamId, String requestId, int capacity, Duration ttl) {
    return NOTHING;
  }

  @Override
  public Future<StoredStream> read(String sessionId, long streamId, long afterSeq) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> finish(String sessionId, long streamId) {
    return Future.succeededFuture();
  }

  @Override
  public boolean shared() {
    return false;
  }
}
