package io.trident.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SSE events in Redis: one sorted set per stream, {@code trident:{<session>}:e:<stream>}, in the
 * session's slot. Each event is its whole SSE frame scored by its sequence number, so the order is
 * the stream's whatever order writes arrive in; score -1 holds {@code r:<request id>} and score -2
 * {@code done} once the stream is complete. Only the last {@code capacity} events are kept, and the
 * key expires {@code ttl} after the last write. A stream's writes go one batch at a time (what
 * arrives meanwhile joins the next batch), so a Redis that is slow costs memory briefly, never
 * order.
 */
final class RedisEventStore implements EventStore {

  private static final Logger LOG = LoggerFactory.getLogger(RedisEventStore.class);
  private static final String DONE = "done";

  private final RedisConnector redis;

  RedisEventStore(RedisConnector redis) {
    this.redis = redis;
  }

  static String key(String sessionId, long streamId) {
    return "trident:{" + sessionId + "}:e:" + streamId;
  }

  @Override
  public StreamWriter writer(
      String sessionId, long streamId, String requestId, int capacity, Duration ttl) {
    return new Writer(key(sessionId, streamId), requestId, capacity, RedisConnector.millis(ttl));
  }

  @Override
  public Future<StoredStream> read(String sessionId, long streamId, long afterSeq) {
    String key = key(sessionId, streamId);
    return redis
        .batch(
            List.of(
                Request.cmd(Command.ZRANGEBYSCORE).arg(key).arg(-2).arg(-1),
                Request.cmd(Command.ZRANGEBYSCORE)
                    .arg(key)
                    .arg("(" + Math.max(0, afterSeq))
                    .arg("+inf")))
        .map(
            replies -> {
              Response meta = replies.get(0);
              String requestId = null;
              boolean known = false;
              boolean finished = false;
              for (Response m : meta) {
                String v = m.toString();
                if (DONE.equals(v)) {
                  finished = true;
                } else if (v.startsWith("r:")) {
                  known = true;
                  requestId = v.length() > 2 ? v.substring(2) : null;
                }
              }
              if (!known) {
                return null;
              }
              List<Event> events = new ArrayList<>();
              for (Response frame : replies.get(1)) {
                String f = frame.toString();
                events.add(new Event(seqOf(f), f));
              }
              return new StoredStream(requestId, finished, events);
            });
  }

  /** The sequence number in a frame's {@code id: <stream>-<seq>} line. */
  static long seqOf(String frame) {
    int end = frame.indexOf('\n');
    int dash = frame.lastIndexOf('-', end);
    try {
      return Long.parseLong(frame.substring(dash + 1, end));
    } catch (RuntimeException e) {
      return -1;
    }
  }

  @Override
  public Future<Void> finish(String sessionId, long streamId) {
    String key = key(sessionId, streamId);
    return redis.send(Request.cmd(Command.ZADD).arg(key).arg("XX").arg(-2).arg(DONE)).mapEmpty();
  }

  @Override
  public boolean shared() {
    return true;
  }

  /** One stream's writes, in order, one batch in flight at a time. */
  private final class Writer implements StreamWriter {
    private final String key;
    private final int capacity;
    private final long ttlMillis;
    private String requestMeta;
    private List<Object> pending = new ArrayList<>();
    private boolean finishPending;
    private boolean writing;
    private long lastSeq;

    Writer(String key, String requestId, int capacity, long ttlMillis) {
      this.key = key;
      this.capacity = capacity;
      this.ttlMillis = ttlMillis;
      this.requestMeta = "r:" + (requestId == null ? "" : requestId);
    }

    @Override
    public synchronized void append(long seq, String frame) {
      pending.add(seq);
      pending.add(frame);
      lastSeq = Math.max(lastSeq, seq);
      flush();
    }

    @Override
    public synchronized void finish() {
      finishPending = true;
      flush();
    }

    private void flush() {
      if (writing || (pending.isEmpty() && !finishPending && requestMeta == null)) {
        return;
      }
      List<Request> batch = new ArrayList<>(4);
      Request zadd = Request.cmd(Command.ZADD).arg(key);
      boolean any = false;
      if (requestMeta != null) {
        zadd.arg(-1).arg(requestMeta);
        any = true;
        requestMeta = null;
      }
      for (int i = 0; i < pending.size(); i += 2) {
        zadd.arg((Long) pending.get(i)).arg((String) pending.get(i + 1));
        any = true;
      }
      if (finishPending) {
        zadd.arg(-2).arg(DONE);
        any = true;
        finishPending = false;
      }
      pending = new ArrayList<>();
      if (!any) {
        return;
      }
      batch.add(zadd);
      if (lastSeq > capacity) {
        batch.add(Request.cmd(Command.ZREMRANGEBYSCORE).arg(key).arg(1).arg(lastSeq - capacity));
      }
      batch.add(Request.cmd(Command.PEXPIRE).arg(key).arg(ttlMillis));
      writing = true;
      redis
          .batch(batch)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  LOG.debug("SSE events not kept in Redis: {}", ar.cause().toString());
                }
                synchronized (this) {
                  writing = false;
                  flush();
                }
              });
    }
  }
}
