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
 * error naming the key; the upstreams themselves are not contacted before the first call.
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
    Set<String> names = new HashSet<>();
    backend.tools().forEach(t -> names.add(t.name()));
    List<UpstreamChannel> opened = new ArrayList<>();
    for (int i = 0; i < upstreams.size(); i++) {
      UpstreamSettings u = upstreams.get(i);
      String at = "upstreams[" + i + "]";
      DescriptorPool pool;
      try {
        pool = DescriptorPool.load(u.descriptorSet());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            at + ".descriptorSet: cannot load " + u.descriptorSet() + ": " + e.getMessage());
      }
      List<MethodDescriptor> methods = select(u, pool, at);
      UpstreamChannel channel = new UpstreamChannel(vertx, u);
      opened.add(channel);
      Map<MethodDescriptor, String> toolNames = ToolNames.assign(u.name(), methods);
      Map<String, UpstreamSettings.ToolOverride> overrides = new LinkedHashMap<>(u.tools());
      List<String> mine = new ArrayList<>();
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
        mine.add(name);
      }
      if (!overrides.isEmpty()) {
        throw new IllegalArgumentException(
            at
                + ".tools."
                + overrides.keySet().iterator().next()
                + ": no such unary method among the selected ones");
      }
      LOG.info(
          "upstream {} at {} ({}): {} tool(s) {}; {}",
          u.name(),
          u.target(),
          u.insecure()
              ? "plaintext, loopback"
              : "TLS"
                  + (u.tls().caFile() != null ? ", CA " + u.tls().caFile() : ", JVM trust store")
                  + (u.tls().certFile() != null ? ", client certificate" : "")
                  + (u.tls().serverName() != null ? ", server name " + u.tls().serverName() : ""),
          mine.size(),
          mine,
          channel.metadata().describe());
    }
    tools.forEach(backend::addTool);
    channels.addAll(opened);
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
          at + ".descriptorSet: " + u.descriptorSet() + " defines no service");
    }
    for (int i = 0; i < u.services().size(); i++) {
      String wanted = u.services().get(i);
      if (services.stream().noneMatch(s -> s.getFullName().equals(wanted))) {
        throw new IllegalArgumentException(
            at + ".services[" + i + "]: no service " + wanted + " in " + u.descriptorSet());
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
