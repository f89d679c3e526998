package io.trident.observe;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The {@code metrics:}, {@code tracing:} and {@code audit:} sections (SPEC.md §12). Every key is
 * optional; the defaults record metrics, send no traces and leave the audit trail where the logging
 * setup puts it.
 */
public final class ObserveSettings {

  private ObserveSettings() {}

  /**
   * @param enabled false records nothing and serves an empty {@code /metrics} (default true)
   * @param requireScope whether {@code GET /metrics} needs the scope {@code trident:admin} (default
   *     false: a scraper on the admin listener's network needs no credential)
   * @param eventLoopProbe how often each event loop's delay is sampled (default {@code 100ms})
   * @param vertx whether Vert.x's own meters (HTTP server, pools, event bus) join them (default
   *     false: they cost a little on every request, and start-up a little)
   */
  public record Metrics(
      @JsonProperty("enabled") Boolean enabled,
      @JsonProperty("requireScope") Boolean requireScope,
      @JsonProperty("eventLoopProbe") String eventLoopProbe,
      @JsonProperty("vertx") Boolean vertx) {
    public Metrics {
      enabled = enabled == null || enabled;
      requireScope = requireScope != null && requireScope;
      eventLoopProbe = eventLoopProbe == null ? "100ms" : eventLoopProbe;
      vertx = vertx != null && vertx && enabled;
    }

    public static Metrics defaults() {
      return new Metrics(null, null, null, null);
    }
  }

  /**
   * @param enabled whether spans are made and exported over OTLP (default false); the exporter is
   *     configured with the standard {@code OTEL_*} environment variables
   * @param sampleRatio the share of new traces sampled, 0 to 1 (default 1); a caller's sampled flag
   *     is followed ({@code parentbased_traceidratio}); {@code OTEL_TRACES_SAMPLER} wins
   * @param recordSubject whether server spans carry the caller's subject ({@code enduser.id};
   *     default false)
   */
  public record Tracing(
      @JsonProperty("enabled") Boolean enabled,
      @JsonProperty("sampleRatio") Double sampleRatio,
      @JsonProperty("recordSubject") Boolean recordSubject) {
    public Tracing {
      enabled = enabled != null && enabled;
      sampleRatio = sampleRatio == null ? 1.0 : sampleRatio;
      if (sampleRatio < 0 || sampleRatio > 1) {
        throw new IllegalArgumentException("tracing.sampleRatio must be between 0 and 1");
      }
      recordSubject = recordSubject != null && recordSubject;
    }

    public static Tracing defaults() {
      return new Tracing(null, null, null);
    }
  }

  /**
   * @param file where audit lines go, one JSON object a line, rotated by size; null: where {@code
   *     TRIDENT_AUDIT_LOG} says (stderr by default)
   * @param maxFileSize the size at which the file is rotated (default {@code 10MB}; KB, MB, GB)
   * @param maxFiles how many rotated files are kept besides the current one (default 5)
   */
  public record Audit(
      @JsonProperty("file") String file,
      @JsonProperty("maxFileSize") String maxFileSize,
      @JsonProperty("maxFiles") Integer maxFiles) {
    public Audit {
      maxFileSize = maxFileSize == null ? "10MB" : maxFileSize;
      if (!maxFileSize.trim().matches("(?i)\\d+\\s*(KB|MB|GB)")) {
        throw new IllegalArgumentException(
            "audit.maxFileSize must be a size such as 10MB (KB, MB or GB)");
      }
      maxFiles = maxFiles == null ? 5 : maxFiles;
      if (maxFiles < 1 || maxFiles > 20) {
        throw new IllegalArgumentException("audit.maxFiles must be between 1 and 20");
      }
    }

    public static Audit defaults() {
      return new Audit(null, null, null);
    }
  }
}
