package io.trident.bench;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The grpc-java side of a bench load ({@link GrpcJavaLoad}, {@link UpstreamDirectLoad}): a few
 * plaintext channels to 127.0.0.1 (one HTTP/2 connection each), each on one single-thread Netty
 * event loop of its own (channel k on loop k mod threads) with the direct executor, so that a lane
 * sends and gets its answers on one thread, as a Vert.x lane does on its context. Connections that
 * come up and go down are counted on the load, as the Vert.x loads count theirs.
 */
final class GrpcJavaChannels {

  final boolean epoll = Epoll.isAvailable();
  private final List<EventLoopGroup> loops = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EventLoop> channelLoops = new ArrayList<>();
  private final BenchLoad load;

  GrpcJavaChannels(BenchLoad load, String threadPrefix, int threads, int port, int connections) {
    this.load = load;
    for (int t = 0; t < threads; t++) {
      DefaultThreadFactory named = new DefaultThreadFactory(threadPrefix + t, true);
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
  }

  int size() {
    return channels.size();
  }

  int threads() {
    return loops.size();
  }

  ManagedChannel channel(int k) {
    return channels.get(k);
  }

  /** The one thread of channel {@code k}, where its calls answer. */
  EventLoop loop(int k) {
    return channelLoops.get(k);
  }

  /** {@code Netty epoll} or {@code Netty NIO}, for the report. */
  String describe() {
    return "Netty " + (epoll ? "epoll" : "NIO") + ", direct executor";
  }

  private void watch(ManagedChannel channel, ConnectivityState was) {
    channel.notifyWhenStateChanged(
        was,
        () -> {
          ConnectivityState now = channel.getState(false);
          if (now == ConnectivityState.READY) {
            load.connectionsOpened.increment();
          } else if (was == ConnectivityState.READY) {
            load.connectionsClosed.increment();
          }
          if (now != ConnectivityState.SHUTDOWN) {
            watch(channel, now);
          }
        });
  }

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
}
