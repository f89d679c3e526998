package io.trident.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trident.auth.AuthFailure;
import io.trident.auth.AuthorizationEnded;
import io.trident.backend.Backend;
import io.trident.context.Cancellation;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * The server's meters, on one Prometheus registry (SPEC.md §12.1). Every label value comes from a
 * fixed set or from configuration (transports, MCP methods, outcomes, reasons, tool names in the
 * registry, upstream names and methods): a request can never add a series. Meters are resolved once
 * and kept in arrays and maps keyed by what the caller already holds, so recording on the event
 * loop costs an index and an add.
 */
public final class Metrics {

  /** The label value of every name that is not in the registry (tools) or not MCP (methods). */
  public static final String UNKNOWN = "_unknown";

  static final List<String> TRANSPORTS = List.of("stdio", "http", "grpc", "other");
  static final List<String> METHODS =
      List.of(
          "initialize",
          "ping",
          "tools/list",
          "tools/call",
          "resources/list",
          "resources/templates/list",
          "resources/read",
          "resources/subscribe",
          "resources/unsubscribe",
          "prompts/list",
          "prompts/get",
          "completion/complete",
          "logging/setLevel",
          UNKNOWN);

  static final int TOOLS_CALL = METHODS.indexOf("tools/call");

  /** Latency buckets (seconds): from a cached answer to a long tool call. */
  private static final Duration[] BUCKETS = {
    Duration.ofNanos(250_000),
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  private static final String NO_TOOL = "";
  private static final int SLOTS = TRANSPORTS.size() * METHODS.size() * Outcome.ALL.length;

  private final PrometheusMeterRegistry registry;
  private final AtomicInteger[] inFlight = new AtomicInteger[TRANSPORTS.size()];
  private final AtomicInteger[] sessions = new AtomicInteger[TRANSPORTS.size()];
  private final Map<String, AtomicReferenceArray<Timer>> requests = new ConcurrentHashMap<>();
  private final Counter[] authFailures = new Counter[AuthFailure.Reason.values().length];
  private final Counter[] streamEnds = new Counter[AuthorizationEnded.values().length];
  private final Counter[] cancellations = new Counter[Cancellation.Reason.values().length];
  private final Map<String, AtomicReferenceArray<Counter>> rateLimited = new ConcurrentHashMap<>();
  private final Map<String, Map<String, AtomicReferenceArray<Timer>>> upstreams =
      new ConcurrentHashMap<>();

  private Metrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    for (int t = 0; t < TRANSPORTS.size(); t++) {
      inFlight[t] = new AtomicInteger();
      sessions[t] = new AtomicInteger();
      if (registry != null) {
        String transport = TRANSPORTS.get(t);
        Gauge.builder("trident.requests.in.flight", inFlight[t], AtomicInteger::get)
            .description("Requests being handled now")
            .tag("transport", transport)
            .register(registry);
        Gauge.builder("trident.sessions.open", sessions[t], AtomicInteger::get)
            .description("MCP sessions open now (HTTP sessions, Connect streams, stdio)")
            .tag("transport", transport)
            .register(registry);
      }
    }
    if (registry == null) {
      return;
    }
    for (AuthFailure.Reason r : AuthFailure.Reason.values()) {
      authFailures[r.ordinal()] =
          Counter.builder("trident.auth.failures")
              .description("Requests refused by authentication or authorization")
              .tag("reason", r.name().toLowerCase(Locale.ROOT))
              .register(registry);
    }
    for (AuthorizationEnded why : AuthorizationEnded.values()) {
      streamEnds[why.ordinal()] =
          Counter.builder("trident.stream.terminations")
              .description("Streams ended by the stream guard")
              .tag("reason", why.wire())
              .register(registry);
    }
    for (Cancellation.Reason why : Cancellation.Reason.values()) {
      if (why != Cancellation.Reason.COMPLETED) {
        cancellations[why.ordinal()] =
            Counter.builder("trident.request.cancellations")
                .description("Requests ended before their result: deadline, cancel, disconnect")
                .tag("cause", why.name().toLowerCase(Locale.ROOT))
                .register(registry);
      }
    }
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** Meters on a registry of their own. */
  public static Metrics create() {
    return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** Records nothing ({@code metrics.enabled: false}). */
  public static Metrics off() {
    return new Metrics(null);
  }

  public boolean enabled() {
    return registry != null;
  }

  /** The registry, or null when off: Vert.x's own meters and gauges of other parts join it. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter (empty when off). */
  public String scrape() {
    return registry == null ? "" : registry.scrape();
  }

  /** A gauge read at scrape time (open streams, Redis state). */
  public void gauge(String name, String description, IntSupplier value) {
    if (registry != null) {
      // Held strongly: a method reference or lambda would otherwise be collected, reading NaN.
      Gauge.builder(name, value, v -> v.getAsInt())
          .description(description)
          .strongReference(true)
          .register(registry);
    }
  }

  static int transport(String transport) {
    if (transport == null) {
      return 3;
    }
    return switch (transport) {
      case "stdio" -> 0;
      case "http" -> 1;
      case "grpc" -> 2;
      default -> 3;
    };
  }

  static int method(String method) {
    int i = method == null ? -1 : METHODS.indexOf(method);
    return i < 0 ? METHODS.size() - 1 : i;
  }

  /** The tool's label: its name when the registry has it, else {@link #UNKNOWN}. */
  static String tool(Backend backend, String name) {
    return name != null && backend != null && backend.tool(name).isPresent() ? name : UNKNOWN;
  }

  void started(int transport) {
    inFlight[transport].incrementAndGet();
  }

  void finished(int transport, int method, String tool, Outcome outcome, long nanos) {
    inFlight[transport].decrementAndGet();
    if (registry == null) {
      return;
    }
    String key = tool == null ? NO_TOOL : tool;
    AtomicReferenceArray<Timer> timers = requests.get(key);
    if (timers == null) {
      timers = requests.computeIfAbsent(key, k -> new AtomicReferenceArray<>(SLOTS));
    }
    int slot = (transport * METHODS.size() + method) * Outcome.ALL.length + outcome.ordinal();
    Timer timer = timers.get(slot);
    if (timer == null) {
      timer =
          Timer.builder("trident.requests")
              .description("MCP requests handled, by transport, method, tool and outcome")
              .tag("transport", TRANSPORTS.get(transport))
              .tag("method", METHODS.get(method))
              .tag("tool", tool == null ? "" : tool)
              .tag("outcome", outcome.label())
              .serviceLevelObjectives(BUCKETS)
              .register(registry);
      timers.set(slot, timer);
    }
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  void cancelled(Cancellation.Reason reason) {
    Counter c = registry == null || reason == null ? null : cancellations[reason.ordinal()];
    if (c != null) {
      c.increment();
    }
  }

  void authFailed(AuthFailure.Reason reason) {
    if (registry != null && reason != null) {
      authFailures[reason.ordinal()].increment();
    }
  }

  void streamEnded(AuthorizationEnded why) {
    if (registry != null && why != null) {
      streamEnds[why.ordinal()].increment();
    }
  }

  void rateLimited(String transport, String limit) {
    if (registry == null || limit == null) {
      return;
    }
    // The limit names come from the limits: section (perPrincipal, tools.NAME, ...): bounded.
    int t = transport(transport);
    AtomicReferenceArray<Counter> byTransport = rateLimited.get(limit);
    if (byTransport == null) {
      byTransport =
          rateLimited.computeIfAbsent(limit, l -> new AtomicReferenceArray<>(TRANSPORTS.size()));
    }
    Counter c = byTransport.get(t);
    if (c == null) {
      c =
          Counter.builder("trident.rate.limit.refusals")
              .description("Requests refused by a rate limit")
              .tag("transport", TRANSPORTS.get(t))
              .tag("limit", limit)
              .register(registry);
      byTransport.set(t, c);
    }
    c.increment();
  }

  void sessionOpened(String transport) {
    sessions[transport(transport)].incrementAndGet();
  }

  void sessionClosed(String transport) {
    sessions[transport(transport)].decrementAndGet();
  }

  /**
   * The timers of one upstream method, one slot per gRPC status code and one for a call the caller
   * cancelled ({@code CANCELLED}).
   */
  AtomicReferenceArray<Timer> upstreamTimers(String upstream, String method) {
    Map<String, AtomicReferenceArray<Timer>> byMethod = upstreams.get(upstream);
    if (byMethod == null) {
      byMethod = upstreams.computeIfAbsent(upstream, u -> new ConcurrentHashMap<>());
    }
    AtomicReferenceArray<Timer> timers = byMethod.get(method);
    if (timers == null) {
      timers = byMethod.computeIfAbsent(method, m -> new AtomicReferenceArray<>(17));
    }
    return timers;
  }

  void upstreamFinished(
      AtomicReferenceArray<Timer> timers,
      String upstream,
      String method,
      int status,
      String statusName,
      long nanos) {
    if (registry == null) {
      return;
    }
    Timer timer = timers.get(status);
    if (timer == null) {
      timer =
          Timer.builder("trident.upstream.calls")
              .description("Calls to upstream gRPC services, by upstream, method and status")
              .tag("upstream", upstream)
              .tag("method", method)
              .tag("status", statusName)
              .serviceLevelObjectives(BUCKETS)
              .register(registry);
      timers.set(status, timer);
    }
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }
}
