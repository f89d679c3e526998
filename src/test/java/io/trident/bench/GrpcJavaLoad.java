package io.trident.bench;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.McpGrpc;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The typed CallTool load of {@link GrpcBench} driven by grpc-java, the stock Java gRPC client
 * (Netty, shaded), with the async stubs that protoc's grpc-java plugin generated from
 * src/main/proto (test scope). Same calls and the same checks as {@link GrpcLoad}'s typed mode: a
 * few channels (one HTTP/2 connection each, h2c), each on one single-thread Netty event loop of its
 * own (channel k on loop k mod threads) with the direct executor, so that a lane sends and gets its
 * answers on one thread, as a Vert.x lane does on its context.
 */
final class GrpcJavaLoad extends BenchLoad {

  private final List<EventLoopGroup> loops = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EventLoop> channelLoops = new ArrayList<>();
  private final int inFlight;
  private final boolean epoll = Epoll.isAvailable();

  /**
   * @param threads client event loops (Netty threads of this JVM)
   * @param connections channels, one HTTP/2 connection each
   * @param inFlight calls in flight in all (lanes), spread over the channels round-robin
   */
  GrpcJavaLoad(Vertx vertx, int threads, int port, int connections, int inFlight) {
    super(vertx);
    this.inFlight = inFlight;
    for (int t = 0; t < threads; t++) {
      DefaultThreadFactory named = new DefaultThreadFactory("grpc-java-bench-" + t, true);
      loops.add(epoll ? new EpollEventLoopGroup(1, named) : new NioEventLoopGroup(1, named));
    }
    for (int k = 0; k < connections; k++) {
      EventLoopGroup loop = loops.get(k % threads);
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port)
              .usePlaintext()
              .eventLoopGroup(loop)
              .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .directExecutor()
              .build();
      channels.add(channel);
      channelLoops.add(loop.next()); // its only loop: the channel's and its lanes' thread
      watch(channel, channel.getState(false));
    }
    for (int i = 0; i < inFlight; i++) {
      int k = i % connections;
      new Lane(channelLoops.get(k), McpGrpc.newStub(channels.get(k)));
    }
  }

  /** Counts connections that come up and go down, as the Vert.x loads count theirs. */
  private void watch(ManagedChannel channel, ConnectivityState was) {
    channel.notifyWhenStateChanged(
        was,
        () -> {
          ConnectivityState now = channel.getState(false);
          if (now == ConnectivityState.READY) {
            connectionsOpened.increment();
          } else if (was == ConnectivityState.READY) {
            connectionsClosed.increment();
          }
          if (now != ConnectivityState.SHUTDOWN) {
            watch(channel, now);
          }
        });
  }

  @Override
  String describe() {
    return String.format(
        Locale.ROOT,
        "typed CallTool (server-streaming RPC) with grpc-java 1.70 async stubs (Netty %s, direct"
            + " executor), %d calls in flight over %d channels on %d client threads",
        epoll ? "epoll" : "NIO",
        inFlight,
        channels.size(),
        loops.size());
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
      McpGrpc.McpStub stub = McpGrpc.newStub(channels.get(k));
      EventLoop loop = channelLoops.get(k);
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
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    try {
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (EventLoopGroup loop : loops) {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
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
