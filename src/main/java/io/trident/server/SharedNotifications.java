package io.trident.server;

import io.trident.backend.Backend;
import io.trident.backend.BackendListener;
import io.trident.store.InstanceBus;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Backend changes fanned out to every instance (SPEC.md §5.7): a change on this instance's backend
 * is broadcast on the bus, and sessions (and any stream that listens, such as 2026-07-28 {@code
 * subscriptions/listen}) hear of changes from the bus only, whichever instance they happened on.
 */
public final class SharedNotifications implements McpServer.NotificationSource {

  private static final String TYPE = "backend";
  private final List<BackendListener> listeners = new CopyOnWriteArrayList<>();

  private SharedNotifications() {}

  /** Publishes {@code backend}'s changes on {@code bus} and delivers the bus's to listeners. */
  public static SharedNotifications start(Backend backend, InstanceBus bus) {
    SharedNotifications n = new SharedNotifications();
    backend.addListener(
        new BackendListener() {
          @Override
          public void toolsChanged() {
            bus.broadcast(event("tools"));
          }

          @Override
          public void resourcesChanged() {
            bus.broadcast(event("resources"));
          }

          @Override
          public void promptsChanged() {
            bus.broadcast(event("prompts"));
          }

          @Override
          public void resourceUpdated(String uri) {
            bus.broadcast(event("updated").put("u", uri));
          }
        });
    bus.listen(n::onMessage);
    return n;
  }

  private static JsonObject event(String kind) {
    return new JsonObject().put("t", TYPE).put("k", kind);
  }

  private void onMessage(JsonObject message) {
    if (!TYPE.equals(message.getString("t"))) {
      return;
    }
    String uri = message.getString("u");
    Consumer<BackendListener> fire =
        switch (message.getString("k", "")) {
          case "tools" -> BackendListener::toolsChanged;
          case "resources" -> BackendListener::resourcesChanged;
          case "prompts" -> BackendListener::promptsChanged;
          case "updated" -> uri == null ? null : l -> l.resourceUpdated(uri);
          default -> null;
        };
    if (fire != null) {
      listeners.forEach(fire);
    }
  }

  @Override
  public Runnable addListener(BackendListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
