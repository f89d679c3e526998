package io.trident.cli;

import io.trident.auth.AuthSettings;
import io.trident.config.TridentConfig;
import io.trident.server.ServerOptions;
import io.trident.store.RedisSettings;
import io.trident.transport.grpc.GrpcTransportOptions;
import io.trident.transport.http.HttpTransportOptions;
import io.trident.upstream.UpstreamSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The configuration the server runs with, after flags, environment and file are resolved and
 * validated: what {@code trident} serves and what {@code trident audit} reviews.
 *
 * @param transports the transports selected
 * @param config the file as read (defaults filled in)
 * @param options the MCP core's options
 * @param shutdownGrace {@code server.shutdownGrace}
 * @param drainGrace {@code stdio.drainGrace}
 * @param backendNames the backends to build
 * @param upstreams the upstream gRPC services, validated
 * @param auth the auth section with the auth flags applied
 * @param noAuth {@code --no-auth}
 * @param http the HTTP listener, or null when not selected
 * @param grpc the gRPC listener, or null when not selected
 * @param redis the Redis section with {@code --redis} applied
 * @param adminPort the admin listener's port, or null when it is off
 */
record ServingPlan(
    Set<TransportKind> transports,
    TridentConfig config,
    ServerOptions options,
    Duration shutdownGrace,
    Duration drainGrace,
    List<String> backendNames,
    List<UpstreamSettings> upstreams,
    AuthSettings auth,
    boolean noAuth,
    HttpTransportOptions http,
    GrpcTransportOptions grpc,
    RedisSettings redis,
    Integer adminPort) {

  boolean stdio() {
    return transports.contains(TransportKind.STDIO);
  }

  /** Bind addresses of the network transports selected (empty: stdio only). */
  List<String> networkHosts() {
    List<String> hosts = new ArrayList<>();
    if (http != null) {
      hosts.add(http.host());
    }
    if (grpc != null) {
      hosts.add(grpc.host());
    }
    return hosts;
  }
}
