package io.trident.observe;

import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop delay, the signal that something blocked a loop: every {@code period} a task is
 * scheduled on each event loop, and how late it ran is recorded ({@code
 * trident_event_loop_delay_seconds}, one series per loop). Vert.x's own blocked-thread checker only
 * logs; this one is scraped.
 */
public final class EventLoopDelay {

  private volatile boolean stopped;

  private EventLoopDelay() {}

  /** Starts a probe on every event loop of {@code vertx}; nothing when metrics are off. */
  public static EventLoopDelay start(Vertx vertx, Metrics metrics, Duration period) {
    EventLoopDelay delay = new EventLoopDelay();
    if (!metrics.enabled() || !(vertx instanceof VertxInternal internal)) {
      return delay;
    }
    long periodNanos = Math.max(1_000_000L, period.toNanos());
    int index = 0;
    for (EventExecutor loop : internal.nettyEventLoopGroup()) {
      Timer timer =
          Timer.builder("trident.event.loop.delay")
              .description("How late a task scheduled on the event loop ran")
              .tag("loop", Integer.toString(index++))
              .serviceLevelObjectives(
                  Duration.ofMillis(1),
                  Duration.ofMillis(5),
                  Duration.ofMillis(10),
                  Duration.ofMillis(50),
                  Duration.ofMillis(100),
                  Duration.ofMillis(500),
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(5))
              .register(metrics.registry());
      delay.probe(loop, timer, periodNanos);
    }
    return delay;
  }

  private void probe(EventExecutor loop, Timer timer, long periodNanos) {
    long due = System.nanoTime() + periodNanos;
    loop.schedule(
        () -> {
          timer.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
          if (!stopped && !loop.isShuttingDown()) {
            probe(loop, timer, periodNanos);
          }
        },
        periodNanos,
        TimeUnit.NANOSECONDS);
  }

  public void stop() {
    stopped = true;
  }
}
