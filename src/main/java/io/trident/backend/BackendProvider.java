package io.trident.backend;

import io.vertx.core.Vertx;

/**
 * The service provider interface for what Trident serves. Implementations are found with {@link
 * java.util.ServiceLoader} (list the class in {@code
 * META-INF/services/io.trident.backend.BackendProvider}) and chosen by name with {@code --backend}.
 * The built-in backends use this same interface.
 */
public interface BackendProvider {

  /** The name used on the command line, e.g. {@code default}. */
  String name();

  /** One line for {@code --help}. */
  default String description() {
    return name();
  }

  /**
   * Registers tools, resources and prompts. Called once at start-up, before any transport listens.
   */
  void register(Backend backend, Vertx vertx);
}
