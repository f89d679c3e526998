package io.trident.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM and SIGINT into an orderly stop, so the process cancels its work and exits 0
 * instead of being torn down by the JVM's default handler (exit 143).
 */
final class ShutdownSignals {

  private static final Logger LOG = LoggerFactory.getLogger(ShutdownSignals.class);

  private ShutdownSignals() {}

  static void onTerminate(Runnable stop) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name),
            signal -> {
              LOG.info("received SIG{}; shutting down", name);
              stop.run();
            });
      } catch (IllegalArgumentException e) {
        // Signal not available on this platform (or reserved by the JVM): keep the default.
        LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
  }
}
