package io.trident.context;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * A one-shot cancellation signal. Fired by an explicit client cancel, a disconnect, the deadline or
 * server shutdown; work that can stop early listens to it. Firing twice keeps the first reason.
 */
public final class Cancellation {

  /** Why the work was cancelled. */
  public enum Reason {
    CLIENT_CANCELLED,
    DEADLINE_EXCEEDED,
    DISCONNECTED,
    SHUTDOWN,
    /** The request already has its response; anything still running for it should stop. */
    COMPLETED
  }

  private final Promise<Reason> fired = Promise.promise();

  /** Fires the signal; returns false if it had already fired. */
  public boolean cancel(Reason reason) {
    return fired.tryComplete(reason);
  }

  public boolean isCancelled() {
    return fired.future().isComplete();
  }

  /** The reason, or null while not cancelled. */
  public Reason reason() {
    return fired.future().result();
  }

  /** Completes with the reason when the signal fires; never fails. */
  public Future<Reason> future() {
    return fired.future();
  }
}
