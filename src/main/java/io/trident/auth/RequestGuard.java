package io.trident.auth;

import io.trident.backend.Backend;
import io.trident.backend.Prompt;
import io.trident.backend.Resource;
import io.trident.backend.ResourceTemplate;
import io.trident.backend.Tool;
import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * Authorizes every request as that request: its method's scope and, where it names one, its
 * target's (the tool, resource or prompt). The server asks it for every message a session admits
 * and every typed RPC, and to filter lists so that nobody sees what they may not use. Denials are
 * audited here, once.
 */
public final class RequestGuard {

  private static final RequestGuard OPEN = new RequestGuard(null, null, RateLimiter.none());

  private final ScopePolicy policy;
  private final Backend backend;
  private final RateLimiter limiter;

  private RequestGuard(ScopePolicy policy, Backend backend, RateLimiter limiter) {
    this.policy = policy;
    this.backend = backend;
    this.limiter = limiter;
  }

  /** Authorizes by {@code policy} against what {@code backend} declares. */
  public static RequestGuard of(ScopePolicy policy, Backend backend) {
    return new RequestGuard(policy, backend, RateLimiter.none());
  }

  /** This guard, also holding every request to {@code limiter}'s rate limits (SPEC.md §7.8). */
  public RequestGuard limitedBy(RateLimiter limiter) {
    return new RequestGuard(policy, backend, limiter);
  }

  public RateLimiter limiter() {
    return limiter;
  }

  /**
   * Counts one request against its principal's rate limits; every request on every transport passes
   * here, whatever its method (initialize and ping included).
   *
   * @param target the tool a {@code tools/call} names, else null
   * @return the permit to release when the request ends, or a failed future with {@link
   *     io.trident.model.McpException#RATE_LIMITED} and a retry hint (already audited)
   */
  public Future<RateLimiter.Permit> limit(
      Principal principal, String transport, String method, String target) {
    return limiter.admitRequest(
        principal, transport, method, "tools/call".equals(method) ? target : null);
  }

  /** As {@link #limit}, for a JSON-RPC request: the tool is {@code params.name}. */
  public Future<RateLimiter.Permit> limit(
      Principal principal, String transport, String method, JsonObject params) {
    return limiter.admitRequest(
        principal,
        transport,
        method,
        "tools/call".equals(method) ? stringParam(params, "name") : null);
  }

  /**
   * Counts a notification or a response to a server request.
   *
   * @return 0 when admitted, else the milliseconds until one more is: drop this one
   */
  public long admitMessage(Principal principal, String transport) {
    return limiter.admitMessage(principal, transport);
  }

  /** Lets everything through: for embedded use and tests without auth. */
  public static RequestGuard open() {
    return OPEN;
  }

  /**
   * A JSON-RPC request: its target is {@code params.name} of {@code tools/call} and {@code
   * prompts/get}, {@code params.uri} of the resource methods.
   *
   * @param params the request's params (may be null)
   * @return null when {@code principal} may make this request, else the FORBIDDEN failure to answer
   *     with (already audited)
   */
  public AuthFailure check(
      Principal principal, String transport, String method, JsonObject params) {
    if (policy == null) {
      return null;
    }
    String target =
        switch (method) {
          case "tools/call", "prompts/get" -> stringParam(params, "name");
          case "resources/read", "resources/subscribe", "resources/unsubscribe" ->
              stringParam(params, "uri");
          default -> null;
        };
    return checkTarget(principal, transport, method, target);
  }

  /**
   * As {@link #check}, with the target already known (typed RPCs carry it as a field).
   *
   * @param target the tool or prompt name, or the resource URI; null when the request names none
   */
  public AuthFailure checkTarget(
      Principal principal, String transport, String method, String target) {
    if (policy == null) {
      return null;
    }
    try {
      switch (method) {
        case "tools/call" -> {
          Tool tool = target == null ? null : backend.tool(target).orElse(null);
          if (tool == null) {
            policy.requireMethod(principal, method);
          } else {
            policy.requireTool(principal, tool.name(), tool.requiredScope());
          }
        }
        case "resources/read", "resources/subscribe", "resources/unsubscribe" -> {
          policy.requireMethod(principal, method);
          if (target != null) {
            requireResource(principal, target);
          }
        }
        case "prompts/get" -> {
          if (target == null || backend.prompt(target).isEmpty()) {
            policy.requireMethod(principal, method);
          } else {
            policy.requirePrompt(principal, target, null);
          }
        }
        default -> policy.requireMethod(principal, method);
      }
      return null;
    } catch (AuthFailure denied) {
      io.trident.observe.Observe.authFailed(denied.reason());
      AuditLog.denied(AuditEvent.denied(transport, principal, method, target, denied));
      return denied;
    }
  }

  private void requireResource(Principal principal, String uri) {
    Optional<Resource> resource = backend.resource(uri);
    if (resource.isPresent()) {
      policy.requireResource(principal, uri, null, resource.get().requiredScope());
      return;
    }
    for (ResourceTemplate template : backend.resourceTemplates()) {
      if (template.template().match(uri).isPresent()) {
        policy.requireResource(principal, uri, template.info().uriTemplate(), null);
        return;
      }
    }
  }

  /** Also decides whether {@code tools/list} shows the tool. */
  public boolean mayUse(Principal principal, Tool tool) {
    return policy == null || policy.mayUseTool(principal, tool);
  }

  public boolean mayUse(Principal principal, Resource resource) {
    return policy == null || policy.mayReadResource(principal, resource);
  }

  public boolean mayUse(Principal principal, ResourceTemplate template) {
    return policy == null
        || policy.mayUseResourceTemplate(principal, template.info().uriTemplate(), null);
  }

  public boolean mayUse(Principal principal, Prompt prompt) {
    return policy == null || policy.mayUsePrompt(principal, prompt.info().name(), null);
  }

  private static String stringParam(JsonObject params, String key) {
    return params != null && params.getValue(key) instanceof String s ? s : null;
  }
}
