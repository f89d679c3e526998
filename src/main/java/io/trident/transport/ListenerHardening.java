package io.trident.transport;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection limits of one network listener (SPEC.md §9), shared by its event-loop instances:
 * connection caps (total and per client address), header, body and idle timeouts, header count,
 * HTTP/2 stream, reset and ping limits, server keepalive pings on busy HTTP/2 connections, and HSTS
 * on HTTPS. Everything here runs on the connection's event loop and only arms timers; nothing
 * blocks.
 */
public final class ListenerHardening {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerHardening.class);

  /** HTTP/2 error code ENHANCE_YOUR_CALM (RFC 9113 §7). */
  static final long ENHANCE_YOUR_CALM = 0xb;

  /**
   * The longest any connection may go without a byte either way, whatever it is doing: catches
   * sockets that never send a request at all. Long enough for streams kept alive by SSE comments
   * (25 s) or keepalive pings.
   */
  private static final Duration SILENT_SOCKET_BACKSTOP = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final String listener;
  private final ListenerLimits limits;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
  private final Map<HttpConnection, ConnectionWatch> connections = new ConcurrentHashMap<>();

  /**
   * @param listener the listener's name in log lines: {@code http}, {@code grpc}, {@code admin}
   */
  public ListenerHardening(Vertx vertx, String listener, ListenerLimits limits) {
    this.vertx = vertx;
    this.listener = listener;
    this.limits = limits;
  }

  public ListenerLimits limits() {
    return limits;
  }

  /** Connections open now (refused ones are gone at once). */
  public int openConnections() {
    return open.get();
  }

  /** The limits Vert.x and Netty enforce themselves: header size, HTTP/2 settings, rapid reset. */
  public HttpServerOptions apply(HttpServerOptions options) {
    Http2Settings settings =
        new Http2Settings(options.getInitialSettings())
            .setMaxConcurrentStreams(limits.maxConcurrentStreams())
            .setMaxHeaderListSize(limits.maxHeaderBytes());
    long backstop =
        Math.max(limits.idleTimeout().toMillis(), SILENT_SOCKET_BACKSTOP.toMillis())
            + limits.headerTimeout().toMillis();
    return options
        .setMaxHeaderSize(limits.maxHeaderBytes())
        .setInitialSettings(settings)
        .setHttp2RstFloodMaxRstFramePerWindow(limits.maxResetsPerWindow())
        .setHttp2RstFloodWindowDuration((int) limits.resetWindow().toSeconds())
        .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS)
        .setSslHandshakeTimeout(limits.headerTimeout().toMillis())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
        .setHttp2ClearTextEnabled(limits.h2c())
        .setIdleTimeout((int) backstop)
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /**
   * Watches every connection of {@code server} and puts {@code next} behind the per-request checks.
   *
   * @param bodyTimed which requests have their body watched for stalls (not gRPC streams)
   */
  public HttpServer install(
      HttpServer server, Handler<HttpServerRequest> next, Predicate<HttpServerRequest> bodyTimed) {
    return server
        .connectionHandler(this::connected)
        .requestHandler(request -> handle(request, next, bodyTimed));
  }

  private void connected(HttpConnection connection) {
    LOG.debug("{}: connection from {}", listener, connection.remoteAddress());
    String address =
        connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
    AtomicInteger fromAddress = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
    int total = open.incrementAndGet();
    int mine = fromAddress.incrementAndGet();
    ConnectionWatch watch = new ConnectionWatch(connection);
    connections.put(connection, watch);
    connection.closeHandler(v -> closed(connection, address));
    if (total > limits.maxConnections() || mine > limits.maxConnectionsPerAddress()) {
      LOG.warn(
          "{}: connection from {} refused: {} open (cap {}), {} from that address (cap {})",
          listener,
          address,
          total,
          limits.maxConnections(),
          mine,
          limits.maxConnectionsPerAddress());
      watch.refused = true;
      connection.close();
      return;
    }
    try {
      connection.pingHandler(watch::pinged);
      watch.http2 = true;
      watch.keepAliveTimer =
          vertx.setPeriodic(limits.keepAliveInterval().toMillis(), id -> watch.keepAlive());
    } catch (UnsupportedOperationException http1) {
      // HTTP/1.x has no PING frames: nothing more to watch.
    }
    // An HTTP/2 connection is handed over once its preface is in, and its header blocks arrive
    // whole (Netty caps their size): until its first stream it is idle. An HTTP/1.1 connection is
    // handed over at once, and its first request's headers must be complete in time.
    if (watch.http2) {
      watch.arm(limits.idleTimeout(), "idle, no request");
    } else {
      watch.arm(limits.headerTimeout(), "headers not complete");
    }
  }

  private void closed(HttpConnection connection, String address) {
    ConnectionWatch watch = connections.remove(connection);
    if (watch != null) {
      watch.cancel();
      if (watch.keepAliveTimer >= 0) {
        vertx.cancelTimer(watch.keepAliveTimer);
      }
    }
    open.decrementAndGet();
    perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  private void handle(
      HttpServerRequest request,
      Handler<HttpServerRequest> next,
      Predicate<HttpServerRequest> bodyTimed) {
    ConnectionWatch watch = connections.get(request.connection());
    if (watch == null || watch.refused) {
      request.connection().close();
      return;
    }
    watch.requestStarted();
    HttpServerResponse response = request.response();
    BodyStallWatch stall =
        limits.bodyTimeout().isZero() || request.isEnded() || !bodyTimed.test(request)
            ? null
            : new BodyStallWatch(request, watch);
    response.endHandler(
        v -> {
          watch.requestEnded();
          if (stall != null) {
            // Its timer holds the request: left running, every request stayed for bodyTimeout.
            stall.stop();
          }
        });
    int fields = headerFields(request, limits.maxHeaderCount() + 1);
    if (fields > limits.maxHeaderCount()) {
      LOG.debug("{}: request with over {} header fields refused", listener, fields - 1);
      response.setStatusCode(431).putHeader("Connection", "close").end();
      return;
    }
    if (request.isSSL() && !limits.hstsMaxAge().isZero()) {
      response.putHeader("Strict-Transport-Security", "max-age=" + limits.hstsMaxAge().toSeconds());
    }
    if (stall != null) {
      stall.start();
    }
    next.handle(request);
  }

  /**
   * The request's header fields, counted up to {@code cap}: Vert.x's {@code headers().size()}
   * collects the distinct names into a sorted set, which cost more per request than the rest of
   * these checks together (and counts a repeated field once).
   */
  private static int headerFields(HttpServerRequest request, int cap) {
    int n = 0;
    for (Map.Entry<String, String> ignored : request.headers()) {
      if (++n >= cap) {
        break;
      }
    }
    return n;
  }

  /** One connection: its header/idle timer, its open requests and its PING accounting. */
  private final class ConnectionWatch {
    private final HttpConnection connection;
    boolean refused;
    boolean http2;
    long keepAliveTimer = -1;

    /** The pending timer, or -1; it may fire before the deadline and then waits again. */
    private long timer = -1;

    /** When the pending timer fires (System.nanoTime). */
    private long timerDue;

    /** When the connection is closed (System.nanoTime), or 0 while a request is in progress. */
    private long deadline;

    /** Request bodies being read, checked for stalls by one periodic sweep while there are any. */
    private final List<BodyStallWatch> bodies = new ArrayList<>(1);

    private long sweepTimer = -1;

    private String why;
    private Duration armedFor;
    private int inFlight;
    private long pingWindowStart = System.nanoTime();
    private int pingsInWindow;
    private boolean requestsSincePing;
    private long lastPing;
    private boolean pingedBefore;
    private int strikes;
    private boolean calmed;

    ConnectionWatch(HttpConnection connection) {
      this.connection = connection;
    }

    /**
     * Closes the connection {@code after} from now unless disarmed first. Arming and disarming only
     * move the deadline: the one timer is set again only when it fires early (the deadline moved
     * on) or would fire too late, so a keep-alive connection's requests set no timer each.
     */
    void arm(Duration after, String why) {
      long now = System.nanoTime();
      this.deadline = now + after.toNanos();
      this.why = why;
      this.armedFor = after;
      if (timer >= 0 && timerDue - deadline > 0) { // nanoTime: compare differences
        vertx.cancelTimer(timer);
        timer = -1;
      }
      if (timer < 0) {
        schedule(now);
      }
    }

    /** A request is in progress: no deadline until it ends (the timer, if pending, lapses). */
    void disarm() {
      deadline = 0;
    }

    /** Stops the timers for good (the connection is closed). */
    void cancel() {
      deadline = 0;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      bodies.clear();
      if (sweepTimer >= 0) {
        vertx.cancelTimer(sweepTimer);
        sweepTimer = -1;
      }
    }

    void watchBody(BodyStallWatch body) {
      bodies.add(body);
      if (sweepTimer < 0) {
        // The first look is a whole period away: it may already judge this body.
        body.lookedAt();
        sweepTimer = vertx.setPeriodic(limits.bodyTimeout().toMillis(), id -> sweepBodies());
      }
    }

    void unwatchBody(BodyStallWatch body) {
      bodies.remove(body);
    }

    private void sweepBodies() {
      // A copy: answering a stalled request ends it, and its end handler leaves the list.
      for (BodyStallWatch body : bodies.toArray(new BodyStallWatch[0])) {
        if (body.checkDone()) {
          bodies.remove(body);
        }
      }
      if (bodies.isEmpty() && sweepTimer >= 0) {
        vertx.cancelTimer(sweepTimer);
        sweepTimer = -1;
      }
    }

    private void schedule(long now) {
      timerDue = deadline;
      timer = vertx.setTimer(Math.max(1, (deadline - now + 999_999) / 1_000_000), id -> fired());
    }

    private void fired() {
      timer = -1;
      if (deadline == 0) {
        return;
      }
      long now = System.nanoTime();
      if (now - deadline < 0) {
        schedule(now);
        return;
      }
      deadline = 0;
      LOG.debug("{}: connection closed: {} within {}", listener, why, armedFor);
      connection.close();
    }

    void requestStarted() {
      inFlight++;
      requestsSincePing = true;
      disarm();
    }

    /**
     * With nothing in progress the connection is idle; an HTTP/1.1 connection must also bring its
     * next request's headers within that time.
     */
    void requestEnded() {
      inFlight = Math.max(0, inFlight - 1);
      requestsSincePing = true;
      if (inFlight == 0) {
        arm(limits.idleTimeout(), "idle, no request");
      }
    }

    void keepAlive() {
      if (inFlight > 0) {
        connection
            .ping(Buffer.buffer(new byte[8]))
            .onFailure(e -> LOG.debug("{}: keepalive ping failed: {}", listener, e.getMessage()));
      }
    }

    void pinged(Buffer data) {
      long now = System.nanoTime();
      if (now - pingWindowStart > limits.pingWindow().toNanos()) {
        pingWindowStart = now;
        pingsInWindow = 0;
      }
      // A ping after requests began or ended here is the client measuring a working connection
      // (gRPC's BDP pings come after every burst of data): like gRPC servers, which reset their
      // ping accounting whenever they send, only pings with no request activity in between count.
      boolean working = requestsSincePing;
      requestsSincePing = false;
      if (!working) {
        pingsInWindow++;
      }
      boolean early =
          pingedBefore
              && inFlight == 0
              && !working
              && now - lastPing < limits.minPingInterval().toNanos();
      lastPing = now;
      pingedBefore = true;
      if (early) {
        strikes++;
      }
      if (!calmed
          && (pingsInWindow > limits.maxPingsPerWindow() || strikes > limits.maxPingStrikes())) {
        calmed = true;
        LOG.warn(
            "{}: connection from {} sent too many pings ({} in {}, {} strikes): GOAWAY",
            listener,
            connection.remoteAddress(),
            pingsInWindow,
            limits.pingWindow(),
            strikes);
        connection.goAway(ENHANCE_YOUR_CALM, -1, Buffer.buffer("too_many_pings"));
        // The GOAWAY is flushed first; streams in progress get no more time.
        vertx.setTimer(100, id -> connection.close());
      }
    }
  }

  /**
   * Answers 408 and closes the connection when a request body sends nothing for bodyTimeout. Its
   * connection's sweep looks at it once per bodyTimeout: a stall is a whole period between two
   * looks with no byte read, so it is caught between one and two periods after the last byte (a
   * timer per request cost more than the rest of a small request's checks).
   */
  private final class BodyStallWatch {
    private final HttpServerRequest request;
    private final ConnectionWatch connection;
    private long lastBytes;
    private boolean seen;

    BodyStallWatch(HttpServerRequest request, ConnectionWatch connection) {
      this.request = request;
      this.connection = connection;
    }

    void start() {
      connection.watchBody(this);
    }

    void lookedAt() {
      seen = true;
      lastBytes = request.bytesRead();
    }

    void stop() {
      connection.unwatchBody(this);
    }

    /** One look from the sweep; true when this body needs no more (ended, or answered 408). */
    boolean checkDone() {
      HttpServerResponse response = request.response();
      if (request.isEnded() || response.ended() || response.closed()) {
        return true;
      }
      long bytes = request.bytesRead();
      if (!seen || bytes != lastBytes) {
        lookedAt();
        return false;
      }
      stalled(bytes, response);
      return true;
    }

    private void stalled(long bytes, HttpServerResponse response) {
      LOG.debug(
          "{}: request body stalled at {} bytes for {}", listener, bytes, limits.bodyTimeout());
      boolean http1 = request.version() != HttpVersion.HTTP_2;
      if (!response.headWritten()) {
        if (http1) {
          response.putHeader("Connection", "close");
        }
        response.setStatusCode(408).end();
      }
      // On HTTP/1.1 the rest of the body would be read as the next request: the connection goes.
      // On HTTP/2 only the stream ends; the connection's other streams carry on.
      if (http1) {
        vertx.setTimer(100, t -> request.connection().close());
      } else if (!response.ended()) {
        response.reset();
      }
    }
  }
}
