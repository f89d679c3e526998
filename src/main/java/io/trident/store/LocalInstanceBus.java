package io.trident.store;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The bus of an instance that shares nothing: what it sends to itself comes back to it. */
final class LocalInstanceBus implements InstanceBus {

  private final Vertx vertx;
  private final List<Handler<JsonObject>> handlers = new CopyOnWriteArrayList<>();

  LocalInstanceBus(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public int tag() {
    return 0;
  }

  @Override
  public void send(int tag, JsonObject message) {
    if (tag == 0) {
      broadcast(message);
    }
  }

  @Override
  public void broadcast(JsonObject message) {
    vertx.runOnContext(v -> handlers.forEach(h -> h.handle(message)));
  }

  @Override
  public void listen(Handler<JsonObject> handler) {
    handlers.add(handler);
  }

  @Override
  public Future<Boolean> alive(int tag) {
    return Future.succeededFuture(tag == 0);
  }

  @Override
  public long heartbeatMillis() {
    return 1_000;
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
