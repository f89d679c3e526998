package io.trident.context;

import java.time.Duration;

/**
 * An absolute point in time by which a request must be done, on the monotonic clock. The budget a
 * request runs under is the earliest of the caller's deadlines and the server's caps ({@link
 * DeadlineBudget}).
 */
public record Deadline(long nanoTime) {

  /**
   * The longest relative timeout a caller may state ({@code Mcp-Timeout-Ms}, {@code
   * io.trident/timeoutMs}): 24 h. Anything longer is almost surely a unit mistake (seconds or
   * microseconds taken for milliseconds), so it is refused rather than silently capped.
   */
  public static final long MAX_TIMEOUT_MILLIS = Duration.ofHours(24).toMillis();

  public static Deadline after(Duration timeout) {
    return new Deadline(System.nanoTime() + timeout.toNanos());
  }

  /**
   * A caller's relative deadline in milliseconds, as text (an HTTP header): decimal digits only,
   * from 1 to {@link #MAX_TIMEOUT_MILLIS}.
   *
   * @throws IllegalArgumentException saying what is wrong (never echoing the value)
   */
  public static Deadline parseTimeoutMillis(String text) {
    String t = text.trim();
    if (t.isEmpty() || t.length() > 19 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(notValid());
    }
    return afterValidMillis(Long.parseLong(t));
  }

  /**
   * A caller's relative deadline in milliseconds, as a JSON value ({@code _meta}): an integer from
   * 1 to {@link #MAX_TIMEOUT_MILLIS}; fractions, strings and other types are refused.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Deadline timeoutMillis(Object json) {
    if (json instanceof Integer || json instanceof Long) {
      return afterValidMillis(((Number) json).longValue());
    }
    throw new IllegalArgumentException(notValid());
  }

  private static Deadline afterValidMillis(long millis) {
    if (millis < 1 || millis > MAX_TIMEOUT_MILLIS) {
      throw new IllegalArgumentException(notValid());
    }
    return after(Duration.ofMillis(millis));
  }

  private static String notValid() {
    return "must be a whole number of milliseconds from 1 to " + MAX_TIMEOUT_MILLIS;
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
