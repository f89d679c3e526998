package io.trident.observe;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * Vert.x's own meters (HTTP server requests and connections, pools, event bus) on the same registry
 * as Trident's, through vertx-micrometer-metrics. Their labels are Vert.x's defaults, which never
 * include a request path.
 */
public final class VertxMetrics {

  private VertxMetrics() {}

  /** A Vert.x instance whose meters go to {@code metrics}' registry (plain when it is off). */
  public static Vertx vertx(VertxOptions options, Metrics metrics) {
    if (!metrics.enabled()) {
      return Vertx.vertx(options);
    }
    return Vertx.builder()
        .with(
            new VertxOptions(options)
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
        .build();
  }
}
