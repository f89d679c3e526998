package io.trident.server;

import io.trident.context.Cancellation;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request being handled, on every transport and event loop, so that a graceful shutdown can
 * wait for them and then cancel what is left. Each entry is the request's cancellation signal and
 * the context it must be fired on (the owner's state is confined to that context).
 */
final class RequestsInFlight {

  private static final Logger LOG = LoggerFactory.getLogger(RequestsInFlight.class);

  /** How long cancelled work may take to leave after the grace, before the drain ends anyway. */
  private static final long CANCEL_SETTLE_MILLIS = 1000;

  private final Map<Cancellation, Context> running = new ConcurrentHashMap<>();
  private volatile Promise<Void> drained;

  void add(Cancellation cancellation, Context context) {
    running.put(cancellation, context);
  }

  void remove(Cancellation cancellation) {
    if (running.remove(cancellation) != null) {
      Promise<Void> waiting = drained;
      if (waiting != null && running.isEmpty()) {
        waiting.tryComplete();
      }
    }
  }

  int size() {
    return running.size();
  }

  /**
   * Waits up to {@code grace} for the requests in progress to finish, then cancels the rest with
   * {@link Cancellation.Reason#SHUTDOWN}. Completes once none is left (or shortly after the
   * cancellations, for work that does not listen). Idempotent.
   */
  synchronized Future<Void> drain(Vertx vertx, Duration grace) {
    if (drained != null) {
      return drained.future();
    }
    Promise<Void> done = Promise.promise();
    drained = done;
    if (running.isEmpty()) {
      done.tryComplete();
      return done.future();
    }
    LOG.info("waiting up to {} for {} request(s) in progress", grace, running.size());
    long timer =
        vertx.setTimer(
            Math.max(1, grace.toMillis()),
            t -> {
              LOG.info(
                  "{} request(s) still running after the shutdown grace; cancelling them",
                  running.size());
              running.forEach(
                  (cancellation, context) ->
                      context.runOnContext(v -> cancellation.cancel(Cancellation.Reason.SHUTDOWN)));
              vertx.setTimer(CANCEL_SETTLE_MILLIS, s -> done.tryComplete());
            });
    done.future().onComplete(ar -> vertx.cancelTimer(timer));
    if (running.isEmpty()) {
      done.tryComplete();
    }
    return done.future();
  }
}
