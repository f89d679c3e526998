package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trident.backend.Tool;
import io.trident.context.Principal;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScopePolicyTest {

  static Principal with(String... scopes) {
    return new Principal("p", Set.of(scopes), "jwt", Map.of());
  }

  static Tool tool(String name, String scope) {
    return Tool.builder(name)
        .description("d")
        .requiredScope(scope)
        .handler((args, ctx) -> Future.succeededFuture())
        .build();
  }

  @Test
  void defaultMethodTable() {
    ScopePolicy p = ScopePolicy.defaultPolicy();
    assertThat(p.methodScope("tools/list")).isEqualTo("tools:list");
    assertThat(p.methodScope("tools/call")).isEqualTo("tools:call");
    for (String m :
        List.of(
            "resources/list",
            "resources/templates/list",
            "resources/read",
            "resources/subscribe",
            "resources/unsubscribe")) {
      assertThat(p.methodScope(m)).as(m).isEqualTo("resources:read");
    }
    assertThat(p.methodScope("prompts/list")).isEqualTo("prompts:read");
    assertThat(p.methodScope("prompts/get")).isEqualTo("prompts:read");
    assertThat(p.methodScope("completion/complete")).isEqualTo("completion");
    for (String m :
        List.of(
            "initialize",
            "ping",
            "notifications/initialized",
            "notifications/cancelled",
            "logging/setLevel",
            "no/such/method")) {
      assertThat(p.methodScope(m)).as(m).isNull();
      assertThat(p.mayCall(with(), m)).as(m).isTrue();
    }
  }

  @Test
  void missingMethodScopeIsForbiddenNamingTheScope() {
    ScopePolicy p = ScopePolicy.defaultPolicy();
    assertThat(p.mayCall(with("tools:list"), "tools/list")).isTrue();
    assertThat(p.mayCall(with("tools:list"), "tools/call")).isFalse();
    assertThat(p.mayCall(with("*"), "tools/call")).isTrue();
    assertThatThrownBy(() -> p.requireMethod(with("tools:list"), "tools/call"))
        .isInstanceOfSatisfying(
            AuthFailure.class,
            f -> {
              assertThat(f.kind()).isEqualTo(AuthFailure.Kind.FORBIDDEN);
              assertThat(f.requiredScope()).isEqualTo("tools:call");
              assertThat(f.errorCode()).isEqualTo("insufficient_scope");
              assertThat(f.getMessage()).contains("tools:call");
              assertThat(f.wwwAuthenticate("https://x/.well-known/oauth-protected-resource"))
                  .isEqualTo(
                      "Bearer resource_metadata=\"https://x/.well-known/oauth-protected-resource\","
                          + " error=\"insufficient_scope\", scope=\"tools:call\"");
            });
  }

  @Test
  void methodOverridesReplaceOrRemoveScopes() {
    ScopePolicy p =
        new ScopePolicy(
            new AuthSettings.Scopes(
                Map.of("tools/list", "", "logging/setLevel", "logging"), null, null, null));
    assertThat(p.methodScope("tools/list")).isNull();
    assertThat(p.methodScope("logging/setLevel")).isEqualTo("logging");
    assertThat(p.methodScope("tools/call")).isEqualTo("tools:call");
  }

  @Test
  void toolScopeFromTheSpiAndOverriddenByConfig() {
    Tool deploy = tool("deploy", "ops:deploy");
    Tool echo = tool("echo", null);
    ScopePolicy defaults = ScopePolicy.defaultPolicy();
    assertThat(defaults.mayUseTool(with("tools:call"), echo)).isTrue();
    assertThat(defaults.mayUseTool(with("tools:call"), deploy)).isFalse();
    assertThat(defaults.mayUseTool(with("tools:call", "ops:deploy"), deploy)).isTrue();
    // The method scope is needed too.
    assertThat(defaults.mayUseTool(with("ops:deploy"), deploy)).isFalse();

    ScopePolicy config =
        new ScopePolicy(
            new AuthSettings.Scopes(
                null, Map.of("deploy", "ops:admin", "echo", "echo:use"), null, null));
    assertThat(config.toolScope("deploy", "ops:deploy")).isEqualTo("ops:admin");
    assertThat(config.mayUseTool(with("tools:call", "ops:deploy"), deploy)).isFalse();
    assertThat(config.mayUseTool(with("tools:call", "ops:admin"), deploy)).isTrue();
    assertThat(config.mayUseTool(with("tools:call"), echo)).isFalse();
    assertThatThrownBy(() -> config.requireTool(with("tools:call"), "echo", null))
        .isInstanceOfSatisfying(
            AuthFailure.class, f -> assertThat(f.requiredScope()).isEqualTo("echo:use"));
  }

  @Test
  void listsCanBeFilteredToWhatThePrincipalMayUse() {
    List<Tool> tools = List.of(tool("a", null), tool("b", "x"), tool("c", "y"));
    ScopePolicy p = ScopePolicy.defaultPolicy();
    Principal caller = with("tools:list", "tools:call", "x");
    assertThat(tools.stream().filter(t -> p.mayUseTool(caller, t)).map(Tool::name))
        .containsExactly("a", "b");
    assertThat(tools.stream().filter(t -> p.mayUseTool(with("tools:list"), t))).isEmpty();
  }

  @Test
  void resourceAndPromptScopes() {
    ScopePolicy p =
        new ScopePolicy(
            new AuthSettings.Scopes(
                null,
                null,
                Map.of("file:///secret.txt", "secrets", "db://{table}", "db:read"),
                Map.of("review", "code:review")));
    Principal reader = with("resources:read", "prompts:read");
    assertThat(p.mayReadResource(reader, "file:///readme", null, null)).isTrue();
    assertThat(p.mayReadResource(reader, "file:///secret.txt", null, null)).isFalse();
    assertThat(
            p.mayReadResource(with("resources:read", "secrets"), "file:///secret.txt", null, null))
        .isTrue();
    assertThat(p.mayReadResource(reader, "db://users", "db://{table}", null)).isFalse();
    assertThat(p.mayUseResourceTemplate(reader, "db://{table}", null)).isFalse();
    assertThat(p.mayReadResource(reader, "file:///a", null, "declared")).isFalse();
    assertThat(p.mayUsePrompt(reader, "review", null)).isFalse();
    assertThat(p.mayUsePrompt(with("prompts:read", "code:review"), "review", null)).isTrue();
    assertThat(p.mayUsePrompt(reader, "other", null)).isTrue();
    assertThat(p.mayUsePrompt(with(), "other", null)).isFalse();
  }
}
