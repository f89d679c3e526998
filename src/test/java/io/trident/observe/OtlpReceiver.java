package io.trident.observe;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test OTLP trace receiver: the collector's {@code POST /v1/traces} (OTLP/HTTP, protobuf body),
 * decoding each export with the {@code opentelemetry-proto} messages and keeping every span it
 * received, on a free loopback port.
 */
public final class OtlpReceiver implements AutoCloseable {

  /** Every span received, in order of arrival. */
  public final BlockingQueue<Span> spans = new LinkedBlockingQueue<>();

  /** How many spans arrived (benches drain nothing, so they count). */
  public final AtomicLong received = new AtomicLong();

  private final HttpServer server;
  private final boolean keep;

  private OtlpReceiver(HttpServer server, boolean keep) {
    this.server = server;
    this.keep = keep;
  }

  /**
   * @param keep whether spans are kept in {@link #spans} (tests) or only counted (benches)
   */
  public static Future<OtlpReceiver> start(Vertx vertx, boolean keep) {
    HttpServer http = vertx.createHttpServer();
    OtlpReceiver receiver = new OtlpReceiver(http, keep);
    http.requestHandler(
        request -> {
          if (!"/v1/traces".equals(request.path())) {
            request.response().setStatusCode(404).end();
            return;
          }
          request
              .body()
              .onComplete(
                  body -> {
                    if (body.failed()) {
                      request.response().setStatusCode(400).end();
                      return;
                    }
                    try {
                      receiver.accept(
                          ExportTraceServiceRequest.parseFrom(body.result().getBytes()));
                    } catch (Exception e) {
                      request.response().setStatusCode(400).end();
                      return;
                    }
                    request
                        .response()
                        .putHeader("Content-Type", "application/x-protobuf")
                        .end(
                            Buffer.buffer(
                                ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
                  });
        });
    return http.listen(0, "127.0.0.1").map(s -> receiver);
  }

  private void accept(ExportTraceServiceRequest export) {
    for (ResourceSpans rs : export.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        received.addAndGet(ss.getSpansCount());
        if (keep) {
          spans.addAll(ss.getSpansList());
        }
      }
    }
  }

  /** The endpoint for {@code otel.exporter.otlp.traces.endpoint}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1/traces";
  }

  @Override
  public void close() {
    server.close();
  }
}
