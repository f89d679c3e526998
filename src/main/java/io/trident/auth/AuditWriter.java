package io.trident.auth;

import java.io.Flushable;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The audit thread: runs the line-writing tasks it is given in order, then flushes the audit
 * appender once for everything it wrote. Under load it lingers a moment before looking for more
 * instead of sleeping until woken, so a burst of lines costs one wake-up and one write call rather
 * than one of each per line; idle, it sleeps until the next line. A full queue makes the caller
 * write its own line rather than drop it or wait.
 */
final class AuditWriter {

  /** How long the thread waits for more lines after a batch before it goes to sleep. */
  static final long LINGER = TimeUnit.MILLISECONDS.toNanos(1);

  private static final Runnable NOTHING = () -> {};

  private final ArrayBlockingQueue<Runnable> queue;
  private final Thread thread;
  private volatile boolean sleeping;
  private volatile Flushable flush;

  /** Held while lines are written: the audit thread's batches and the one at exit. */
  private final ReentrantLock draining = new ReentrantLock();

  AuditWriter(int capacity) {
    queue = new ArrayBlockingQueue<>(capacity);
    thread = new Thread(this::run, "trident-audit");
    thread.setDaemon(true);
    thread.start();
    // Lines still buffered (or queued) when the process ends are written before it does, unless
    // the audit thread is stuck writing (a stderr nobody reads): then exit does not wait for it.
    Runtime.getRuntime().addShutdownHook(new Thread(this::drainAtExit, "trident-audit-flush"));
  }

  void flushWith(Flushable flush) {
    this.flush = flush;
  }

  void submit(Runnable write) {
    if (!queue.offer(write)) {
      write.run();
      flushNow();
      return;
    }
    if (sleeping) {
      LockSupport.unpark(thread);
    }
  }

  /** For a line written on another thread: the audit thread flushes it with its next batch. */
  void flushSoon() {
    if (flush != null) {
      submit(NOTHING);
    }
  }

  private void run() {
    while (true) {
      if (drain()) {
        LockSupport.parkNanos(this, LINGER);
        continue;
      }
      sleeping = true;
      // Checked after saying so: a line queued before this is seen here, one queued after it
      // sees sleeping and wakes the thread.
      if (queue.isEmpty()) {
        LockSupport.park(this);
      }
      sleeping = false;
    }
  }

  private void drainAtExit() {
    try {
      if (draining.tryLock(1, TimeUnit.SECONDS)) {
        try {
          drainLocked();
        } finally {
          draining.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs what is queued, then flushes; false when there was nothing. */
  private boolean drain() {
    draining.lock();
    try {
      return drainLocked();
    } finally {
      draining.unlock();
    }
  }

  private boolean drainLocked() {
    Runnable write = queue.poll();
    if (write == null) {
      return false;
    }
    do {
      try {
        write.run();
      } catch (RuntimeException e) {
        // A line that cannot be built must not stop the audit trail.
        org.slf4j.LoggerFactory.getLogger(AuditWriter.class)
            .error("audit line not written: {}", e.toString());
      }
      write = queue.poll();
    } while (write != null);
    flushNow();
    return true;
  }

  private void flushNow() {
    Flushable f = flush;
    if (f != null) {
      try {
        f.flush();
      } catch (IOException e) {
        // The appender reports its own write failures; nothing to add per batch.
      }
    }
  }
}
