package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AuditWriterTest {

  /** Every line is written, in order, and a flush follows the last one. */
  @Test
  void writesInOrderAndFlushesAfterTheLastLineOfABatch() throws Exception {
    AuditWriter writer = new AuditWriter(1_024);
    List<Integer> written = new CopyOnWriteArrayList<>();
    List<Integer> writtenAtFlush = new CopyOnWriteArrayList<>();
    writer.flushWith(() -> writtenAtFlush.add(written.size()));
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 500; i++) {
        int n = round * 500 + i;
        writer.submit(() -> written.add(n));
      }
      int expected = (round + 1) * 500;
      awaitTrue(() -> writtenAtFlush.contains(expected));
      // Idle between rounds: the thread goes to sleep and must be woken by the next line.
      Thread.sleep(20);
    }
    assertThat(written).hasSize(1_500);
    for (int i = 0; i < written.size(); i++) {
      assertThat(written.get(i)).isEqualTo(i);
    }
    assertThat(writtenAtFlush.size()).as("flushes (one per batch, not per line)").isLessThan(1_500);
  }

  /** With the queue full the caller writes its own line and flushes it: nothing is dropped. */
  @Test
  void aFullQueueMakesTheCallerWriteAndFlushItsLine() throws Exception {
    AuditWriter writer = new AuditWriter(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch busy = new CountDownLatch(1);
    AtomicInteger flushes = new AtomicInteger();
    writer.flushWith(flushes::incrementAndGet);
    writer.submit(
        () -> {
          busy.countDown();
          awaitQuietly(release);
        });
    assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
    writer.submit(() -> {}); // fills the queue of one
    String caller = Thread.currentThread().getName();
    List<String> ranOn = new CopyOnWriteArrayList<>();
    writer.submit(() -> ranOn.add(Thread.currentThread().getName()));
    assertThat(ranOn).containsExactly(caller);
    assertThat(flushes.get()).isEqualTo(1);
    release.countDown();
    awaitTrue(() -> flushes.get() >= 2);
  }

  /** A line whose building throws is logged and skipped; the lines after it are still written. */
  @Test
  void aFailingLineDoesNotStopTheThread() throws Exception {
    AuditWriter writer = new AuditWriter(16);
    List<String> written = new CopyOnWriteArrayList<>();
    writer.submit(
        () -> {
          throw new IllegalStateException("broken line");
        });
    writer.submit(() -> written.add("next"));
    awaitTrue(() -> written.contains("next"));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition met within 5 s").isLessThan(until);
      Thread.sleep(1);
    }
  }
}
