package io.trident.transport;

import io.trident.config.FileWatcher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves new TLS files without a restart (SPEC.md §9.4): when the certificate, key or client CA of
 * a listener changes on disk, the files are checked on a worker and handed to every instance of the
 * listener; connections already open keep the handshake they made. A file that does not check out
 * leaves the previous certificates in use, and the error names it.
 */
public final class TlsRotation {

  private static final Logger LOG = LoggerFactory.getLogger(TlsRotation.class);

  private final Vertx vertx;
  private final String keyPrefix;
  private final String certPath;
  private final String keyPath;
  private final String clientCaPath;
  private final long handshakeTimeoutMillis;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private FileWatcher watcher;

  /**
   * @param keyPrefix the config section of the paths ({@code http}, {@code grpc}), for messages
   */
  public TlsRotation(
      Vertx vertx,
      String keyPrefix,
      String certPath,
      String keyPath,
      String clientCaPath,
      Duration handshakeTimeout) {
    this.vertx = vertx;
    this.keyPrefix = keyPrefix;
    this.certPath = certPath;
    this.keyPath = keyPath;
    this.clientCaPath = clientCaPath;
    this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
  }

  /** Starts polling the files every {@code interval}. */
  public Future<TlsRotation> start(Duration interval) {
    List<String> files = new ArrayList<>(List.of(certPath, keyPath));
    if (clientCaPath != null) {
      files.add(clientCaPath);
    }
    return FileWatcher.start(vertx, files, interval, v -> reload())
        .map(
            w -> {
              watcher = w;
              return this;
            });
  }

  /** A listener instance whose server takes the new files. */
  public void register(HttpServer server) {
    servers.add(server);
  }

  public void unregister(HttpServer server) {
    servers.remove(server);
  }

  public void close() {
    if (watcher != null) {
      watcher.close();
    }
  }

  /** Checks the files on a worker, then swaps them in on every instance. */
  Future<Void> reload() {
    return vertx
        .executeBlocking(
            () -> {
              ServerTls.check(keyPrefix, certPath, keyPath, clientCaPath);
              return null;
            },
            false)
        .compose(
            ok -> {
              List<Future<Boolean>> updates = new ArrayList<>();
              for (HttpServer server : servers) {
                updates.add(
                    server.updateSSLOptions(
                        ServerTls.sslOptions(
                            certPath, keyPath, clientCaPath, handshakeTimeoutMillis),
                        true));
              }
              return Future.all(updates).<Void>mapEmpty();
            })
        .onSuccess(v -> LOG.info("{}: TLS files reloaded ({})", keyPrefix, certPath))
        .onFailure(
            e ->
                LOG.error(
                    "{}: new TLS files not used, the previous ones stay: {}",
                    keyPrefix,
                    e.getMessage()));
  }
}
