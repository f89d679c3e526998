package io.trident.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestStatesTest {

  @TempDir Path dir;

  @Test
  void instancesStartingTogetherShareTheOneKeyThatGotThereFirst() throws Exception {
    Path file = dir.resolve("keys/state.key");
    int instances = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(instances);
    try {
      List<Future<RequestStates>> started = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        Callable<RequestStates> start =
            () -> {
              go.await();
              return RequestStates.fromFile(file, Duration.ofMinutes(1));
            };
        started.add(pool.submit(start));
      }
      go.countDown();
      String sealed = started.get(0).get().seal(new JsonObject().put("round", 1));
      for (Future<RequestStates> other : started) {
        assertThat(other.get().open(sealed).getInteger("round")).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
    try (var left = Files.list(file.getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("state.key");
    }
  }

  @Test
  void aKeyFromAnotherFileIsRefused() throws Exception {
    RequestStates one = RequestStates.fromFile(dir.resolve("one.key"), Duration.ofMinutes(1));
    RequestStates two = RequestStates.fromFile(dir.resolve("two.key"), Duration.ofMinutes(1));
    String sealed = one.seal(new JsonObject().put("round", 1));
    assertThatThrownBy(() -> two.open(sealed)).isInstanceOf(RuntimeException.class);
  }
}
