package io.trident.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The registry of everything the server offers: tools, resources, resource templates and prompts.
 * Shared by all transports and event loops, so it is thread-safe: reads see an immutable snapshot,
 * writes replace it and tell the listeners. Order of registration is the order of listing.
 */
public final class Backend {

  private volatile Map<String, Tool> tools = Map.of();
  private volatile Map<String, Resource> resources = Map.of();
  private volatile List<ResourceTemplate> templates = List.of();
  private volatile Map<String, Prompt> prompts = Map.of();
  private final List<BackendListener> listeners = new CopyOnWriteArrayList<>();

  /** Adds or replaces a tool (by name). */
  public synchronized Backend addTool(Tool tool) {
    Map<String, Tool> next = new LinkedHashMap<>(tools);
    next.put(tool.name(), tool);
    tools = java.util.Collections.unmodifiableMap(next);
    fire(BackendListener::toolsChanged);
    return this;
  }

  public synchronized boolean removeTool(String name) {
    if (!tools.containsKey(name)) {
      return false;
    }
    Map<String, Tool> next = new LinkedHashMap<>(tools);
    next.remove(name);
    tools = java.util.Collections.unmodifiableMap(next);
    fire(BackendListener::toolsChanged);
    return true;
  }

  /** Adds or replaces a resource (by URI). */
  public synchronized Backend addResource(Resource resource) {
    Map<String, Resource> next = new LinkedHashMap<>(resources);
    next.put(resource.uri(), resource);
    resources = java.util.Collections.unmodifiableMap(next);
    fire(BackendListener::resourcesChanged);
    return this;
  }

  public synchronized Backend addResourceTemplate(ResourceTemplate template) {
    List<ResourceTemplate> next = new java.util.ArrayList<>(templates);
    next.removeIf(t -> t.info().uriTemplate().equals(template.info().uriTemplate()));
    next.add(template);
    templates = List.copyOf(next);
    fire(BackendListener::resourcesChanged);
    return this;
  }

  /** Adds or replaces a prompt (by name). */
  public synchronized Backend addPrompt(Prompt prompt) {
    Map<String, Prompt> next = new LinkedHashMap<>(prompts);
    next.put(prompt.name(), prompt);
    prompts = java.util.Collections.unmodifiableMap(next);
    fire(BackendListener::promptsChanged);
    return this;
  }

  /** Tells subscribers that the resource at {@code uri} has new content. */
  public void resourceUpdated(String uri) {
    fire(l -> l.resourceUpdated(uri));
  }

  public List<Tool> tools() {
    return List.copyOf(tools.values());
  }

  public Optional<Tool> tool(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  public List<Resource> resources() {
    return List.copyOf(resources.values());
  }

  public Optional<Resource> resource(String uri) {
    return Optional.ofNullable(resources.get(uri));
  }

  public List<ResourceTemplate> resourceTemplates() {
    return templates;
  }

  public List<Prompt> prompts() {
    return List.copyOf(prompts.values());
  }

  public Optional<Prompt> prompt(String name) {
    return Optional.ofNullable(prompts.get(name));
  }

  /** Registers a listener; run the returned action to remove it. */
  public Runnable addListener(BackendListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void fire(Consumer<BackendListener> event) {
    for (BackendListener l : listeners) {
      event.accept(l);
    }
  }
}
