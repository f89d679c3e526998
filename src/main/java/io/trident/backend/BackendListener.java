package io.trident.backend;

/** Told when what the backend offers changes; sessions turn these into MCP notifications. */
public interface BackendListener {

  default void toolsChanged() {}

  default void resourcesChanged() {}

  default void promptsChanged() {}

  /** The content of the resource at {@code uri} changed. */
  default void resourceUpdated(String uri) {}
}
