package io.trident.transport.grpc;

import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.grpc.server.GrpcServerRequest;

/** Turns a call's metadata and connection into the caller; the auth chain plugs in here. */
@FunctionalInterface
public interface GrpcAuthenticator {

  Future<Principal> authenticate(GrpcServerRequest<?, ?> request);
}
