package io.trident.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What every load generator of the network benches shares ({@link HttpLoad}, {@link GrpcLoad}):
 * lanes that each keep one call in flight on one client event loop, the count of good and bad
 * answers, problems by kind with the first example of each, answer shapes, and the latencies of the
 * good answers, taken per measured window. The bench driver ({@link HttpBench#drive}) only sees
 * this class, so that every transport is warmed up, measured and reported alike.
 */
abstract class BenchLoad {

  static final long SLOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** A problem with one answer: a short kind (the counting key) and the details of this one. */
  record Problem(String kind, String detail) {}

  final Vertx vertx;
  final LongAdder ok = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder connectionsOpened = new LongAdder();
  final LongAdder connectionsClosed = new LongAdder();
  private final long createdNanos = System.nanoTime();
  private final List<Lane> lanes = new ArrayList<>();
  private final Map<String, LongAdder> problemCounts = new ConcurrentHashMap<>();
  private final Map<String, String> problemSamples = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> shapes = new ConcurrentHashMap<>();

  volatile boolean stopping;
  private CountDownLatch stopped;

  BenchLoad(Vertx vertx) {
    this.vertx = vertx;
  }

  /** What the load is, for the report (connections, streams, in flight). */
  abstract String describe();

  /** How many client connections the load means to use (for the report). */
  abstract int connections();

  /** Opens what the lanes need (sessions, streams) at once; null when done, else why not. */
  abstract String open(long timeoutSeconds) throws InterruptedException;

  /** Closes the clients. */
  abstract void close();

  // ---------------------------------------------------------------------------------------------
  // Lanes

  /**
   * One sequence of calls with exactly one in flight, on one client event loop: {@link #next} sends
   * a call, and its answer's callback calls {@link #answered}, which sends the next one. The loop
   * is a Vert.x context, or for clients that are not Vert.x (grpc-java) a single-thread executor on
   * which the client calls back.
   */
  abstract class Lane {
    /** The lane's Vert.x context; null when it runs on another client's event loop. */
    final Context context;

    /** Runs tasks on the lane's event loop, where its answers arrive. */
    final Executor executor;

    private long[] latencies = new long[1024];
    private int latencyCount;
    private long maxNanos;
    private long slow;

    Lane(Context context) {
      this(context, task -> context.runOnContext(v -> task.run()));
    }

    /**
     * @param loop a single-thread executor: every answer of this lane must arrive on its thread
     */
    Lane(Executor loop) {
      this(null, loop);
    }

    private Lane(Context context, Executor executor) {
      this.context = context;
      this.executor = executor;
      lanes.add(this);
    }

    /** Sends the next call; runs on this lane's event loop. */
    abstract void send();

    /** Sends the next call unless the load is stopping. */
    final void next() {
      if (stopping) {
        stopped.countDown();
        return;
      }
      send();
    }

    /**
     * Records one answer and sends the next call.
     *
     * @param problem what was wrong with it, or null when it was right
     * @param sentAt {@link System#nanoTime} when the call left
     * @param pause whether to wait a little before the next call (the exchange failed outright and
     *     would fail again at once: do not spin)
     */
    final void answered(Problem problem, long sentAt, boolean pause) {
      long nanos = System.nanoTime() - sentAt;
      if (nanos > maxNanos) {
        maxNanos = nanos;
      }
      if (nanos > SLOW_NANOS) {
        slow++;
      }
      if (problem == null) {
        ok.increment();
        // Always recorded (takeLatencies starts a window afresh): a branch first taken when the
        // window opens would cost this JVM a deoptimisation right at its start.
        if (latencyCount == latencies.length) {
          latencies = Arrays.copyOf(latencies, latencyCount * 2);
        }
        latencies[latencyCount++] = nanos;
      } else {
        count(problem);
      }
      if (pause) {
        vertx.setTimer(10, t -> executor.execute(this::next));
      } else {
        next();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Control (called from the bench's main thread)

  /** Starts every lane. */
  final void start() {
    stopped = new CountDownLatch(lanes.size());
    for (Lane lane : lanes) {
      lane.executor.execute(lane::next);
    }
  }

  /**
   * Asks every lane to stop after its current answer and waits for them; returns how many still had
   * a call in flight when the wait ran out.
   */
  final long stop(long timeoutSeconds) throws InterruptedException {
    stopping = true;
    if (stopped == null) {
      return 0;
    }
    stopped.await(timeoutSeconds, TimeUnit.SECONDS);
    return stopped.getCount();
  }

  /** Runs {@code open} on {@code context}; the result completes with its outcome. */
  static CompletableFuture<Void> onContext(Context context, Supplier<Future<Void>> open) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    context.runOnContext(
        v ->
            open.get()
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        f.complete(null);
                      } else {
                        f.completeExceptionally(ar.cause());
                      }
                    }));
    return f;
  }

  /** Waits for all openings; null when all succeeded, else which failed first or how many hung. */
  static String awaitAll(List<CompletableFuture<Void>> all, long timeoutSeconds, String what)
      throws InterruptedException {
    try {
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
          .get(timeoutSeconds, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).isCompletedExceptionally()) {
          return what + " " + (i + 1) + ": " + e.getCause().getMessage();
        }
      }
      return e.getCause().getMessage();
    } catch (TimeoutException e) {
      long done = all.stream().filter(CompletableFuture::isDone).count();
      return String.format(
          Locale.ROOT,
          "only %d of %d %ss opened within %d s",
          done,
          all.size(),
          what,
          timeoutSeconds);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Results

  /** Every answer so far, good or bad (progress for the stall watch). */
  final long answers() {
    return ok.sum() + failed.sum();
  }

  final void count(Problem p) {
    failed.increment();
    problemCounts.computeIfAbsent(p.kind, k -> new LongAdder()).increment();
    problemSamples.putIfAbsent(
        p.kind,
        String.format(
            Locale.ROOT, "at %.1f s: %s", (System.nanoTime() - createdNanos) / 1e9, p.detail));
  }

  final Map<String, Long> problems() {
    return sums(problemCounts);
  }

  final String problemSample(String kind) {
    return problemSamples.get(kind);
  }

  /** Counts one answer of the given shape (what it looked like), for the report. */
  final void noteShape(String key) {
    LongAdder n = shapes.get(key);
    if (n == null) {
      n = shapes.computeIfAbsent(key, k -> new LongAdder());
    }
    n.increment();
  }

  /** What the answers looked like -> count. */
  final Map<String, Long> shapes() {
    return sums(shapes);
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counts) {
    Map<String, Long> m = new TreeMap<>();
    counts.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /**
   * Takes the latencies (ns) of the good answers recorded so far, sorted, and starts afresh. Runs
   * on each lane's own event loop, so it never races with the lane recording.
   */
  final long[] takeLatencies() throws InterruptedException {
    List<CompletableFuture<long[]>> parts = new ArrayList<>();
    for (Lane lane : lanes) {
      CompletableFuture<long[]> f = new CompletableFuture<>();
      parts.add(f);
      lane.executor.execute(
          () -> {
            f.complete(Arrays.copyOf(lane.latencies, lane.latencyCount));
            lane.latencyCount = 0;
          });
    }
    List<long[]> got = new ArrayList<>();
    int n = 0;
    for (CompletableFuture<long[]> f : parts) {
      try {
        long[] a = f.get(10, TimeUnit.SECONDS);
        got.add(a);
        n += a.length;
      } catch (ExecutionException | TimeoutException e) {
        // an event loop stuck for 10 s: the stall watch reports it; its latencies are left out
      }
    }
    long[] all = new long[n];
    int at = 0;
    for (long[] a : got) {
      System.arraycopy(a, 0, all, at, a.length);
      at += a.length;
    }
    Arrays.sort(all);
    return all;
  }

  /** Slowest answer of any phase (ns). */
  final long maxLatency() {
    long max = 0;
    for (Lane lane : lanes) {
      max = Math.max(max, lane.maxNanos);
    }
    return max;
  }

  /** Answers of any phase that took over a second. */
  final long slowAnswers() {
    long n = 0;
    for (Lane lane : lanes) {
      n += lane.slow;
    }
    return n;
  }
}
