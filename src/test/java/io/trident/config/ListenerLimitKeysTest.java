package io.trident.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.trident.transport.ListenerLimits;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ListenerLimitKeysTest {

  @Test
  void theShippedConfigHoldsTheDefaults() {
    TridentConfig config = ConfigLoader.load(Path.of("conf/trident.yaml"));
    ListenerLimits d = ListenerLimits.defaults();
    assertThat(ListenerLimitKeys.http(config.http())).isEqualTo(d);
    assertThat(ListenerLimitKeys.grpc(config.grpc()))
        .isEqualTo(
            new ListenerLimits(
                d.headerTimeout(),
                Duration.ZERO,
                d.idleTimeout(),
                d.maxConnections(),
                d.maxConnectionsPerAddress(),
                d.maxConcurrentStreams(),
                d.maxHeaderBytes(),
                d.maxHeaderCount(),
                d.maxResetsPerWindow(),
                d.resetWindow(),
                d.maxPingsPerWindow(),
                d.pingWindow(),
                d.minPingInterval(),
                d.maxPingStrikes(),
                d.keepAliveInterval(),
                Duration.ZERO,
                true));
  }

  @Test
  void keysOverrideTheDefaults() {
    TridentConfig config =
        ConfigLoader.parse(
            "http:\n  headerTimeout: 2s\n  h2c: true\n  http2:\n    maxPingsPerWindow: 7\n",
            "test");
    ListenerLimits l = ListenerLimitKeys.http(config.http());
    assertThat(l.headerTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(l.maxPingsPerWindow()).isEqualTo(7);
    assertThat(l.h2c()).isTrue();
  }
}
