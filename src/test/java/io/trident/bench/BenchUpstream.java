package io.trident.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.trident.upstream.testproto.InventoryGrpc;
import io.trident.upstream.testproto.Rich;
import java.net.InetSocketAddress;

/**
 * The upstream of {@link UpstreamBench}: the test Inventory service's {@code Echo} on grpc-java
 * (plaintext, 127.0.0.1, direct executor), answering each message with itself and keeping nothing,
 * so that it costs the same whoever calls it. Runs in its own process: {@code BenchUpstream PORT}.
 */
public final class BenchUpstream {

  private BenchUpstream() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .directExecutor()
            .addService(
                new InventoryGrpc.InventoryImplBase() {
                  @Override
                  public void echo(Rich request, StreamObserver<Rich> out) {
                    out.onNext(request);
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
