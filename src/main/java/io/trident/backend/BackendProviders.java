package io.trident.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Finds the backend providers on the class path (built-in ones and user jars). */
public final class BackendProviders {

  private final Map<String, BackendProvider> byName;

  private BackendProviders(Map<String, BackendProvider> byName) {
    this.byName = byName;
  }

  public static BackendProviders discover() {
    Map<String, BackendProvider> found = new LinkedHashMap<>();
    for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
      found.putIfAbsent(provider.name(), provider);
    }
    return new BackendProviders(found);
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /**
   * A backend with every named provider registered, in order.
   *
   * @throws IllegalArgumentException naming the unknown provider and the known ones
   */
  public Backend build(List<String> names, io.vertx.core.Vertx vertx) {
    Backend backend = new Backend();
    for (String name : names) {
      BackendProvider provider = byName.get(name);
      if (provider == null) {
        throw new IllegalArgumentException(
            "unknown backend '" + name + "' (available: " + String.join(", ", names()) + ")");
      }
      provider.register(backend, vertx);
    }
    return backend;
  }
}
