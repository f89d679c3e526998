package io.trident.upstream;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.trident.backend.Backend;
import io.trident.backend.BackendProvider;
import io.trident.backend.Tool;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend provider built from the {@code upstreams:} configuration: each upstream's unary
 * methods become tools (SPEC.md §8). Everything is checked at start-up: a descriptor set that
 * cannot be loaded, a filter or override that names nothing, or a tool name already taken is an
 * error naming the key. Upstreams are not contacted before the first call, except those with {@code
 * reflection: true}, whose tools are added once reflection reaches them.
 */
public final class UpstreamTools implements BackendProvider {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamTools.class);

  private final List<UpstreamSettings> upstreams;
  private final List<UpstreamChannel> channels = new CopyOnWriteArrayList<>();

  public UpstreamTools(List<UpstreamSettings> upstreams) {
    this.upstreams = List.copyOf(upstreams);
  }

  @Override
  public String name() {
    return "upstreams";
  }

  @Override
  public String description() {
    return "tools of the upstream gRPC services in the configuration";
  }

  /**
   * @throws IllegalArgumentException naming the key at fault (e.g. {@code
   *     upstreams[0].descriptorSet: ...})
   */
  @Override
  public void register(Backend backend, Vertx vertx) {
    List<Tool> tools = new ArrayList<>();
    Set<String> names = java.util.Collections.synchronizedSet(new HashSet<>());
    backend.tools().forEach(t -> names.add(t.name()));
    List<UpstreamChannel> opened = new ArrayList<>();
    for (int i = 0; i < upstreams.size(); i++) {
      UpstreamSettings u = upstreams.get(i);
      String at = "upstreams[" + i + "]";
      UpstreamChannel channel = new UpstreamChannel(vertx, u);
      opened.add(channel);
      List<String> mine = new ArrayList<>();
      if (u.reflection()) {
        reflectedUpstreams.add(new Reflected(u, at, channel));
      } else {
        DescriptorPool pool;
        try {
          pool = DescriptorPool.load(u.descriptorSet());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              at + ".descriptorSet: cannot load " + u.descriptorSet() + ": " + e.getMessage());
        }
        for (Tool t : toolsOf(u, pool, at, channel, names)) {
          tools.add(t);
          mine.add(t.name());
        }
      }
      LOG.info(
          "upstream {} at {} ({}): {} {}; {}",
          u.name(),
          u.target(),
          u.insecure()
              ? "plaintext, loopback"
              : "TLS"
                  + (u.tls().caFile() != null ? ", CA " + u.tls().caFile() : ", JVM trust store")
                  + (u.tls().certFile() != null ? ", client certificate" : "")
                  + (u.tls().serverName() != null ? ", server name " + u.tls().serverName() : ""),
          u.reflection() ? "tools by reflection, when first reached" : mine.size() + " tool(s)",
          u.reflection() ? "" : mine,
          channel.metadata().describe());
    }
    tools.forEach(backend::addTool);
    channels.addAll(opened);
    for (Reflected r : reflectedUpstreams) {
      discover(r, backend, vertx, names, 0);
    }
  }

  /** An upstream whose tools come from its server reflection, once it is reached. */
  private record Reflected(UpstreamSettings settings, String at, UpstreamChannel channel) {}

  private final List<Reflected> reflectedUpstreams = new ArrayList<>();

  /** First delay between reflection attempts; doubled up to {@link #RETRY_MAX_MS}. */
  static final long RETRY_FIRST_MS = 1_000;

  static final long RETRY_MAX_MS = 60_000;

  /**
   * Learns the upstream's descriptors by reflection, then adds its tools (which tells sessions,
   * {@code notifications/tools/list_changed}). Retries with backoff while the upstream cannot be
   * reached; a reply that cannot be used (a filter naming nothing, a clash) is logged and not
   * retried.
   */
  private void discover(Reflected r, Backend backend, Vertx vertx, Set<String> names, int attempt) {
    UpstreamSettings u = r.settings();
    ReflectionDiscovery.discover(vertx, r.channel(), u)
        .onSuccess(
            reflected -> {
              try {
                List<Tool> found;
                synchronized (names) {
                  // Only the services the upstream serves, not every service its files define.
                  found =
                      toolsOf(
                          u.withServices(reflected.services()),
                          DescriptorPool.build(reflected.files()),
                          r.at(),
                          r.channel(),
                          names);
                }
                found.forEach(backend::addTool);
                LOG.info(
                    "upstream {}: {} tool(s) found by reflection {}",
                    u.name(),
                    found.size(),
                    found.stream().map(Tool::name).toList());
              } catch (IllegalArgumentException e) {
                LOG.error(
                    "upstream {}: its reflection cannot be turned into tools: {}",
                    u.name(),
                    e.getMessage());
              }
            })
        .onFailure(
            e -> {
              long delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS << Math.min(attempt, 16));
              LOG.warn(
                  "upstream {} at {}: reflection failed ({}); retrying in {} ms",
                  u.name(),
                  u.target(),
                  e.toString(),
                  delay);
              vertx.setTimer(delay, t -> discover(r, backend, vertx, names, attempt + 1));
            });
  }

  private static List<Tool> toolsOf(
      UpstreamSettings u,
      DescriptorPool pool,
      String at,
      UpstreamChannel channel,
      Set<String> names) {
    List<MethodDescriptor> methods = select(u, pool, at);
    Map<MethodDescriptor, String> toolNames = ToolNames.assign(u.name(), methods);
    Map<String, UpstreamSettings.ToolOverride> overrides = new LinkedHashMap<>(u.tools());
    List<Tool> tools = new ArrayList<>();
    for (Map.Entry<MethodDescriptor, String> e : toolNames.entrySet()) {
      MethodDescriptor m = e.getKey();
      String name = e.getValue();
      if (!names.add(name)) {
        throw new IllegalArgumentException(
            at + ".name: tool " + name + " already exists; choose another upstream name");
      }
      UpstreamSettings.ToolOverride override = overrides.remove(fullName(m));
      UpstreamSettings.ToolOverride bySimple = overrides.remove(m.getName());
      tools.add(
          UpstreamTool.build(u, name, m, channel, pool, override != null ? override : bySimple));
    }
    if (!overrides.isEmpty()) {
      throw new IllegalArgumentException(
          at
              + ".tools."
              + overrides.keySet().iterator().next()
              + ": no such unary method among the selected ones");
    }
    return tools;
  }

  /** Closes the upstream connections. */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    channels.forEach(c -> closing.add(c.close()));
    return Future.join(closing).mapEmpty();
  }

  private static List<MethodDescriptor> select(UpstreamSettings u, DescriptorPool pool, String at) {
    List<ServiceDescriptor> services = pool.services();
    if (services.isEmpty()) {
      throw new IllegalArgumentException(
          at
              + (u.reflection()
                  ? ".reflection: the upstream"
                  : ".descriptorSet: " + u.descriptorSet())
              + " defines no service");
    }
    for (int i = 0; i < u.services().size(); i++) {
      String wanted = u.services().get(i);
      if (services.stream().noneMatch(s -> s.getFullName().equals(wanted))) {
        throw new IllegalArgumentException(
            at
                + ".services["
                + i
                + "]: no service "
                + wanted
                + " in "
                + (u.reflection() ? "the upstream's reflection" : u.descriptorSet()));
      }
    }
    List<MethodDescriptor> candidates = new ArrayList<>();
    for (ServiceDescriptor s : services) {
      if (u.services().isEmpty() || u.services().contains(s.getFullName())) {
        candidates.addAll(s.getMethods());
      }
    }
    for (int i = 0; i < u.methods().size(); i++) {
      String wanted = u.methods().get(i);
      if (candidates.stream().noneMatch(m -> matches(m, wanted))) {
        throw new IllegalArgumentException(
            at + ".methods[" + i + "]: no method " + wanted + " in the selected services");
      }
    }
    List<MethodDescriptor> selected = new ArrayList<>();
    for (MethodDescriptor m : candidates) {
      if (!u.methods().isEmpty() && u.methods().stream().noneMatch(w -> matches(m, w))) {
        continue;
      }
      if (m.isClientStreaming() || m.isServerStreaming()) {
        LOG.info(
            "upstream {}: {} is a streaming method; skipped (only unary methods become tools)",
            u.name(),
            fullName(m));
        continue;
      }
      selected.add(m);
    }
    return selected;
  }

  private static boolean matches(MethodDescriptor m, String wanted) {
    return wanted.equals(m.getName()) || wanted.equals(fullName(m));
  }

  /** {@code package.Service/Method}, as gRPC names it. */
  static String fullName(MethodDescriptor m) {
    return m.getService().getFullName() + "/" + m.getName();
  }
}
