package io.trident.observe;

import io.trident.store.RedisConnector;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code trident_redis_up}: 1 while Redis answered the last {@code PING}, 0 when it did not, -1
 * before the first answer. Pinged every few seconds, off the request path.
 */
public final class RedisWatch {

  static final long PERIOD_MS = 5000;

  private RedisWatch() {}

  public static void start(Vertx vertx, RedisConnector connector, Metrics metrics) {
    if (!metrics.enabled()) {
      return;
    }
    AtomicInteger up = new AtomicInteger(-1);
    metrics.gauge(
        "trident.redis.up", "Whether Redis answered the last PING (1) or not (0)", up::get);
    Runnable ping =
        () ->
            connector
                .send(Request.cmd(Command.PING))
                .timeout(Readiness.PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .onComplete(ar -> up.set(ar.succeeded() ? 1 : 0));
    ping.run();
    vertx.setPeriodic(PERIOD_MS, t -> ping.run());
  }
}
