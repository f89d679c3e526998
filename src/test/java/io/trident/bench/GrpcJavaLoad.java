package io.trident.bench;

import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.stub.StreamObserver;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.McpGrpc;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The typed CallTool load of {@link GrpcBench} driven by grpc-java, the stock Java gRPC client
 * (Netty, shaded), with the async stubs that protoc's grpc-java plugin generated from
 * src/main/proto (test scope). Same calls and the same checks as {@link GrpcLoad}'s typed mode,
 * over {@link GrpcJavaChannels}.
 */
final class GrpcJavaLoad extends BenchLoad {

  private final GrpcJavaChannels channels;
  private final int inFlight;

  /**
   * @param threads client event loops (Netty threads of this JVM)
   * @param connections channels, one HTTP/2 connection each
   * @param inFlight calls in flight in all (lanes), spread over the channels round-robin
   */
  GrpcJavaLoad(Vertx vertx, int threads, int port, int connections, int inFlight) {
    super(vertx);
    this.inFlight = inFlight;
    this.channels = new GrpcJavaChannels(this, "grpc-java-bench-", threads, port, connections);
    for (int i = 0; i < inFlight; i++) {
      int k = i % connections;
      new Lane(channels.loop(k), McpGrpc.newStub(channels.channel(k)));
    }
  }

  @Override
  String describe() {
    return String.format(
        Locale.ROOT,
        "typed CallTool (server-streaming RPC) with grpc-java 1.70 async stubs (%s),"
            + " %d calls in flight over %d channels on %d client threads",
        channels.describe(),
        inFlight,
        channels.size(),
        channels.threads());
  }

  @Override
  int connections() {
    return channels.size();
  }

  @Override
  String open(long timeoutSeconds) throws InterruptedException {
    // One call per channel, so that every connection is up before the load starts.
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int k = 0; k < channels.size(); k++) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      McpGrpc.McpStub stub = McpGrpc.newStub(channels.channel(k));
      EventLoop loop = channels.loop(k);
      loop.execute(
          () ->
              call(
                  stub,
                  loop,
                  (p, failed) -> {
                    if (p == null) {
                      f.complete(null);
                    } else {
                      f.completeExceptionally(new IllegalStateException(p));
                    }
                  }));
      all.add(f);
    }
    return awaitAll(all, timeoutSeconds, "channel");
  }

  @Override
  void close() {
    channels.close();
  }

  /**
   * One typed CallTool call; {@code done} gets its problem, or null when the answer is right, and
   * whether it failed with a status (the next call should wait a little: it would fail again at
   * once), on {@code loop}.
   */
  private void call(McpGrpc.McpStub stub, EventLoop loop, Answer done) {
    stub.callTool(
        GrpcLoad.CALL,
        new StreamObserver<>() {
          int events;
          CallToolEvent last;

          @Override
          public void onNext(CallToolEvent event) {
            events++;
            last = event;
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            String p =
                GrpcLoad.verifyCallTool(
                    GrpcJavaLoad.this,
                    "status " + status.getCode() + ": " + status.getDescription(),
                    events,
                    last);
            // Transport-side failures (channel shut down, deadline timers) may call back on
            // another thread: answers are handled on the lane's loop only.
            if (loop.inEventLoop()) {
              done.accept(p, true);
            } else {
              loop.execute(() -> done.accept(p, true));
            }
          }

          @Override
          public void onCompleted() {
            done.accept(GrpcLoad.verifyCallTool(GrpcJavaLoad.this, null, events, last), false);
          }
        });
  }

  private interface Answer {
    void accept(String problem, boolean failed);
  }

  private final class Lane extends BenchLoad.Lane {
    final McpGrpc.McpStub stub;
    final EventLoop loop;

    Lane(EventLoop loop, McpGrpc.McpStub stub) {
      super(loop);
      this.loop = loop;
      this.stub = stub;
    }

    @Override
    void send() {
      long sentAt = System.nanoTime();
      call(
          stub,
          loop,
          (p, failed) -> answered(p == null ? null : GrpcLoad.problem(p), sentAt, failed));
    }
  }
}
