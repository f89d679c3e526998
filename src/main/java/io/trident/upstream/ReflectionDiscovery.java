package io.trident.upstream;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Learns an upstream's descriptors through its server reflection ({@code grpc.reflection.v1}): the
 * list of services, the file defining each wanted service, then any import still missing, one
 * request per call (some servers answer a single request per stream). Replies come in any order of
 * files; the pool sorts them. Bounded: at most {@link #MAX_FILES} files and {@link
 * DescriptorPool#MAX_BYTES} bytes, each call within the upstream's timeout, so a hostile or broken
 * upstream cannot make Trident hold arbitrary data.
 */
final class ReflectionDiscovery {

  static final int MAX_FILES = 2_000;

  private static final ServiceName REFLECTION =
      ServiceName.create("grpc.reflection.v1", "ServerReflection");

  private final UpstreamChannel channel;
  private final UpstreamSettings settings;
  private final Map<String, FileDescriptorProto> files = new LinkedHashMap<>();
  private long bytes;

  private ReflectionDiscovery(UpstreamChannel channel, UpstreamSettings settings) {
    this.channel = channel;
    this.settings = settings;
  }

  /** What reflection found: the services the upstream lists (and we want), and their files. */
  record Found(List<String> services, List<FileDescriptorProto> files) {}

  /** The files of the upstream's (wanted) services and their imports. */
  static Future<Found> discover(Vertx vertx, UpstreamChannel channel, UpstreamSettings settings) {
    return new ReflectionDiscovery(channel, settings).run();
  }

  private Future<Found> run() {
    return ask(ServerReflectionRequest.newBuilder().setListServices("*").build())
        .compose(
            reply -> {
              List<String> wanted = new ArrayList<>();
              reply
                  .getListServicesResponse()
                  .getServiceList()
                  .forEach(
                      s -> {
                        String name = s.getName();
                        if (settings.services().isEmpty()
                            ? !name.startsWith("grpc.")
                            : settings.services().contains(name)) {
                          wanted.add(name);
                        }
                      });
              if (wanted.isEmpty()) {
                return Future.failedFuture(
                    new IllegalStateException("the upstream lists none of the wanted services"));
              }
              List<Future<Void>> each = new ArrayList<>();
              for (String s : wanted) {
                each.add(
                    ask(ServerReflectionRequest.newBuilder().setFileContainingSymbol(s).build())
                        .compose(this::keep));
              }
              return Future.all(each)
                  .compose(v -> closeImports())
                  .map(found -> new Found(List.copyOf(wanted), found));
            });
  }

  /** Asks for imports not yet known until none is missing. */
  private Future<List<FileDescriptorProto>> closeImports() {
    List<String> missing = new ArrayList<>();
    for (FileDescriptorProto f : files.values()) {
      for (String dep : f.getDependencyList()) {
        if (!files.containsKey(dep) && !missing.contains(dep)) {
          missing.add(dep);
        }
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture(new ArrayList<>(files.values()));
    }
    List<Future<Void>> each = new ArrayList<>();
    for (String dep : missing) {
      each.add(
          ask(ServerReflectionRequest.newBuilder().setFileByFilename(dep).build())
              .compose(this::keep));
    }
    return Future.all(each)
        .compose(
            v -> {
              for (String dep : missing) {
                if (!files.containsKey(dep)) {
                  return Future.failedFuture(
                      new IllegalStateException("the upstream did not send " + dep));
                }
              }
              return closeImports();
            });
  }

  private Future<Void> keep(ServerReflectionResponse reply) {
    try {
      for (ByteString raw : reply.getFileDescriptorResponse().getFileDescriptorProtoList()) {
        bytes += raw.size();
        if (bytes > DescriptorPool.MAX_BYTES || files.size() >= MAX_FILES) {
          return Future.failedFuture(
              new IllegalStateException("reflection replies exceed the size limits"));
        }
        FileDescriptorProto file = FileDescriptorProto.parseFrom(raw);
        files.putIfAbsent(file.getName(), file);
      }
      return Future.succeededFuture();
    } catch (InvalidProtocolBufferException e) {
      return Future.failedFuture(e);
    }
  }

  /** One reflection request on its own call; an error reply fails it. */
  private Future<ServerReflectionResponse> ask(ServerReflectionRequest request) {
    return channel
        .openStream()
        .compose(
            stream -> {
              stream.serviceName(REFLECTION);
              stream.methodName("ServerReflectionInfo");
              stream.timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
              return stream.send(Buffer.buffer(request.toByteArray()));
            })
        .compose(GrpcClientResponse::last)
        .compose(
            buffer -> {
              try {
                ServerReflectionResponse reply =
                    ServerReflectionResponse.parseFrom(buffer.getBytes());
                if (reply.hasErrorResponse()) {
                  return Future.failedFuture(
                      new IllegalStateException(
                          "reflection error "
                              + GrpcStatus.valueOf(reply.getErrorResponse().getErrorCode())
                              + " for "
                              + request.getMessageRequestCase()));
                }
                return Future.succeededFuture(reply);
              } catch (InvalidProtocolBufferException e) {
                return Future.failedFuture(e);
              }
            });
  }
}
