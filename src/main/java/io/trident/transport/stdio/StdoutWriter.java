package io.trident.transport.stdio;

import io.trident.json.ByteSink;
import io.trident.server.jsonrpc.WireJson;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes JSON messages to stdout, one per line, from a dedicated thread so that the event loop
 * never blocks on a slow reader. Encoding happens here too, off the event loop. The stream is
 * flushed whenever the queue runs dry, so bursts share one system call.
 */
final class StdoutWriter {

  private static final Logger LOG = LoggerFactory.getLogger(StdoutWriter.class);
  private static final Object STOP = new Object();

  /** Bytes gathered before a write system call. */
  private static final int CHUNK_BYTES = 64 * 1024;

  private final OutputStream out;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final Thread thread;
  private volatile boolean broken;

  StdoutWriter(OutputStream out) {
    this.out = out;
    this.thread = new Thread(this::run, "trident-stdout");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a JsonObject or JsonArray; never blocks. */
  void write(Object json) {
    if (!broken) {
      queued.incrementAndGet();
      queue.add(json);
    }
  }

  /** Queues several messages with one hand-off to the writer thread. */
  void writeAll(List<Object> messages) {
    if (!broken && !messages.isEmpty()) {
      queued.addAndGet(messages.size());
      queue.addAll(messages);
    }
  }

  /** Messages queued but not yet written; the reader pauses when this grows (back-pressure). */
  long backlog() {
    return queued.get();
  }

  /** Writes what is queued, then stops; waits at most {@code millis}. */
  void drainAndStop(long millis) {
    queue.add(STOP);
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    List<Object> batch = new ArrayList<>(256);
    // Reused for the life of the writer: a batch costs no arrays of its own, only what encoding
    // each message needs.
    ByteSink chunk = new ByteSink(CHUNK_BYTES);
    try {
      while (true) {
        Object first = queue.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, 1023);
        boolean stop = false;
        for (Object message : batch) {
          if (message == STOP) {
            stop = true;
            break;
          }
          int mark = chunk.size();
          try {
            WireJson.encodeTo(message, chunk);
          } catch (RuntimeException e) {
            chunk.truncate(mark);
            throw e;
          }
          chunk.write('\n');
          if (chunk.size() >= CHUNK_BYTES) {
            out.write(chunk.array(), 0, chunk.size());
            chunk.clear();
          }
        }
        queued.addAndGet(-batch.size());
        batch.clear();
        if (chunk.size() > 0) {
          out.write(chunk.array(), 0, chunk.size());
          chunk.clear();
        }
        if (stop || queue.isEmpty()) {
          out.flush();
        }
        if (stop) {
          return;
        }
      }
    } catch (IOException e) {
      // The client closed stdout: nothing more can be delivered; the reader will see EOF soon.
      broken = true;
      LOG.debug("stdout closed: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
