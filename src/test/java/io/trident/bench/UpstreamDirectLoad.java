package io.trident.bench;

import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.stub.StreamObserver;
import io.trident.upstream.testproto.GetItemRequest;
import io.trident.upstream.testproto.InventoryGrpc;
import io.trident.upstream.testproto.Item;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The baseline load of {@link UpstreamBench}: the bench's upstream called directly by grpc-java
 * async stubs ({@code Inventory/GetItem} of the SKU {@link HttpLoad#TEXT}), as a service that needs
 * no MCP would call it, over {@link GrpcJavaChannels} as {@link GrpcJavaLoad} does.
 */
final class UpstreamDirectLoad extends BenchLoad {

  private static final GetItemRequest MESSAGE =
      GetItemRequest.newBuilder().setSku(HttpLoad.TEXT).build();

  private final GrpcJavaChannels channels;
  private final int inFlight;

  UpstreamDirectLoad(Vertx vertx, int threads, int port, int connections, int inFlight) {
    super(vertx);
    this.inFlight = inFlight;
    this.channels = new GrpcJavaChannels(this, "upstream-bench-", threads, port, connections);
    for (int i = 0; i < inFlight; i++) {
      int k = i % connections;
      new Lane(channels.loop(k), InventoryGrpc.newStub(channels.channel(k)));
    }
  }

  @Override
  String describe() {
    return String.format(
        Locale.ROOT,
        "the upstream called directly: Inventory/GetItem with grpc-java async stubs (%s),"
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
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int k = 0; k < channels.size(); k++) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      InventoryGrpc.InventoryStub stub = InventoryGrpc.newStub(channels.channel(k));
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

  private void call(InventoryGrpc.InventoryStub stub, EventLoop loop, Answer done) {
    stub.getItem(
        MESSAGE,
        new StreamObserver<>() {
          Item reply;

          @Override
          public void onNext(Item value) {
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
                reply != null && HttpLoad.TEXT.equals(reply.getSku())
                    ? null
                    : "reply without the asked SKU",
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
