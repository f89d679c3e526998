package io.trident.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  @Test
  void emptyFileMeansDefaults() {
    TridentConfig config = ConfigLoader.parse("", "test");
    assertThat(config.backends()).containsExactly("default");
    assertThat(config.server().pageSize()).isEqualTo(100);
    assertThat(config.stdio().maxLineBytes()).isEqualTo(4 * 1024 * 1024);
  }

  @Test
  void shippedConfigLoadsAndMatchesDefaults() {
    TridentConfig config = ConfigLoader.load(Path.of("conf/trident.yaml"));
    TridentConfig defaults = TridentConfig.defaults();
    assertThat(config.server()).isEqualTo(defaults.server());
    assertThat(config.stdio()).isEqualTo(defaults.stdio());
    assertThat(config.backends()).isEqualTo(defaults.backends());
    assertThat(config.redis()).isEqualTo(defaults.redis());
    assertThat(config.revocation()).isEqualTo(defaults.revocation());
  }

  @Test
  void redisAndRevocationSectionsAreReadAndCheckedByKey() {
    TridentConfig config =
        ConfigLoader.parse(
            "redis:\n  url: rediss://cache.invalid:6380\n  passwordEnv: REDIS_PW\n"
                + "  failClosedAfter: 5s\nrevocation:\n  recheckMessages: 10\n",
            "t");
    assertThat(config.redis().configured()).isTrue();
    assertThat(config.redis().failClosedDuration()).hasSeconds(5);
    assertThat(config.redis().failOpen()).isFalse();
    assertThat(config.revocation().recheckMessages()).isEqualTo(10);
    assertThat(config.revocation().tokenLifetimeDuration()).hasHours(24);
    assertThatThrownBy(() -> ConfigLoader.parse("redis:\n  url: http://x\n", "t"))
        .hasMessageContaining("redis.url");
    assertThatThrownBy(() -> ConfigLoader.parse("redis:\n  timeout: soon\n", "t"))
        .hasMessageContaining("soon");
    assertThatThrownBy(() -> ConfigLoader.parse("redis:\n  uri: redis://x\n", "t"))
        .hasMessageContaining("uri");
    assertThatThrownBy(() -> ConfigLoader.parse("revocation:\n  recheckMessages: -1\n", "t"))
        .hasMessageContaining("revocation.recheckMessages");
  }

  @Test
  void unknownKeysAreRefusedByName() {
    assertThatThrownBy(() -> ConfigLoader.parse("server:\n  pageSiz: 3\n", "t.yaml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pageSiz")
        .hasMessageContaining("t.yaml");
  }

  @Test
  void environmentReferencesUseDefaultsWhenUnset() {
    TridentConfig config =
        ConfigLoader.parse("server:\n  name: ${TRIDENT_TEST_SURELY_UNSET:-fallback}\n", "t");
    assertThat(config.server().name()).isEqualTo("fallback");
    assertThatThrownBy(
            () -> ConfigLoader.parse("server:\n  name: ${TRIDENT_TEST_SURELY_UNSET}\n", "t"))
        .hasMessageContaining("TRIDENT_TEST_SURELY_UNSET");
  }

  @Test
  void commentsMayMentionTheSyntax() {
    assertThat(ConfigLoader.parse("# use ${VAR} here\nbackends: [conformance]\n", "t").backends())
        .containsExactly("conformance");
  }

  @Test
  void tooSmallLineLimitIsRefused() {
    assertThatThrownBy(() -> ConfigLoader.parse("stdio:\n  maxLineBytes: 10\n", "t"))
        .hasMessageContaining("maxLineBytes");
  }

  @Test
  void deadlineSettingsHaveTheirDefaultsAndReadToolTimeouts() {
    TridentConfig defaults = TridentConfig.defaults();
    assertThat(defaults.server().requestTimeout()).isEqualTo("60s");
    assertThat(defaults.server().shutdownGrace()).isEqualTo("10s");
    assertThat(defaults.server().toolTimeouts()).isEmpty();
    assertThat(defaults.stdio().drainGrace()).isEqualTo("2s");
    TridentConfig config =
        ConfigLoader.parse(
            "server:\n  toolTimeouts:\n    simulate_work: 10s\n    echo: 500ms\n", "t");
    assertThat(config.server().toolTimeouts())
        .containsExactly(
            java.util.Map.entry("simulate_work", "10s"), java.util.Map.entry("echo", "500ms"));
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("soon");
  }

  @Test
  void valuesAreReadByTheirKeysType() {
    TridentConfig config =
        ConfigLoader.parse(
            "http:\n  port: '3001'\n  legacySse: off\n  alwaysSse: yes\n  maxBodyBytes: 10\n"
                + "  allowedOrigins: [https://a.example]\n"
                + "server:\n  instructions: null\n  name: \"null\"\n"
                + "tracing:\n  sampleRatio: 1\n"
                + "auth:\n  jwt:\n    audience: single\n    issuer: i\n    secretFile: s\n",
            "t");
    assertThat(config.http().port()).isEqualTo(3001);
    assertThat(config.http().legacySse()).isFalse();
    assertThat(config.http().alwaysSse()).isTrue();
    assertThat(config.http().maxBodyBytes()).isEqualTo(10L);
    assertThat(config.http().allowedOrigins()).containsExactly("https://a.example");
    assertThat(config.server().instructions()).isNull();
    assertThat(config.server().name()).isEqualTo("null");
    assertThat(config.tracing().sampleRatio()).isEqualTo(1.0);
    // audience takes one value as a list of one
    assertThat(config.auth().jwt().audience()).containsExactly("single");
  }

  @Test
  void aValueOfTheWrongTypeNamesItsKey() {
    assertThatThrownBy(() -> ConfigLoader.parse("server:\n  pageSize: many\n", "t.yaml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("t.yaml")
        .hasMessageContaining("server.pageSize")
        .hasMessageContaining("many");
    assertThatThrownBy(() -> ConfigLoader.parse("server:\n  name: [a, b]\n", "t"))
        .hasMessageContaining("server.name");
    assertThatThrownBy(() -> ConfigLoader.parse("backends: default\n", "t"))
        .hasMessageContaining("backends");
    assertThatThrownBy(() -> ConfigLoader.parse("http:\n  legacySse: maybe\n", "t"))
        .hasMessageContaining("http.legacySse");
    assertThatThrownBy(() -> ConfigLoader.parse("- a\n- b\n", "t"))
        .hasMessageContaining("top level");
    assertThatThrownBy(() -> ConfigLoader.parse("upstreams:\n  - name: a\n    colour: blue\n", "t"))
        .hasMessageContaining("unknown key 'colour' at upstreams[0].colour");
  }
}
