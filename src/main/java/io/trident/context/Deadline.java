package io.trident.context;

import java.time.Duration;

/**
 * An absolute point in time by which a request must be done, on the monotonic clock. The budget a
 * request runs under is the earlier of the caller's deadline and the server's cap.
 */
public record Deadline(long nanoTime) {

  public static Deadline after(Duration timeout) {
    return new Deadline(System.nanoTime() + timeout.toNanos());
  }

  /** The earlier of the two deadlines. */
  public Deadline earlierOf(Deadline other) {
    return other == null || nanoTime - other.nanoTime <= 0 ? this : other;
  }

  public Duration remaining() {
    long left = nanoTime - System.nanoTime();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  public boolean isExpired() {
    return nanoTime - System.nanoTime() <= 0;
  }
}
