package io.trident.soak;

import io.trident.auth.ApiKeyStore;
import io.trident.client.grpc.CallOptions;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.client.grpc.McpGrpcException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak ({@code scripts/soak}): starts the jar with stdio, Streamable HTTP, gRPC and the admin
 * listener, all on loopback, and drives mixed load on all three for a bounded time. Good requests
 * (which must all succeed) are interleaved with session churn, SSE drops resumed with {@code
 * Last-Event-ID}, cancellations, deadline expiries ({@code Mcp-Timeout-Ms}, {@code grpc-timeout})
 * and bad input, whose answers are checked too. Afterwards it prints good requests and errors among
 * them, heap after a full GC at the end against after warm-up, what {@code GET /admin/state}
 * reports against its start-up values, and file descriptors against their baseline; it exits 1 when
 * any check fails.
 */
public final class Soak {

  private static final String VERSION = "2025-11-25";
  private static final String ACCEPT = "application/json, text/event-stream";
  private static final Pattern EVENT_ID = Pattern.compile("(?m)^id: ?(\\S+)");

  private final Duration duration;
  private final Path jar;
  private final Path work;
  private final int workers;
  private final Vertx vertx = Vertx.vertx();

  /** Its own event loop for GET /admin/state, so that a busy load cannot delay the readings. */
  private final Vertx adminVertx = Vertx.vertx();

  private HttpClient admin;
  private final Counts counts = new Counts();
  private volatile boolean stopping;

  private Process server;
  private int httpPort;
  private int grpcPort;
  private int adminPort;
  private String apiKey;
  private HttpClient http;

  /** One per worker: cancellations reset streams, and a connection that resets too many is cut. */
  private final List<McpGrpcClient> grpcClients = new ArrayList<>();

  private Stdio stdio;

  private Soak(Duration duration, Path jar, Path work, int workers) {
    this.duration = duration;
    this.jar = jar;
    this.work = work;
    this.workers = workers;
  }

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofMinutes(10);
    Path jar = Path.of("target", "trident.jar");
    int workers = 8;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--duration" -> duration = parseDuration(args[++i]);
        case "--jar" -> jar = Path.of(args[++i]);
        case "--workers" -> workers = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("soak: unknown argument " + args[i]);
          System.exit(2);
        }
      }
    }
    Path work = Files.createDirectories(Path.of("target", "soak"));
    Soak soak = new Soak(duration, jar, work, workers);
    int status;
    try {
      status = soak.run();
    } finally {
      soak.stopServer();
    }
    System.exit(status);
  }

  static Duration parseDuration(String text) {
    Matcher m = Pattern.compile("(\\d+)([smh]?)").matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + text + " (e.g. 90s, 10m)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }

  private int run() throws Exception {
    startServer();
    // The first jcmd opens the JVM's attach socket for good: open it before the baseline.
    heapAfterFullGc();
    JsonObject baseline = state();
    long baseFds = fds();
    System.out.printf(
        "soak: server pid %d on 127.0.0.1 (http %d, grpc %d, admin %d), %s, %d workers per"
            + " transport%n",
        server.pid(), httpPort, grpcPort, adminPort, duration, workers);
    System.out.println("soak: start-up state " + baseline.encode() + ", fds " + baseFds);

    Duration warmUp =
        duration.dividedBy(5).compareTo(Duration.ofSeconds(60)) > 0
            ? Duration.ofSeconds(60)
            : duration.dividedBy(5);
    long end = System.nanoTime() + duration.toNanos();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      McpGrpcClient grpc = grpcClients.get(i);
      loops.add(loop(this::httpScenario));
      loops.add(loop(() -> grpcScenario(grpc)));
    }
    Thread stdioLoad = new Thread(() -> stdio.drive(this::running), "soak-stdio");
    stdioLoad.start();

    Thread.sleep(warmUp.toMillis());
    long warmHeap = heapAfterFullGc();
    System.out.printf("soak: warm-up %s done, heap after full GC %d KiB%n", warmUp, warmHeap);
    long lastReport = System.nanoTime();
    while (System.nanoTime() < end) {
      Thread.sleep(1000);
      if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(30)) {
        lastReport = System.nanoTime();
        System.out.println("soak: " + counts.line() + " state " + state().encode());
      }
    }
    stopping = true;
    for (Future<Void> f : loops) {
      f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    stdioLoad.join(60_000);
    stdio.awaitAnswers(Duration.ofSeconds(30));

    // Abandoned sessions (a tenth of the churn) end by http.sessionIdleTimeout; wait for it.
    JsonObject after = state();
    long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!settled(baseline, after) && System.nanoTime() < settle) {
      Thread.sleep(1000);
      after = state();
    }
    long endHeap = heapAfterFullGc();
    long endFds = fds();
    http.close();
    grpcClients.forEach(McpGrpcClient::close);
    Thread.sleep(1000);
    long closedFds = fds();

    System.out.println();
    System.out.println("soak results (" + duration + ")");
    System.out.println("  " + counts.line());
    counts.samples.forEach((k, v) -> System.out.println("    error " + k + ": " + v));
    double heapRatio = warmHeap == 0 ? 0 : (double) endHeap / warmHeap;
    System.out.printf(
        "  heap after full GC: %d KiB after warm-up, %d KiB at the end (%.1f%%)%n",
        warmHeap, endHeap, 100 * (heapRatio - 1));
    System.out.println("  state at start-up " + baseline.encode());
    System.out.println("  state at the end  " + after.encode());
    System.out.printf(
        "  file descriptors: %d at start-up, %d at the end with clients connected, %d after they"
            + " closed%n",
        baseFds, endFds, closedFds);

    List<String> failures = new ArrayList<>();
    if (counts.goodErrors.sum() > 0) {
      failures.add(counts.goodErrors.sum() + " errors among good requests");
    }
    if (counts.good.sum() == 0) {
      failures.add("no good request completed");
    }
    if (counts.badUnexpected.sum() > 0) {
      failures.add(counts.badUnexpected.sum() + " bad inputs got an unexpected answer");
    }
    if (heapRatio > 1.10) {
      failures.add("heap grew more than 10% after warm-up");
    }
    if (!settled(baseline, after)) {
      failures.add("open sessions, streams, requests or timers did not return to start-up values");
    }
    if (closedFds > baseFds) {
      failures.add("file descriptors above their baseline (" + closedFds + " > " + baseFds + ")");
    }
    if (failures.isEmpty()) {
      System.out.println("soak: PASS");
      return 0;
    }
    failures.forEach(f -> System.out.println("soak: FAIL " + f));
    return 1;
  }

  private boolean running() {
    return !stopping;
  }

  /** Every count back at its start-up value (timers: periodic ones only, so not above it). */
  private static boolean settled(JsonObject baseline, JsonObject now) {
    return now.getInteger("httpSessions") <= baseline.getInteger("httpSessions")
        && now.getInteger("guardedStreams") <= baseline.getInteger("guardedStreams")
        && now.getInteger("requestsInFlight") <= baseline.getInteger("requestsInFlight")
        && now.getInteger("timers") <= baseline.getInteger("timers");
  }

  /** Runs {@code scenario} again and again until the soak stops. */
  private Future<Void> loop(java.util.function.Supplier<Future<Void>> scenario) {
    Promise<Void> done = Promise.promise();
    next(scenario, done);
    return done.future();
  }

  private void next(java.util.function.Supplier<Future<Void>> scenario, Promise<Void> done) {
    if (stopping) {
      done.complete();
      return;
    }
    Future<Void> f;
    try {
      f = scenario.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(
        ar -> {
          if (ar.failed()) {
            counts.goodError("scenario " + ar.cause());
          }
          vertx.runOnContext(v -> next(scenario, done));
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Streamable HTTP

  private Future<Void> httpScenario() {
    int pick = ThreadLocalRandom.current().nextInt(100);
    if (pick < 40) {
      return httpSessionChurn();
    } else if (pick < 55) {
      return httpSseDropAndResume();
    } else if (pick < 70) {
      return httpCancellation();
    } else if (pick < 85) {
      return httpDeadline();
    }
    return httpBadInput();
  }

  /**
   * A session: initialize, tools/list, a few echo calls, then DELETE (or, one time in ten, none).
   */
  private Future<Void> httpSessionChurn() {
    return httpInitialize()
        .compose(
            sid -> {
              Future<Void> chain =
                  good(httpPost(sid, request(2, "tools/list", new JsonObject()), null));
              int calls = 1 + ThreadLocalRandom.current().nextInt(5);
              for (int i = 0; i < calls; i++) {
                long id = 10 + i;
                chain = chain.compose(v -> good(httpPost(sid, echo(id), null)));
              }
              return ThreadLocalRandom.current().nextInt(10) == 0
                  ? chain
                  : chain.compose(v -> httpDelete(sid));
            });
  }

  /**
   * A request's SSE stream dropped after its first event and resumed with {@code Last-Event-ID}:
   * the resumed stream must carry the response.
   */
  private Future<Void> httpSseDropAndResume() {
    return httpInitialize()
        .compose(
            sid -> {
              JsonObject params =
                  new JsonObject()
                      .put("name", "simulate_work")
                      .put("arguments", new JsonObject().put("seconds", 0.4).put("steps", 4))
                      .put("_meta", new JsonObject().put("progressToken", "p"));
              Promise<String> firstId = Promise.promise();
              httpRequest(HttpMethod.POST, sid, null)
                  .compose(
                      req -> {
                        req.response()
                            .onSuccess(
                                resp -> {
                                  StringBuilder text = new StringBuilder();
                                  resp.handler(
                                      chunk -> {
                                        text.append(chunk.toString(StandardCharsets.UTF_8));
                                        Matcher m = EVENT_ID.matcher(text);
                                        if (m.find() && firstId.tryComplete(m.group(1))) {
                                          req.reset(); // the drop
                                        }
                                      });
                                  resp.endHandler(
                                      v -> firstId.tryFail("stream ended before an event id"));
                                  resp.exceptionHandler(e -> firstId.tryFail(e));
                                });
                        return req.send(Buffer.buffer(request(7, "tools/call", params).encode()));
                      })
                  .onFailure(firstId::tryFail);
              return good(firstId
                      .future()
                      .compose(
                          id ->
                              httpGetStream(sid, id)
                                  .map(
                                      body ->
                                          body.contains("\"id\":7") && body.contains("Completed")
                                              ? (Void) null
                                              : fail(
                                                  "resumed stream without the response: "
                                                      + abbreviate(body)))))
                  .compose(v -> httpDelete(sid));
            });
  }

  /**
   * A slow call cancelled with notifications/cancelled once its stream shows it started (its first
   * event): the notification is the good request, and the stream must end without a response.
   */
  private Future<Void> httpCancellation() {
    return httpInitialize()
        .compose(
            sid -> {
              JsonObject params =
                  new JsonObject()
                      .put("name", "simulate_work")
                      .put("arguments", new JsonObject().put("seconds", 5).put("steps", 50))
                      .put("_meta", new JsonObject().put("progressToken", "c"));
              Promise<Void> started = Promise.promise();
              Promise<String> ended = Promise.promise();
              httpRequest(HttpMethod.POST, sid, null)
                  .compose(
                      req -> {
                        req.response()
                            .onSuccess(
                                resp -> {
                                  StringBuilder text = new StringBuilder();
                                  resp.handler(
                                      chunk -> {
                                        text.append(chunk.toString(StandardCharsets.UTF_8));
                                        if (text.indexOf("\n\n") >= 0) {
                                          started.tryComplete();
                                        }
                                      });
                                  resp.endHandler(v -> ended.tryComplete(text.toString()));
                                  resp.exceptionHandler(ended::tryFail);
                                });
                        return req.send(Buffer.buffer(request(20, "tools/call", params).encode()));
                      })
                  .onFailure(e -> ended.tryFail(e));
              return started
                  .future()
                  .compose(
                      v ->
                          good(
                              httpPostStatus(
                                  sid,
                                  new JsonObject()
                                      .put("jsonrpc", "2.0")
                                      .put("method", "notifications/cancelled")
                                      .put("params", new JsonObject().put("requestId", 20)),
                                  202)))
                  .compose(v -> ended.future().otherwise(""))
                  .compose(
                      body -> {
                        // A cancelled request gets no response (SPEC §4.2, §5.3).
                        if (body.contains("\"result\"")) {
                          counts.badUnexpected("http cancel: answered anyway " + abbreviate(body));
                        } else {
                          counts.bad.increment();
                        }
                        return httpDelete(sid);
                      });
            });
  }

  /** A slow call with Mcp-Timeout-Ms: 100 must end with -32001, and quickly. */
  private Future<Void> httpDeadline() {
    return httpInitialize()
        .compose(
            sid -> {
              long start = System.nanoTime();
              return httpPost(sid, slowCall(30, 5), "100")
                  .compose(
                      body -> {
                        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        if (body.contains("-32001") && ms < 4000) { // the tool alone takes 5 s
                          counts.deadlines.increment();
                        } else {
                          counts.badUnexpected(
                              "http deadline after " + ms + " ms: " + abbreviate(body));
                        }
                        return httpDelete(sid);
                      });
            });
  }

  /** Bad input between the good requests: each must get its own refusal, not hang or 5xx. */
  private Future<Void> httpBadInput() {
    int pick = ThreadLocalRandom.current().nextInt(5);
    RequestOptions o = httpOptions(HttpMethod.POST, null).putHeader("Accept", ACCEPT);
    String body;
    int expected;
    switch (pick) {
      case 0 -> {
        body = "{not json";
        o.putHeader("Content-Type", "application/json");
        expected = 400;
      }
      case 1 -> {
        body = "{}";
        o.putHeader("Content-Type", "text/plain");
        expected = 415;
      }
      case 2 -> {
        body = echo(1).encode();
        o.putHeader("Content-Type", "application/json").putHeader("Mcp-Session-Id", "nope");
        expected = 404;
      }
      case 3 -> {
        body = echo(1).encode();
        o.putHeader("Content-Type", "application/json").putHeader("Mcp-Timeout-Ms", "-5");
        expected = 400;
      }
      default -> {
        body = echo(1).encode();
        o.removeHeader("X-MCP-API-Key").putHeader("Content-Type", "application/json");
        expected = 401;
      }
    }
    return http.request(o)
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(r -> r.body().map(b -> r.statusCode()))
        .map(
            status -> {
              if (status == expected) {
                counts.bad.increment();
              } else {
                counts.badUnexpected("http bad input " + pick + ": " + status);
              }
              return (Void) null;
            })
        .recover(
            e -> {
              counts.badUnexpected("http bad input " + pick + ": " + e);
              return Future.succeededFuture();
            });
  }

  private Future<String> httpInitialize() {
    JsonObject init =
        request(
            1,
            "initialize",
            new JsonObject()
                .put("protocolVersion", VERSION)
                .put("capabilities", new JsonObject())
                .put("clientInfo", new JsonObject().put("name", "soak").put("version", "1")));
    return http.request(
            httpOptions(HttpMethod.POST, null)
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", ACCEPT))
        .compose(req -> req.send(Buffer.buffer(init.encode())))
        .compose(
            r -> {
              String sid = r.getHeader("Mcp-Session-Id");
              return r.body()
                  .map(
                      b -> {
                        if (r.statusCode() != 200 || sid == null) {
                          throw new IllegalStateException(
                              "initialize: " + r.statusCode() + " " + abbreviate(b.toString()));
                        }
                        return sid;
                      });
            })
        .compose(
            sid ->
                good(httpPostStatus(
                        sid,
                        new JsonObject()
                            .put("jsonrpc", "2.0")
                            .put("method", "notifications/initialized"),
                        202))
                    .map(sid))
        .onSuccess(sid -> counts.good.increment())
        .onFailure(e -> counts.goodError(e.getMessage()));
  }

  /** POSTs a request; the body (JSON, or the SSE stream read to its end). */
  private Future<String> httpPost(String sid, JsonObject message, String timeoutMs) {
    return httpRequest(HttpMethod.POST, sid, timeoutMs)
        .compose(req -> req.send(Buffer.buffer(message.encode())))
        .compose(
            r ->
                r.body()
                    .map(
                        b -> {
                          if (r.statusCode() != 200) {
                            throw new IllegalStateException(
                                message.getString("method")
                                    + ": HTTP "
                                    + r.statusCode()
                                    + " "
                                    + abbreviate(b.toString()));
                          }
                          return b.toString();
                        }));
  }

  private Future<Void> httpPostStatus(String sid, JsonObject message, int expected) {
    return httpRequest(HttpMethod.POST, sid, null)
        .compose(req -> req.send(Buffer.buffer(message.encode())))
        .compose(r -> r.body().map(b -> r.statusCode()))
        .map(
            status -> {
              if (status != expected) {
                throw new IllegalStateException(
                    message.getString("method") + ": HTTP " + status + ", expected " + expected);
              }
              return null;
            });
  }

  /** {@code GET} with {@code Last-Event-ID}: the rest of that stream, read to its end. */
  private Future<String> httpGetStream(String sid, String lastEventId) {
    return http.request(
            httpOptions(HttpMethod.GET, sid)
                .putHeader("Accept", "text/event-stream")
                .putHeader("Last-Event-ID", lastEventId))
        .compose(HttpClientRequestSend::send)
        .compose(
            r ->
                r.body()
                    .map(
                        b -> {
                          if (r.statusCode() != 200) {
                            throw new IllegalStateException(
                                "resume: HTTP " + r.statusCode() + " " + abbreviate(b.toString()));
                          }
                          return b.toString();
                        }));
  }

  private Future<Void> httpDelete(String sid) {
    return good(
        http.request(httpOptions(HttpMethod.DELETE, sid))
            .compose(HttpClientRequestSend::send)
            .compose(r -> r.body().map(b -> r.statusCode()))
            .map(
                status -> {
                  if (status != 200 && status != 204) {
                    throw new IllegalStateException("DELETE: HTTP " + status);
                  }
                  return null;
                }));
  }

  private Future<io.vertx.core.http.HttpClientRequest> httpRequest(
      HttpMethod method, String sid, String timeoutMs) {
    RequestOptions o =
        httpOptions(method, sid)
            .putHeader("Content-Type", "application/json")
            .putHeader("Accept", ACCEPT);
    if (timeoutMs != null) {
      o.putHeader("Mcp-Timeout-Ms", timeoutMs);
    }
    return http.request(o);
  }

  private RequestOptions httpOptions(HttpMethod method, String sid) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(httpPort)
            .setURI("/mcp")
            .setIdleTimeout(30_000)
            .putHeader("X-MCP-API-Key", apiKey);
    if (sid != null) {
      o.putHeader("Mcp-Session-Id", sid).putHeader("Mcp-Protocol-Version", VERSION);
    }
    return o;
  }

  /** Sends a request without a body (GET, DELETE). */
  private interface HttpClientRequestSend {
    static Future<HttpClientResponse> send(io.vertx.core.http.HttpClientRequest req) {
      return req.send();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  private Future<Void> grpcScenario(McpGrpcClient grpc) {
    int pick = ThreadLocalRandom.current().nextInt(100);
    if (pick < 45) {
      return good(
          grpc.ping()
              .compose(v -> grpc.listTools(""))
              .compose(v -> grpc.callTool("echo", new JsonObject().put("text", "soak")))
              .map(r -> check(!r.getIsError(), "grpc echo isError")));
    } else if (pick < 65) {
      return grpcConnectChurn(grpc);
    } else if (pick < 80) {
      return grpcDeadline(grpc);
    } else if (pick < 90) {
      return grpcCancellation(grpc);
    }
    return grpcBadInput(grpc);
  }

  /** A Connect stream opened, initialized, used and closed. */
  private Future<Void> grpcConnectChurn(McpGrpcClient grpc) {
    return good(
        grpc.connect()
            .compose(
                session ->
                    session
                        .initialize(
                            VERSION,
                            new JsonObject().put("name", "soak").put("version", "1"),
                            new JsonObject())
                        .compose(v -> session.request("tools/list", new JsonObject()))
                        .compose(
                            v ->
                                session.request(
                                    "tools/call",
                                    new JsonObject()
                                        .put("name", "echo")
                                        .put("arguments", new JsonObject().put("text", "c"))))
                        .compose(v -> session.close())));
  }

  /** grpc-timeout of 100 ms on a slow call: DEADLINE_EXCEEDED, quickly. */
  private Future<Void> grpcDeadline(McpGrpcClient grpc) {
    long start = System.nanoTime();
    return grpc.callTool(
            "simulate_work",
            new JsonObject().put("seconds", 5).put("steps", 5),
            new CallOptions().setTimeout(Duration.ofMillis(100)))
        .transform(
            ar -> {
              long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
              if (ar.failed()
                  && ar.cause() instanceof McpGrpcException e
                  && e.status() == GrpcStatus.DEADLINE_EXCEEDED
                  && ms < 4000) { // the tool alone takes 5 s
                counts.deadlines.increment();
              } else {
                counts.badUnexpected(
                    "grpc deadline after " + ms + " ms: " + (ar.failed() ? ar.cause() : "success"));
              }
              return Future.succeededFuture();
            });
  }

  /** A slow typed CallTool cancelled by the client after 50 ms (an HTTP/2 reset). */
  private Future<Void> grpcCancellation(McpGrpcClient grpc) {
    Promise<Void> cancel = Promise.promise();
    vertx.setTimer(50, t -> cancel.complete());
    return grpc.callTool(
            "simulate_work",
            new JsonObject().put("seconds", 5).put("steps", 5),
            new CallOptions().setCancellation(cancel.future()))
        .transform(
            ar -> {
              if (ar.failed()) {
                counts.bad.increment();
              } else {
                counts.badUnexpected("grpc cancel: the call succeeded anyway");
              }
              return Future.succeededFuture();
            });
  }

  /** Bad envelopes on a Connect stream: each gets its JSON-RPC error; the stream stays usable. */
  private Future<Void> grpcBadInput(McpGrpcClient grpc) {
    return grpc.connect()
        .compose(
            session ->
                session
                    .initialize(
                        VERSION,
                        new JsonObject().put("name", "soak").put("version", "1"),
                        new JsonObject())
                    .compose(v -> session.request("no/such/method", new JsonObject()))
                    .transform(
                        ar -> {
                          if (ar.failed()
                              && ar.cause() instanceof io.trident.client.grpc.JsonRpcException j
                              && j.code() == -32601) {
                            counts.bad.increment();
                          } else {
                            counts.badUnexpected(
                                "grpc unknown method: " + (ar.failed() ? ar.cause() : "success"));
                          }
                          return Future.<Void>succeededFuture();
                        })
                    .compose(v -> session.send(Buffer.buffer("{not json")))
                    .compose(v -> good(session.request("ping", new JsonObject()).mapEmpty()))
                    .eventually(() -> session.close()));
  }

  // ---------------------------------------------------------------------------------------------
  // stdio

  /**
   * The jar's stdin and stdout: good calls and bad lines from one writer, answers matched by id.
   */
  private final class Stdio {
    private final OutputStream in;
    private final Map<Long, Long> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(1000);

    Stdio(Process p) {
      this.in = p.getOutputStream();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    answer(line);
                  }
                } catch (IOException e) {
                  // The process ended.
                }
              },
              "soak-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    void initialize() throws IOException {
      write(
          request(
              1,
              "initialize",
              new JsonObject()
                  .put("protocolVersion", VERSION)
                  .put("capabilities", new JsonObject())
                  .put("clientInfo", new JsonObject().put("name", "soak").put("version", "1"))));
      write(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
    }

    private void answer(String line) {
      JsonObject msg;
      try {
        msg = new JsonObject(line);
      } catch (RuntimeException e) {
        counts.goodError("stdio: not JSON on stdout: " + abbreviate(line));
        return;
      }
      Object id = msg.getValue("id");
      if (!(id instanceof Number n)) {
        if (id == null && msg.containsKey("error")) {
          counts.bad.increment(); // the answer to a line that was not JSON
        }
        return;
      }
      long key = n.longValue();
      if (key == 1) {
        return;
      }
      Long kind = pending.remove(key);
      if (kind == null) {
        counts.goodError("stdio: answer to an unknown id " + key);
      } else if (kind == 0) {
        if (msg.containsKey("result")) {
          counts.good.increment();
        } else {
          counts.goodError("stdio: " + abbreviate(line));
        }
      } else if (msg.containsKey("error")) {
        counts.bad.increment();
      } else {
        counts.badUnexpected("stdio bad request answered with a result: " + abbreviate(line));
      }
    }

    void drive(java.util.function.BooleanSupplier running) {
      try {
        while (running.getAsBoolean()) {
          int pick = ThreadLocalRandom.current().nextInt(10);
          long id = ids.incrementAndGet();
          if (pick < 7) {
            pending.put(id, 0L);
            write(echo(id));
          } else if (pick == 7) {
            in.write("{this is not json\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
          } else {
            pending.put(id, 1L);
            write(request(id, "tools/call", new JsonObject().put("name", "no_such_tool")));
          }
          while (pending.size() > 32 && running.getAsBoolean()) {
            Thread.sleep(1);
          }
        }
      } catch (IOException | InterruptedException e) {
        counts.goodError("stdio writer: " + e);
      }
    }

    void awaitAnswers(Duration wait) throws InterruptedException {
      long end = System.nanoTime() + wait.toNanos();
      while (!pending.isEmpty() && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      if (!pending.isEmpty()) {
        counts.goodError("stdio: " + pending.size() + " requests never answered");
      }
    }

    private synchronized void write(JsonObject message) throws IOException {
      in.write((message.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The server process

  private void startServer() throws Exception {
    httpPort = freePort();
    grpcPort = freePort();
    adminPort = freePort();
    apiKey = ApiKeyStore.generateKey();
    Path keys = work.resolve("keys.yaml");
    Files.writeString(
        keys,
        "keys:\n  - hash: "
            + ApiKeyStore.hash(apiKey)
            + "\n    subject: soak\n    scopes: [\"*\"]\n    id: soak\n");
    Path config = work.resolve("soak.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "http:",
            "  sessionIdleTimeout: 15s",
            "  resumeGrace: 5s",
            "  maxSessionsPerPrincipal: 10000",
            "limits:",
            "  enabled: false",
            "auth:",
            "  apiKeys: { file: " + keys.toAbsolutePath() + " }",
            ""));
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m",
            "-XX:+UseG1GC",
            "-jar",
            jar.toString(),
            "--transport",
            "all",
            "--config",
            config.toString(),
            "--http-port",
            String.valueOf(httpPort),
            "--grpc-port",
            String.valueOf(grpcPort),
            "--admin-port",
            String.valueOf(adminPort));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("TRIDENT_AUDIT_LOG", "off");
    pb.redirectError(work.resolve("server.log").toFile());
    server = pb.start();
    admin = adminVertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
    for (int i = 0; i < workers; i++) {
      grpcClients.add(
          McpGrpcClient.create(
              vertx,
              SocketAddress.inetSocketAddress(grpcPort, "127.0.0.1"),
              new McpGrpcClientOptions().addMetadata("x-mcp-api-key", apiKey)));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        state();
        break;
      } catch (Exception e) {
        if (System.nanoTime() > deadline || !server.isAlive()) {
          throw new IllegalStateException(
              "server did not start; see " + work.resolve("server.log"));
        }
        Thread.sleep(200);
      }
    }
    stdio = new Stdio(server);
    stdio.initialize();
    Thread.sleep(500); // let the stdio session settle before the baseline
  }

  private void stopServer() {
    if (server != null && server.isAlive()) {
      server.destroy();
      try {
        if (!server.waitFor(15, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      } catch (InterruptedException e) {
        server.destroyForcibly();
      }
    }
    vertx.close();
    adminVertx.close();
  }

  /** {@code GET /admin/state}, blocking (never called on an event loop). */
  private JsonObject state() throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        return stateOnce();
      } catch (java.util.concurrent.TimeoutException e) {
        last = e;
      }
    }
    throw last;
  }

  private JsonObject stateOnce() throws Exception {
    return admin
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost("127.0.0.1")
                .setPort(adminPort)
                .setURI("/admin/state")
                .putHeader("X-MCP-API-Key", apiKey))
        .compose(HttpClientRequestSend::send)
        .compose(
            r ->
                r.body()
                    .map(
                        b -> {
                          if (r.statusCode() != 200) {
                            throw new IllegalStateException("/admin/state: " + r.statusCode());
                          }
                          return b.toJsonObject();
                        }))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private long fds() throws IOException {
    try (var list = Files.list(Path.of("/proc", String.valueOf(server.pid()), "fd"))) {
      return list.count();
    }
  }

  /** Runs a full GC in the server (jcmd) and returns the heap it then uses, in KiB. */
  private long heapAfterFullGc() throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    long used = -1;
    for (int i = 0; i < 2; i++) {
      exec(jcmd, String.valueOf(server.pid()), "GC.run");
    }
    String info = exec(jcmd, String.valueOf(server.pid()), "GC.heap_info");
    Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
    if (m.find()) {
      used = Long.parseLong(m.group(1));
    }
    return used;
  }

  private static String exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Messages and counting

  private static JsonObject request(long id, String method, JsonObject params) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", method)
        .put("params", params);
  }

  private static JsonObject echo(long id) {
    return request(
        id,
        "tools/call",
        new JsonObject()
            .put("name", "echo")
            .put("arguments", new JsonObject().put("text", "soak " + id)));
  }

  private static JsonObject slowCall(long id, double seconds) {
    return request(
        id,
        "tools/call",
        new JsonObject()
            .put("name", "simulate_work")
            .put("arguments", new JsonObject().put("seconds", seconds).put("steps", 5)));
  }

  /** A good request: counted, and must succeed (a JSON-RPC error in its answer is an error). */
  private <T> Future<Void> good(Future<T> f) {
    return f.transform(
        ar -> {
          if (ar.succeeded()) {
            if (ar.result() instanceof String body && hasJsonRpcError(body)) {
              counts.goodError(abbreviate(body));
            } else {
              counts.good.increment();
            }
          } else {
            counts.goodError(String.valueOf(ar.cause()));
          }
          return Future.succeededFuture();
        });
  }

  /** A JSON-RPC error in a JSON answer or in any event of an SSE stream. */
  static boolean hasJsonRpcError(String body) {
    List<String> messages = new ArrayList<>();
    if (body.startsWith("{")) {
      messages.add(body);
    } else {
      body.lines().filter(l -> l.startsWith("data:")).forEach(l -> messages.add(l.substring(5)));
    }
    for (String m : messages) {
      try {
        if (!m.isBlank() && new JsonObject(m.trim()).containsKey("error")) {
          return true;
        }
      } catch (RuntimeException e) {
        return true;
      }
    }
    return false;
  }

  private static Void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
    return null;
  }

  private static Void fail(String what) {
    throw new IllegalStateException(what);
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** What the soak counts; an error keeps its first sample per kind. */
  private static final class Counts {
    final LongAdder good = new LongAdder();
    final LongAdder goodErrors = new LongAdder();
    final LongAdder bad = new LongAdder();
    final LongAdder badUnexpected = new LongAdder();
    final LongAdder deadlines = new LongAdder();
    final Map<String, String> samples = new ConcurrentHashMap<>();

    void goodError(String detail) {
      goodErrors.increment();
      samples.putIfAbsent(kind(detail), detail);
    }

    void badUnexpected(String detail) {
      badUnexpected.increment();
      samples.putIfAbsent("bad: " + kind(detail), detail);
    }

    private static String kind(String detail) {
      String d = detail == null ? "null" : detail;
      return d.length() > 40 ? d.substring(0, 40) : d;
    }

    String line() {
      return String.format(
          "good requests %d, errors among them %d; deadline expiries %d; bad inputs and"
              + " cancellations answered as specified %d, otherwise %d",
          good.sum(), goodErrors.sum(), deadlines.sum(), bad.sum(), badUnexpected.sum());
    }
  }
}
