package io.trident.store;

/**
 * A token bucket's shape: it refills at {@code perSecond} tokens a second up to {@code burst}
 * tokens, and a full bucket lets {@code burst} requests through at once.
 */
public record Rate(double perSecond, int burst) {

  public Rate {
    if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException("rate must be a positive number per second");
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1");
    }
  }

  /** Milliseconds until one token is back in a bucket holding {@code tokens} (< 1). */
  public long millisUntilOne(double tokens) {
    return Math.max(1, (long) Math.ceil((1 - tokens) * 1000 / perSecond));
  }
}
