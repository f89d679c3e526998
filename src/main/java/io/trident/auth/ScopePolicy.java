package io.trident.auth;

import io.trident.backend.Resource;
import io.trident.backend.Tool;
import io.trident.context.Principal;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which scope each MCP method and each tool, resource and prompt needs, and whether a principal
 * holds it. Defaults, overridable per method in {@code auth.scopes.methods}:
 *
 * <ul>
 *   <li>{@code tools/list}: {@code tools:list}; {@code tools/call}: {@code tools:call}
 *   <li>{@code resources/list}, {@code resources/templates/list}, {@code resources/read}, {@code
 *       resources/subscribe}, {@code resources/unsubscribe}: {@code resources:read}
 *   <li>{@code prompts/list}, {@code prompts/get}: {@code prompts:read}
 *   <li>{@code completion/complete}: {@code completion}
 *   <li>{@code logging/setLevel}: none. It only chooses which log notifications the caller's own
 *       session receives, about its own requests, so it discloses nothing a scope would guard.
 *   <li>{@code initialize}, {@code ping}, {@code notifications/*}, responses, and methods we do not
 *       know: none (an unknown method is answered "method not found" anyway)
 * </ul>
 *
 * A tool, resource or prompt may need one more scope: the one configured for it in {@code
 * auth.scopes.tools|resources|prompts}, else the one it declares in the backend SPI. Using a target
 * needs both its method scope and its own scope; lists show only what the caller may use.
 */
public final class ScopePolicy {

  public static final String TOOLS_LIST = "tools:list";
  public static final String TOOLS_CALL = "tools:call";
  public static final String RESOURCES_READ = "resources:read";
  public static final String PROMPTS_READ = "prompts:read";
  public static final String COMPLETION = "completion";

  /** The default method table; methods not named here need no scope. */
  public static final Map<String, String> DEFAULT_METHOD_SCOPES = defaults();

  private final Map<String, String> methods;
  private final Map<String, String> tools;
  private final Map<String, String> resources;
  private final Map<String, String> prompts;

  public ScopePolicy(AuthSettings.Scopes overrides) {
    Map<String, String> m = new LinkedHashMap<>(DEFAULT_METHOD_SCOPES);
    m.putAll(overrides.methods());
    this.methods = Map.copyOf(m);
    this.tools = overrides.tools();
    this.resources = overrides.resources();
    this.prompts = overrides.prompts();
  }

  /** The defaults with no override. */
  public static ScopePolicy defaultPolicy() {
    return new ScopePolicy(new AuthSettings.Scopes(null, null, null, null));
  }

  private static Map<String, String> defaults() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("tools/list", TOOLS_LIST);
    m.put("tools/call", TOOLS_CALL);
    for (String method :
        new String[] {
          "resources/list",
          "resources/templates/list",
          "resources/read",
          "resources/subscribe",
          "resources/unsubscribe"
        }) {
      m.put(method, RESOURCES_READ);
    }
    m.put("prompts/list", PROMPTS_READ);
    m.put("prompts/get", PROMPTS_READ);
    m.put("completion/complete", COMPLETION);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The scope {@code method} needs, or null when it needs none. */
  public String methodScope(String method) {
    return blankToNull(methods.get(method));
  }

  /** The scope tool {@code name} needs besides {@code tools:call}: config, else declared. */
  public String toolScope(String name, String declaredScope) {
    return pick(tools, name, declaredScope);
  }

  /**
   * The scope a resource needs besides {@code resources:read}: config for its URI, else config for
   * the URI template it matched (may be null), else what it declares.
   */
  public String resourceScope(String uri, String uriTemplate, String declaredScope) {
    if (uri != null && resources.containsKey(uri)) {
      return blankToNull(resources.get(uri));
    }
    return pick(resources, uriTemplate, declaredScope);
  }

  /** The scope prompt {@code name} needs besides {@code prompts:read}. */
  public String promptScope(String name, String declaredScope) {
    return pick(prompts, name, declaredScope);
  }

  /** True when {@code principal} may call {@code method} (not looking at its target). */
  public boolean mayCall(Principal principal, String method) {
    return holds(principal, methodScope(method));
  }

  /**
   * @throws AuthFailure {@link AuthFailure.Kind#FORBIDDEN} naming the missing method scope
   */
  public void requireMethod(Principal principal, String method) {
    require(principal, methodScope(method));
  }

  /** True when {@code principal} may call tool {@code toolName}, and so see it listed. */
  public boolean mayUseTool(Principal principal, String toolName, String declaredScope) {
    return mayCall(principal, "tools/call") && holds(principal, toolScope(toolName, declaredScope));
  }

  public boolean mayUseTool(Principal principal, Tool tool) {
    return mayUseTool(principal, tool.name(), tool.requiredScope());
  }

  /**
   * @throws AuthFailure {@link AuthFailure.Kind#FORBIDDEN} naming the first missing scope
   */
  public void requireTool(Principal principal, String toolName, String declaredScope) {
    requireMethod(principal, "tools/call");
    require(principal, toolScope(toolName, declaredScope));
  }

  /** True when {@code principal} may read the resource, and so see it listed. */
  public boolean mayReadResource(
      Principal principal, String uri, String uriTemplate, String declaredScope) {
    return mayCall(principal, "resources/read")
        && holds(principal, resourceScope(uri, uriTemplate, declaredScope));
  }

  public boolean mayReadResource(Principal principal, Resource resource) {
    return mayReadResource(principal, resource.uri(), null, resource.requiredScope());
  }

  /** True when {@code principal} may read resources of a template, and so see it listed. */
  public boolean mayUseResourceTemplate(
      Principal principal, String uriTemplate, String declaredScope) {
    return mayReadResource(principal, null, uriTemplate, declaredScope);
  }

  /**
   * @throws AuthFailure {@link AuthFailure.Kind#FORBIDDEN} naming the first missing scope
   */
  public void requireResource(
      Principal principal, String uri, String uriTemplate, String declaredScope) {
    requireMethod(principal, "resources/read");
    require(principal, resourceScope(uri, uriTemplate, declaredScope));
  }

  /** True when {@code principal} may get prompt {@code name}, and so see it listed. */
  public boolean mayUsePrompt(Principal principal, String name, String declaredScope) {
    return mayCall(principal, "prompts/get") && holds(principal, promptScope(name, declaredScope));
  }

  /**
   * @throws AuthFailure {@link AuthFailure.Kind#FORBIDDEN} naming the first missing scope
   */
  public void requirePrompt(Principal principal, String name, String declaredScope) {
    requireMethod(principal, "prompts/get");
    require(principal, promptScope(name, declaredScope));
  }

  /**
   * Every scope this policy names, plus {@code declared} (e.g. the scopes tools declare), sorted:
   * the {@code scopes_supported} of the protected-resource metadata.
   */
  public Set<String> allScopes(Collection<String> declared) {
    Set<String> all = new TreeSet<>();
    for (Map<String, String> m : java.util.List.of(methods, tools, resources, prompts)) {
      m.values().forEach(v -> addScope(all, v));
    }
    if (declared != null) {
      declared.forEach(v -> addScope(all, v));
    }
    return all;
  }

  private static void addScope(Set<String> all, String scope) {
    if (scope != null && !scope.isBlank()) {
      all.add(scope);
    }
  }

  private static String pick(Map<String, String> config, String key, String declared) {
    if (key != null && config.containsKey(key)) {
      return blankToNull(config.get(key));
    }
    return blankToNull(declared);
  }

  private static boolean holds(Principal principal, String scope) {
    return scope == null || principal.hasScope(scope);
  }

  private static void require(Principal principal, String scope) {
    if (!holds(principal, scope)) {
      throw AuthFailure.forbidden(scope);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
