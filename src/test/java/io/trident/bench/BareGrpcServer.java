package io.trident.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.trident.grpc.v1.CallToolEvent;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.CallToolResult;
import io.trident.grpc.v1.Content;
import io.trident.grpc.v1.McpGrpc;
import io.trident.grpc.v1.McpGrpcService;
import io.trident.grpc.v1.TextContent;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The ceilings of {@link GrpcBench}'s typed mode: a bare gRPC server answering {@code
 * mcp.v1.Mcp/CallTool} with one fixed result event (the echo of {@link HttpLoad#TEXT}, as Trident
 * would answer it), either with vertx-grpc on Vert.x HTTP/2 (the stack Trident's gRPC transport
 * runs on: one verticle per core) or with grpc-java on its Netty transport. No MCP, no JSON, no
 * auth: what the wire costs.
 *
 * <p>{@code java -cp ... io.trident.bench.BareGrpcServer vertx|grpc-java PORT}; prints {@code
 * listening on PORT} when ready.
 */
public final class BareGrpcServer {

  static final CallToolEvent ANSWER =
      CallToolEvent.newBuilder()
          .setResult(
              CallToolResult.newBuilder()
                  .addContent(
                      Content.newBuilder()
                          .setText(TextContent.newBuilder().setText(HttpLoad.TEXT).build())))
          .build();

  private BareGrpcServer() {}

  /** One vertx-grpc server per event loop, as Trident deploys its gRPC verticles. */
  private static final class VertxGrpc extends VerticleBase {
    private final int port;

    VertxGrpc(int port) {
      this.port = port;
    }

    @Override
    public Future<?> start() {
      GrpcServer grpc = GrpcServer.server(vertx);
      grpc.callHandler(
          McpGrpcService.CallTool,
          request -> request.handler((CallToolRequest ignored) -> request.response().end(ANSWER)));
      return vertx
          .createHttpServer(
              new HttpServerOptions().setHost("127.0.0.1").setPort(port).setUseAlpn(false))
          .requestHandler(grpc)
          .listen();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !(args[0].equals("vertx") || args[0].equals("grpc-java"))) {
      System.err.println("usage: BareGrpcServer vertx|grpc-java PORT");
      System.exit(2);
    }
    int port = Integer.parseInt(args[1]);
    int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    if (args[0].equals("vertx")) {
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores));
      vertx
          .deployVerticle(() -> new VertxGrpc(port), new DeploymentOptions().setInstances(cores))
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } else {
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .addService(
                  new McpGrpc.McpImplBase() {
                    @Override
                    public void callTool(
                        CallToolRequest request, StreamObserver<CallToolEvent> events) {
                      events.onNext(ANSWER);
                      events.onCompleted();
                    }
                  })
              .build()
              .start();
      Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
      System.out.println("listening on " + port);
      System.out.flush();
      server.awaitTermination(); // grpc-java's threads are daemons: keep the JVM up
      return;
    }
    System.out.println("listening on " + port);
    System.out.flush();
  }
}
