package io.trident.context;

import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * The deadline one request runs under, and the timer that enforces it. It starts as the earliest of
 * the server's cap and the deadlines the caller stated on the wire; once the request's target is
 * known, that target's own cap (a tool's timeout) narrows it further. It only ever gets earlier.
 * When it passes, the request's cancellation fires with {@link
 * Cancellation.Reason#DEADLINE_EXCEEDED}.
 *
 * <p>Changed only on the request's context; read from anywhere (blocking tools ask for the time
 * left on workers).
 */
public final class DeadlineBudget {

  /**
   * The {@code params._meta} key under which any JSON-RPC request may state its own relative
   * deadline, in milliseconds (SPEC.md §4.2).
   */
  public static final String TIMEOUT_META_KEY = "io.trident/timeoutMs";

  private final Vertx vertx;
  private final Cancellation cancellation;
  private volatile Deadline deadline;
  private boolean armed;
  private long timer = -1;

  public DeadlineBudget(Vertx vertx, Deadline initial, Cancellation cancellation) {
    this.vertx = vertx;
    this.deadline = initial;
    this.cancellation = cancellation;
  }

  public Deadline deadline() {
    return deadline;
  }

  /** Narrows the budget to at most {@code cap} from now; null changes nothing. */
  public void cap(Duration cap) {
    if (cap != null) {
      narrow(Deadline.after(cap));
    }
  }

  /** Narrows the budget to {@code other} when that is earlier; null changes nothing. */
  public void narrow(Deadline other) {
    Deadline earlier = deadline.earlierOf(other);
    if (earlier != deadline) {
      deadline = earlier;
      if (armed) {
        arm();
      }
    }
  }

  /**
   * Starts (or restarts) the timer. Owners call it only for requests still running after their
   * first turn on the event loop: most finish within it, and a timer per request is measurable on
   * the hot path.
   */
  public void arm() {
    disarm();
    armed = true;
    if (!cancellation.isCancelled()) {
      timer =
          vertx.setTimer(
              Math.max(1, deadline.remaining().toMillis()),
              t -> cancellation.cancel(Cancellation.Reason.DEADLINE_EXCEEDED));
    }
  }

  /** Stops the timer: the request has its outcome. */
  public void disarm() {
    armed = false;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
