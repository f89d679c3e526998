package io.trident.bench;

import com.google.protobuf.Timestamp;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.trident.upstream.testproto.Category;
import io.trident.upstream.testproto.GetItemRequest;
import io.trident.upstream.testproto.InventoryGrpc;
import io.trident.upstream.testproto.Item;
import java.net.InetSocketAddress;

/**
 * The upstream of {@link UpstreamBench}: the test Inventory service's {@code GetItem} on grpc-java
 * (plaintext, 127.0.0.1, direct executor): a small request and a five-field reply (string, int64,
 * enum, Timestamp) that carries the asked SKU back, the size of a typical lookup; it keeps nothing,
 * so that it costs the same whoever calls it. Runs in its own process: {@code BenchUpstream PORT}.
 */
public final class BenchUpstream {

  private static final Timestamp UPDATED_AT =
      Timestamp.newBuilder().setSeconds(1_767_225_600L).build();

  private BenchUpstream() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .directExecutor()
            .addService(
                new InventoryGrpc.InventoryImplBase() {
                  @Override
                  public void getItem(GetItemRequest request, StreamObserver<Item> out) {
                    out.onNext(
                        Item.newBuilder()
                            .setSku(request.getSku())
                            .setName("Claw hammer")
                            .setQuantity(42)
                            .setCategory(Category.CATEGORY_TOOLS)
                            .setUpdatedAt(UPDATED_AT)
                            .build());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    System.out.println("bench upstream listening on 127.0.0.1:" + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }
}
