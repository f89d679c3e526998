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
import io.trident.upstream.testproto.InventoryGrpc;
import io.trident.upstream.testproto.Rich;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The baseline load of {@link UpstreamBench}: the bench's upstream called directly by grpc-java
 * async stubs ({@code Inventory/Echo} of a message carrying {@link HttpLoad#TEXT}), as a service
 * that needs no MCP would call it; lanes on single-thread Netty loops as in {@link GrpcJavaLoad}.
 */
final class UpstreamDirectLoad extends BenchLoad {

  private static final Rich MESSAGE = Rich.newBuilder().setTitle(HttpLoad.TEXT).build();

  private final List<EventLoopGroup> loops = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EventLoop> channelLoops = new ArrayList<>();
  private final int inFlight;
  private final boolean epoll = Epoll.isAvailable();

  UpstreamDirectLoad(Vertx vertx, int threads, int port, int connections, int inFlight) {
    super(vertx);
    this.inFlight = inFlight;
    for (int t = 0; t < threads; t++) {
      DefaultThreadFactory named = new DefaultThreadFactory("upstream-bench-" + t, true);
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
      channelLoops.add(loop.next());
      watch(channel, channel.getState(false));
    }
    for (int i = 0; i < inFlight; i++) {
      int k = i % connections;
      new Lane(channelLoops.get(k), InventoryGrpc.newStub(channels.get(k)));
    }
  }

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
        "the upstream called directly: Inventory/Echo with grpc-java async stubs (Netty %s),"
            + " %d calls in flight over %d channels on %d client threads",
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
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int k = 0; k < channels.size(); k++) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      InventoryGrpc.InventoryStub stub = InventoryGrpc.newStub(channels.get(k));
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

  private void call(InventoryGrpc.InventoryStub stub, EventLoop loop, Answer done) {
    stub.echo(
        MESSAGE,
        new StreamObserver<>() {
          Rich reply;

          @Override
          public void onNext(Rich value) {
            reply = value;
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            String p = "status " + status.getCode();
            if (loop.inEventLoop()) {
              done.accept(p, true);
            } else {
              loop.execute(() -> done.accept(p, true));
            }
          }

          @Override
          public void onCompleted() {
            done.accept(
                reply != null && HttpLoad.TEXT.equals(reply.getTitle())
                    ? null
                    : "reply without the echoed title",
                false);
          }
        });
  }

  private interface Answer {
    void accept(String problem, boolean failed);
  }

  private final class Lane extends BenchLoad.Lane {
    final InventoryGrpc.InventoryStub stub;
    final EventLoop loop;

    Lane(EventLoop loop, InventoryGrpc.InventoryStub stub) {
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
          (p, failed) -> answered(p == null ? null : new Problem(p, p), sentAt, failed));
    }
  }
}
