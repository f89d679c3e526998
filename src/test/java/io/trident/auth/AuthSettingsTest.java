package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthSettingsTest {

  /** Reads as ConfigLoader does: YAML, unknown keys refused. */
  static AuthSettings parse(String yaml) throws Exception {
    try {
      return new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .readValue(yaml, AuthSettings.class);
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      throw e.getCause() instanceof IllegalArgumentException iae ? iae : e;
    }
  }

  @Test
  void emptySectionMeansNothingConfigured() throws Exception {
    AuthSettings s = parse("{}");
    assertThat(s).isEqualTo(AuthSettings.defaults());
    assertThat(s.chain()).isEmpty();
    assertThat(s.anonymous().enabled()).isFalse();
    assertThat(s.jwt().leeway()).isEqualTo("30s");
    assertThat(s.jwt().jwksRefreshMinInterval()).isEqualTo("30s");
    assertThat(s.jwt().scopeClaim()).isEqualTo("scope");
    assertThat(s.jwt().cacheSize()).isEqualTo(10_000);
    assertThat(s.mtls().principalFrom()).isEqualTo("subject");
    assertThat(s.metadata().resourceName()).isEqualTo("Trident");
  }

  @Test
  void fullShapeReads() throws Exception {
    AuthSettings s =
        parse(
            """
            chain: [apiKey, jwt, mtls]
            anonymous: { enabled: true, scopes: [tools:list] }
            jwt:
              secretFile: /etc/trident/jwt.secret
              issuer: https://as.example
              audience: trident
              leeway: 10s
              scopeClaim: scp
            apiKeys: { file: keys.yaml, reloadInterval: 1m }
            mtls: { principalFrom: san-uri, scopes: [tools:call] }
            local: { tokenEnv: TRIDENT_TOKEN }
            scopes:
              methods: { logging/setLevel: logging }
              tools: { deploy: ops:deploy }
            metadata: { authorizationServers: [https://as.example], resourceName: Mine }
            """);
    assertThat(s.chain()).containsExactly("apiKey", "jwt", "mtls");
    assertThat(s.jwt().audience()).containsExactly("trident");
    assertThat(s.jwt().leewayDuration()).hasSeconds(10);
    assertThat(s.scopes().tools()).containsEntry("deploy", "ops:deploy");
    assertThat(s.local().tokenEnv()).isEqualTo("TRIDENT_TOKEN");
  }

  @Test
  void defaultChainIsTheConfiguredKindsInOrder() throws Exception {
    assertThat(parse("apiKeys: { file: k }\nmtls: {}\n").chain()).containsExactly("apiKey", "mtls");
    assertThat(
            parse(
                    "apiKeys: { file: k }\njwt: { jwksUrl: 'https://as/jwks', issuer: i, audience: [a, b] }")
                .chain())
        .containsExactly("jwt", "apiKey");
  }

  @Test
  void invalidCombinationsAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> parse("chain: [jwt]")).hasMessageContaining("auth.jwt");
    assertThatThrownBy(() -> parse("chain: [apiKey]")).hasMessageContaining("apiKeys.file");
    assertThatThrownBy(() -> parse("chain: [password]")).hasMessageContaining("password");
    assertThatThrownBy(() -> parse("jwt: { secretFile: s, audience: a }"))
        .hasMessageContaining("issuer");
    assertThatThrownBy(() -> parse("jwt: { secretFile: s, issuer: i }"))
        .hasMessageContaining("audience");
    assertThatThrownBy(
            () -> parse("jwt: { jwksUrl: 'http://as.example/jwks', issuer: i, audience: a }"))
        .hasMessageContaining("https");
    assertThatThrownBy(
            () ->
                parse(
                    "jwt: { jwksUrl: 'http://localhost.evil.test/jwks', issuer: i, audience: a }"))
        .hasMessageContaining("https");
    assertThatThrownBy(() -> parse("jwt: { leeway: soon }")).hasMessageContaining("soon");
    assertThatThrownBy(() -> parse("mtls: { principalFrom: email }")).hasMessageContaining("email");
    assertThatThrownBy(() -> parse("local: { tokenEnv: T }")).hasMessageContaining("tokenEnv");
    assertThatThrownBy(() -> parse("anonymus: { enabled: true }")).hasMessageContaining("anonymus");
  }

  @Test
  void blankScopeOverrideReadsAsNoScope() throws Exception {
    AuthSettings s = parse("scopes:\n  methods:\n    tools/list:\n");
    assertThat(new ScopePolicy(s.scopes()).methodScope("tools/list")).isNull();
    assertThat(List.of(s.scopes().methods().get("tools/list"))).containsExactly("");
  }
}
