package io.trident.transport.grpc;

import static io.trident.transport.grpc.GrpcTransportTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trident.auth.Authenticator;
import io.trident.backend.Backend;
import io.trident.backend.BackendProviders;
import io.trident.client.grpc.McpGrpcClient;
import io.trident.client.grpc.McpGrpcClientOptions;
import io.trident.context.Principal;
import io.trident.grpc.v1.ListToolsResponse;
import io.trident.model.Implementation;
import io.trident.server.McpServer;
import io.trident.server.ServerOptions;
import io.trident.transport.http.HttpTransportOptions;
import io.trident.transport.http.HttpVerticle;
import io.trident.transport.http.StreamableHttpTransport;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code grpc.shareHttpPort}: one listener serves Streamable HTTP and gRPC, told apart by {@code
 * content-type}, on the same backend.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcSharedPortTest {

  @Test
  void oneListenerServesBothStreamableHttpAndGrpc(Vertx vertx) {
    Backend backend = BackendProviders.discover().build(List.of("default"), vertx);
    McpServer server =
        new McpServer(vertx, backend, ServerOptions.defaults(Implementation.of("shared", "1")));
    Authenticator open = Authenticator.open(new Principal("tester", Set.of("*"), "none", Map.of()));
    HttpTransportOptions httpOptions = HttpTransportOptions.defaults().withPort(0);
    GrpcTransportOptions grpcOptions =
        new GrpcTransportOptions("127.0.0.1", 0, 4 * 1024 * 1024, false, null, null, null, true);
    GrpcTransport grpc =
        new GrpcTransport(
            vertx,
            server,
            grpcOptions,
            open,
            GrpcTransport.resourceMetadata(grpcOptions, () -> 0, open));
    HttpVerticle listener =
        new HttpVerticle(
            new StreamableHttpTransport(vertx, server, httpOptions, open), grpc, httpOptions);
    await(vertx.deployVerticle(listener));
    int port = listener.actualPort();

    McpGrpcClient client =
        McpGrpcClient.create(
            vertx, SocketAddress.inetSocketAddress(port, "127.0.0.1"), new McpGrpcClientOptions());
    ListToolsResponse tools = await(client.listTools(null));
    assertThat(tools.getToolsList()).extracting(t -> t.getName()).contains("echo");

    HttpClient http = vertx.createHttpClient();
    String initialize =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    Buffer body =
        await(
            http.request(
                    new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI("/mcp")
                        .putHeader("content-type", "application/json")
                        .putHeader("accept", "application/json, text/event-stream"))
                .compose(request -> request.send(initialize))
                .compose(response -> response.body()));
    assertThat(body.toJsonObject().getJsonObject("result").getString("protocolVersion"))
        .isEqualTo("2025-11-25");
    client.close();
  }
}
