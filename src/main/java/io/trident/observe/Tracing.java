package io.trident.observe;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.trident.context.CallContext;
import io.trident.context.CallerMetadata;
import io.vertx.core.MultiMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Spans over the OpenTelemetry SDK, exported over OTLP (SPEC.md §12.2). The SDK is configured the
 * standard way, from {@code OTEL_*} environment variables and {@code otel.*} system properties;
 * Trident only supplies defaults (service name, sampler from {@code tracing.sampleRatio}, OTLP over
 * HTTP/protobuf, no OTel metrics or logs). Off, it makes no spans at all.
 */
public final class Tracing {

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("mcp.method.name");
  static final AttributeKey<String> TOOL = AttributeKey.stringKey("gen_ai.tool.name");
  static final AttributeKey<String> VERSION = AttributeKey.stringKey("mcp.protocol.version");
  static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("trident.transport");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("trident.outcome");
  static final AttributeKey<String> SUBJECT = AttributeKey.stringKey("enduser.id");
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("trident.upstream");
  static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");

  private static final TextMapGetter<CallerMetadata> FROM_CALLER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(CallerMetadata carrier) {
          return List.of();
        }

        @Override
        public String get(CallerMetadata carrier, String key) {
          // _meta["traceparent"] wins over the header: a message's own context is more specific.
          return carrier == null ? null : carrier.get(key);
        }
      };

  private static final Tracing OFF = new Tracing(null, false);

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;
  private final boolean recordSubject;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** The server span of each request in progress, so that its upstream calls find their parent. */
  private final Map<CallContext, Span> spans = new ConcurrentHashMap<>();

  private Tracing(OpenTelemetrySdk sdk, boolean recordSubject) {
    this.sdk = sdk;
    this.tracer = sdk == null ? null : sdk.getTracer("io.trident");
    this.recordSubject = recordSubject;
  }

  public static Tracing off() {
    return OFF;
  }

  /**
   * Starts the SDK for {@code settings}; {@code overrides} are more defaults (tests point the
   * exporter at their receiver with them). Environment variables and system properties win.
   */
  public static Tracing start(ObserveSettings.Tracing settings, Map<String, String> overrides) {
    if (!settings.enabled()) {
      return OFF;
    }
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.service.name", "trident");
    defaults.put("otel.traces.exporter", "otlp");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    // The JDK's HTTP client sends it: no OkHttp or gRPC runtime in the jar.
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    defaults.put("otel.propagators", "tracecontext");
    defaults.put("otel.traces.sampler", "parentbased_traceidratio");
    defaults.put("otel.traces.sampler.arg", Double.toString(settings.sampleRatio()));
    defaults.putAll(overrides);
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> defaults)
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    return new Tracing(sdk, settings.recordSubject());
  }

  public boolean enabled() {
    return sdk != null;
  }

  /** Sends what is buffered and stops the SDK. */
  public void close() {
    if (sdk != null && closed.compareAndSet(false, true)) {
      sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  /** Sends what is buffered now (tests, benches). */
  public void flush() {
    if (sdk != null) {
      sdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
    }
  }

  /** The server span of one request, child of the caller's trace context when it sent one. */
  Span serverSpan(
      String method,
      String tool,
      String transport,
      String protocolVersion,
      String subject,
      CallerMetadata caller) {
    Context parent =
        W3CTraceContextPropagator.getInstance().extract(Context.root(), caller, FROM_CALLER);
    var builder =
        tracer
            .spanBuilder(tool == null ? method : method + " " + tool)
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(METHOD, method)
            .setAttribute(TRANSPORT, transport);
    if (tool != null) {
      builder.setAttribute(TOOL, tool);
    }
    if (protocolVersion != null) {
      builder.setAttribute(VERSION, protocolVersion);
    }
    if (recordSubject && subject != null) {
      builder.setAttribute(SUBJECT, subject);
    }
    return builder.startSpan();
  }

  static void end(Span span, Outcome outcome) {
    span.setAttribute(OUTCOME, outcome.label());
    if (outcome != Outcome.OK) {
      span.setStatus(StatusCode.ERROR, outcome.label());
    }
    span.end();
  }

  void bind(CallContext context, Span span) {
    spans.put(context, span);
  }

  void unbind(CallContext context) {
    spans.remove(context);
  }

  /** A client span for an upstream call of the request of {@code context}. */
  Span clientSpan(String upstream, String service, String method, CallContext context) {
    Span parent = context == null ? null : spans.get(context);
    if (parent == null) {
      return null;
    }
    return tracer
        .spanBuilder(service + "/" + method)
        .setParent(Context.root().with(parent))
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(RPC_SYSTEM, "grpc")
        .setAttribute(RPC_SERVICE, service)
        .setAttribute(RPC_METHOD, method)
        .setAttribute(UPSTREAM, upstream)
        .startSpan();
  }

  /** Puts {@code span}'s context into an upstream request's headers ({@code traceparent}). */
  static void inject(Span span, MultiMap headers) {
    W3CTraceContextPropagator.getInstance()
        .inject(Context.root().with(span), headers, (h, k, v) -> h.set(k, v));
  }
}
