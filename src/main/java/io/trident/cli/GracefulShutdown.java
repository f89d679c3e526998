package io.trident.cli;

import io.trident.server.McpServer;
import io.trident.transport.stdio.StdioTransport;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order in which the process stops (SIGTERM, SIGINT, or stdin's EOF once stdio has drained):
 * stop accepting (listeners closed, stdin no longer read), let the work in flight finish for the
 * grace, cancel what is left, flush, then let {@code Main} close Vert.x and exit 0.
 */
final class GracefulShutdown {

  /** A listener's graceful stop: no new connections now, the open ones closed by the grace. */
  @FunctionalInterface
  interface StopsAccepting {
    Future<Void> shutdown(Duration grace);
  }

  private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

  /**
   * After the work is done, how long connections may take to deliver the last answers and close
   * before Vert.x closes them anyway (an idle SSE stream never closes on its own).
   */
  private static final long FLUSH_MILLIS = 250;

  private final McpServer server;
  private final List<StopsAccepting> listeners;
  private final StdioTransport stdio;
  private final Duration grace;
  private final Runnable exit;
  private final AtomicBoolean begun = new AtomicBoolean();

  /**
   * @param stdio the stdio transport, or null
   * @param exit called once, when the process may exit
   */
  GracefulShutdown(
      McpServer server,
      List<StopsAccepting> listeners,
      StdioTransport stdio,
      Duration grace,
      Runnable exit) {
    this.server = server;
    this.listeners = List.copyOf(listeners);
    this.stdio = stdio;
    this.grace = grace;
    this.exit = exit;
  }

  /** Starts the sequence; later calls do nothing. Safe from any thread. */
  void begin() {
    if (!begun.compareAndSet(false, true)) {
      return;
    }
    LOG.debug("shutting down: {} request(s) in flight", server.requestsInFlight());
    List<Future<Void>> closing = listeners.stream().map(l -> l.shutdown(grace)).toList();
    if (stdio != null) {
      stdio.stopReading();
    }
    server
        .drain(grace)
        .compose(v -> stdio == null ? Future.<Void>succeededFuture() : stdio.stop())
        .compose(
            v ->
                Future.join(closing)
                    .<Void>mapEmpty()
                    .timeout(FLUSH_MILLIS, TimeUnit.MILLISECONDS)
                    .otherwiseEmpty())
        .onComplete(ar -> exit.run());
  }
}
