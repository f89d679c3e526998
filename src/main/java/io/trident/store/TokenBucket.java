package io.trident.store;

/**
 * One token bucket held in this process. Callers from any event loop: a short synchronized section
 * per take, with nothing allocated.
 */
final class TokenBucket {

  private final Rate rate;
  private double tokens;
  private long updatedNanos;
  volatile long lastUsedMillis;

  TokenBucket(Rate rate, long nowNanos) {
    this.rate = rate;
    this.tokens = rate.burst();
    this.updatedNanos = nowNanos;
  }

  /**
   * Takes one token.
   *
   * @return 0 when taken, else the milliseconds until one is back
   */
  synchronized long take(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return rate.millisUntilOne(tokens);
  }

  /** Whether the bucket is full again (nothing would be lost by forgetting it). */
  synchronized boolean full(long nowNanos) {
    refill(nowNanos);
    return tokens >= rate.burst();
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - updatedNanos;
    if (elapsed > 0) {
      tokens = Math.min(rate.burst(), tokens + elapsed * rate.perSecond() / 1e9);
      updatedNanos = nowNanos;
    }
  }
}
