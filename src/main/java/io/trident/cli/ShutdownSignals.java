package io.trident.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM and SIGINT into an orderly stop, so the process drains its work and exits 0 instead
 * of being torn down by the JVM's default handler (exit 143). Installed first thing, so that a
 * signal during start-up is not lost: it is held until the stop action is known.
 */
final class ShutdownSignals {

  private static final Logger LOG = LoggerFactory.getLogger(ShutdownSignals.class);

  private final AtomicBoolean received = new AtomicBoolean();
  private final AtomicReference<Runnable> stop = new AtomicReference<>();

  private ShutdownSignals() {}

  static ShutdownSignals install() {
    ShutdownSignals signals = new ShutdownSignals();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name),
            signal -> {
              LOG.info("received SIG{}; shutting down", name);
              signals.received.set(true);
              Runnable action = signals.stop.get();
              if (action != null) {
                action.run();
              }
            });
      } catch (IllegalArgumentException e) {
        // Signal not available on this platform (or reserved by the JVM): keep the default.
        LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
    return signals;
  }

  /** Runs {@code action} on the next signal, or now if one came already; it must be idempotent. */
  void onTerminate(Runnable action) {
    stop.set(action);
    if (received.get()) {
      action.run();
    }
  }
}
