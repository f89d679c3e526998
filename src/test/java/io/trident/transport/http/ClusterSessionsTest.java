package io.trident.transport.http;

import io.trident.store.RedisServer;
import io.trident.store.RedisSettings;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedSessionsTest} with the two instances sharing a real 3-master Redis Cluster instead
 * of one Redis (SPEC.md §5.7): sessions, events, the caps, the bus between instances (cancellation,
 * sampling answers, list_changed) and an instance's death, every key in its slot.
 */
class ClusterSessionsTest extends SharedSessionsTest {

  private static RedisServer.Cluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = RedisServer.cluster(3);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  @Override
  void flush() throws Exception {
    // FLUSHALL on a cluster empties one node: each node on its own.
    for (RedisServer n : cluster.nodes()) {
      RedisServer.run(List.of("/usr/bin/redis-cli", "-p", Integer.toString(n.port()), "flushall"));
    }
  }

  @Override
  RedisSettings settings() {
    return RedisSettings.cluster(cluster.urls(), null);
  }

  @Override
  @Test
  @Disabled("stops the one Redis of the base class; a cluster node down is RedisClusterTest's")
  void withRedisDownNewSessionsGet503AndExistingOnesFailCleanlyThenRecover() {}
}
