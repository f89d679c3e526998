package io.trident.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.CallToolResult;
import io.trident.grpc.v1.Envelope;
import io.trident.grpc.v1.McpGrpcClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC load generator of {@link GrpcBench}, the gRPC counterpart of {@link HttpLoad}: a few
 * HTTP/2 (h2c) connections, each its own Vert.x {@link GrpcClient} over an HTTP client with a pool
 * of one connection, pinned to one client event loop, carrying lanes that each keep one call of the
 * echo tool in flight.
 *
 * <ul>
 *   <li>{@link Kind#TYPED}: each call is one server-streaming {@code CallTool} RPC with a pre-built
 *       request; its answer must be exactly one {@code result} event whose only content is the text
 *       sent, and status OK.
 *   <li>{@link Kind#CONNECT}: a few {@code Connect} streams (one MCP session each: initialize, then
 *       notifications/initialized) spread over the connections, each carrying several lanes; a call
 *       is a {@code tools/call} envelope with an id of its lane, and its answer is the envelope
 *       with that id, whose result must carry the text sent.
 * </ul>
 *
 * Checking is as cheap as in {@link HttpLoad} (string checks on JSON, field reads on protobuf) so
 * that the client stays out of the way of the server it shares the CPUs with.
 */
final class GrpcLoad extends BenchLoad {

  enum Kind {
    TYPED,
    CONNECT
  }

  static final String TEXT = HttpLoad.TEXT;

  static final CallToolRequest CALL =
      CallToolRequest.newBuilder()
          .setName("echo")
          .setArguments(
              Struct.newBuilder()
                  .putFields("text", Value.newBuilder().setStringValue(TEXT).build())
                  .build())
          .build();

  private static final Envelope INITIALIZE =
      envelope(
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
              + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
              + "\"clientInfo\":{\"name\":\"grpc-bench\",\"version\":\"1\"}}}");
  private static final Envelope INITIALIZED =
      envelope("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  private static final String CALL_PREFIX = "{\"jsonrpc\":\"2.0\",\"id\":";
  private static final String CALL_SUFFIX =
      ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\""
          + TEXT
          + "\"}}}";
  private static final String ECHOED = "\"text\":\"" + TEXT + "\"";

  /** Call ids on a Connect stream start here (1 is initialize). */
  private static final long FIRST_CALL_ID = 2;

  private final Kind kind;
  private final SocketAddress address;
  private final List<HttpClientAgent> httpClients = new ArrayList<>();
  private final List<GrpcClient> clients = new ArrayList<>();
  private final List<Context> clientContexts = new ArrayList<>();
  private final List<ConnectStream> streams = new ArrayList<>();
  private final int inFlight;

  /**
   * @param loops client event loops; connection k lives on loop k mod loops
   * @param connections HTTP/2 connections (one GrpcClient each)
   * @param inFlight calls in flight in all (lanes)
   * @param streamCount Connect streams (CONNECT only), each carrying inFlight / streamCount lanes
   */
  GrpcLoad(
      Vertx vertx,
      List<Context> loops,
      int port,
      Kind kind,
      int connections,
      int inFlight,
      int streamCount) {
    super(vertx);
    this.kind = kind;
    this.inFlight = inFlight;
    this.address = SocketAddress.inetSocketAddress(port, "127.0.0.1");
    for (int k = 0; k < connections; k++) {
      HttpClientAgent http =
          vertx
              .httpClientBuilder()
              .with(
                  new HttpClientOptions()
                      .setProtocolVersion(HttpVersion.HTTP_2)
                      .setHttp2ClearTextUpgrade(false) // h2c with prior knowledge, as gRPC does
                      .setTcpNoDelay(true)
                      .setDecompressionSupported(false))
              .with(new PoolOptions().setHttp2MaxSize(1))
              .withConnectHandler(
                  connection -> {
                    connectionsOpened.increment();
                    connection.closeHandler(v -> connectionsClosed.increment());
                  })
              .build();
      httpClients.add(http);
      clients.add(GrpcClient.client(vertx, http));
      clientContexts.add(loops.get(k % loops.size()));
    }
    if (kind == Kind.TYPED) {
      for (int i = 0; i < inFlight; i++) {
        int k = i % connections;
        new TypedLane(clients.get(k), clientContexts.get(k));
      }
    } else {
      if (inFlight % streamCount != 0) {
        throw new IllegalArgumentException(
            "in flight (" + inFlight + ") must be a multiple of the streams (" + streamCount + ")");
      }
      for (int j = 0; j < streamCount; j++) {
        int k = j % connections;
        streams.add(
            new ConnectStream(j, clients.get(k), clientContexts.get(k), inFlight / streamCount));
      }
    }
  }

  private static Envelope envelope(String json) {
    return Envelope.newBuilder().setJson(ByteString.copyFromUtf8(json)).build();
  }

  @Override
  String describe() {
    return kind == Kind.TYPED
        ? String.format(
            Locale.ROOT,
            "typed CallTool (server-streaming RPC), %d calls in flight over %d HTTP/2 connections",
            inFlight,
            clients.size())
        : String.format(
            Locale.ROOT,
            "tools/call envelopes on Connect, %d streams x %d in flight over %d HTTP/2"
                + " connections",
            streams.size(),
            inFlight / streams.size(),
            clients.size());
  }

  @Override
  int connections() {
    return clients.size();
  }

  @Override
  String open(long timeoutSeconds) throws InterruptedException {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    if (kind == Kind.TYPED) {
      // One ping-like call per connection, so that every connection is up before the load starts.
      for (int k = 0; k < clients.size(); k++) {
        GrpcClient client = clients.get(k);
        all.add(
            onContext(
                clientContexts.get(k),
                () ->
                    call(client)
                        .compose(
                            p -> p == null ? Future.succeededFuture() : Future.failedFuture(p))));
      }
      return awaitAll(all, timeoutSeconds, "connection");
    }
    for (ConnectStream s : streams) {
      all.add(onContext(s.context, s::open));
    }
    return awaitAll(all, timeoutSeconds, "Connect stream");
  }

  @Override
  void close() {
    List<CompletableFuture<Void>> ended = new ArrayList<>();
    for (ConnectStream s : streams) {
      ended.add(onContext(s.context, s::end));
    }
    try {
      awaitAll(ended, 5, "Connect stream");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (HttpClientAgent client : httpClients) {
      try {
        client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the bench is ending this server anyway
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Typed CallTool

  /** One typed CallTool call; completes with its problem, or null when the answer is right. */
  private Future<String> call(GrpcClient client) {
    return client
        .request(address, McpGrpcClient.CallTool)
        .compose(req -> req.send(CALL))
        .compose(
            resp -> {
              TypedAnswer answer = new TypedAnswer();
              resp.handler(answer);
              return resp.end().transform(ar -> Future.succeededFuture(answer.verify(resp)));
            });
  }

  /** The events of one CallTool answer. */
  private final class TypedAnswer implements io.vertx.core.Handler<CallToolEvent> {
    int events;
    CallToolEvent last;

    @Override
    public void handle(CallToolEvent event) {
      events++;
      last = event;
    }

    String verify(GrpcClientResponse<CallToolRequest, CallToolEvent> resp) {
      GrpcStatus status = resp.status();
      return verifyCallTool(
          GrpcLoad.this,
          status == GrpcStatus.OK ? null : "status " + status + ": " + resp.statusMessage(),
          events,
          last);
    }
  }

  /** A problem of {@link #verifyCallTool}, counted by what comes before its first colon. */
  static Problem problem(String p) {
    return new Problem(p.replaceAll(":.*", ""), p);
  }

  /**
   * Checks one typed CallTool answer, whichever client got it, and counts its shape on {@code
   * load}: status OK, exactly one event, a result, not a tool error, whose only content is the text
   * sent.
   *
   * @param statusProblem "status CODE: message" when the status was not OK, else null
   * @param events how many events arrived
   * @param last the last of them, or null
   * @return the problem, or null when the answer is right
   */
  static String verifyCallTool(
      BenchLoad load, String statusProblem, int events, CallToolEvent last) {
    String problem = null;
    if (statusProblem != null) {
      problem = statusProblem;
    } else if (events != 1 || !last.hasResult()) {
      problem =
          events
              + " events where one result was expected: last "
              + (last == null ? "none" : last.getEventCase());
    } else {
      CallToolResult result = last.getResult();
      if (result.getIsError()) {
        problem = "tool error (is_error true): " + result;
      } else if (result.getContentCount() != 1
          || !result.getContent(0).hasText()
          || !TEXT.equals(result.getContent(0).getText().getText())) {
        problem = "result content is not the text sent: " + result;
      }
    }
    load.noteShape(
        problem == null
            ? "CallTool OK, 1 event: result with the text sent"
            : "CallTool " + problem.replaceAll(":.*", ""));
    return problem;
  }

  private final class TypedLane extends Lane {
    final GrpcClient client;

    TypedLane(GrpcClient client, Context context) {
      super(context);
      this.client = client;
    }

    @Override
    void send() {
      long sentAt = System.nanoTime();
      call(client)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  answered(
                      new Problem(
                          "exchange failed: " + ar.cause().getClass().getSimpleName(),
                          ar.cause().toString()),
                      sentAt,
                      true);
                } else {
                  String p = ar.result();
                  answered(p == null ? null : problem(p), sentAt, false);
                }
              });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Connect

  /** One Connect stream = one MCP session, carrying several lanes told apart by their call ids. */
  private final class ConnectStream {
    final int index;
    final GrpcClient client;
    final Context context;
    final ConnectLane[] lanes;
    GrpcClientRequest<Envelope, Envelope> request;
    Promise<Void> initialized;
    boolean dead;
    String deathReason;

    ConnectStream(int index, GrpcClient client, Context context, int laneCount) {
      this.index = index;
      this.client = client;
      this.context = context;
      this.lanes = new ConnectLane[laneCount];
      for (int i = 0; i < laneCount; i++) {
        lanes[i] = new ConnectLane(this, i);
      }
    }

    Future<Void> open() {
      initialized = Promise.promise();
      return client
          .request(address, McpGrpcClient.Connect)
          .compose(
              req -> {
                request = req;
                req.response()
                    .onSuccess(
                        resp -> {
                          resp.handler(this::received);
                          resp.endHandler(v -> died("stream ended by the server", resp));
                          resp.exceptionHandler(e -> died("stream failed: " + e, resp));
                        })
                    .onFailure(e -> died("stream failed: " + e, null));
                req.write(INITIALIZE);
                return initialized.future();
              })
          .compose(v -> request.write(INITIALIZED));
    }

    Future<Void> end() {
      return request == null || dead ? Future.succeededFuture() : request.end();
    }

    private void received(Envelope envelope) {
      String json = envelope.getJson().toStringUtf8();
      long id = idOf(json);
      if (!initialized.future().isComplete()) {
        if (id == 1 && json.contains("\"result\"")) {
          initialized.complete();
        } else {
          initialized.fail("initialize on stream " + index + ": " + BenchSupport.abbreviate(json));
        }
        return;
      }
      if (id < FIRST_CALL_ID) {
        // A server-initiated message (notification or request): not part of the load.
        noteShape("Connect message without a call id: " + BenchSupport.abbreviate(json));
        return;
      }
      ConnectLane lane = lanes[(int) ((id - FIRST_CALL_ID) % lanes.length)];
      if (lane.pendingId != id) {
        count(
            new Problem(
                "answer to no call in flight",
                "stream " + index + ": " + BenchSupport.abbreviate(json)));
        return;
      }
      lane.pendingId = -1;
      lane.answered(verify(json), lane.sentAt, false);
    }

    private Problem verify(String json) {
      Problem p = null;
      if (!json.contains("\"result\"")) {
        p = new Problem(json.contains("\"error\"") ? "JSON-RPC error answer" : "no result", json);
      } else if (json.contains("\"isError\":true")) {
        p = new Problem("tool error (isError true)", json);
      } else if (!json.contains(ECHOED)) {
        p = new Problem("result without the text sent", json);
      }
      noteShape(p == null ? "Connect answer with the text sent" : "Connect " + p.kind());
      return p == null ? null : new Problem(p.kind(), BenchSupport.abbreviate(p.detail()));
    }

    private void died(String why, GrpcClientResponse<Envelope, Envelope> resp) {
      if (dead) {
        return;
      }
      dead = true;
      deathReason = why + (resp == null ? "" : " (status " + resp.status() + ")");
      if (initialized != null) {
        initialized.tryFail(deathReason);
      }
      if (stopping) {
        return; // our own end() or close(): lanes have stopped
      }
      for (ConnectLane lane : lanes) {
        if (lane.pendingId >= 0) {
          lane.pendingId = -1;
          lane.answered(new Problem("Connect stream died", deathReason), lane.sentAt, true);
        }
      }
    }
  }

  /** The id of a JSON-RPC message (a number), or -1 when it has none. */
  private static long idOf(String json) {
    int at = json.indexOf("\"id\":");
    if (at < 0) {
      return -1;
    }
    long id = 0;
    int i = at + 5;
    int start = i;
    while (i < json.length() && Character.isDigit(json.charAt(i))) {
      id = id * 10 + (json.charAt(i++) - '0');
    }
    return i == start ? -1 : id;
  }

  private final class ConnectLane extends Lane {
    final ConnectStream stream;
    final int index;
    long sequence;
    long pendingId = -1;
    long sentAt;

    ConnectLane(ConnectStream stream, int index) {
      super(stream.context);
      this.stream = stream;
      this.index = index;
    }

    @Override
    void send() {
      sentAt = System.nanoTime();
      if (stream.dead) {
        answered(new Problem("Connect stream died", stream.deathReason), sentAt, true);
        return;
      }
      long id = FIRST_CALL_ID + index + sequence++ * stream.lanes.length;
      pendingId = id;
      stream.request.write(envelope(CALL_PREFIX + id + CALL_SUFFIX));
    }
  }
}
