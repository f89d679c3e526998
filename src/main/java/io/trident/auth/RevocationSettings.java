package io.trident.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.trident.config.Durations;
import java.time.Duration;

/**
 * The {@code revocation:} section: how long revocations are kept and how often open streams are
 * checked again besides the pushed revocations (which cover the common case at once).
 *
 * @param tokenLifetime the longest lifetime of any accepted token (default 24h): revocations are
 *     kept this long, after which every token they could cover has expired
 * @param recheckInterval every open stream is checked against the store this often (default 30s; 0
 *     turns it off)
 * @param recheckMessages and after this many messages on it (default 1000; 0 turns it off)
 */
public record RevocationSettings(
    @JsonProperty("tokenLifetime") String tokenLifetime,
    @JsonProperty("recheckInterval") String recheckInterval,
    @JsonProperty("recheckMessages") Integer recheckMessages) {

  public RevocationSettings {
    tokenLifetime = tokenLifetime == null ? "24h" : tokenLifetime;
    recheckInterval = recheckInterval == null ? "30s" : recheckInterval;
    recheckMessages = recheckMessages == null ? 1000 : recheckMessages;
    // Fields are assigned after this block: validate the parameters.
    Duration lifetime = Durations.parse(tokenLifetime);
    if (lifetime.isZero() || lifetime.isNegative()) {
      throw new IllegalArgumentException("revocation.tokenLifetime must be positive");
    }
    if (Durations.parse(recheckInterval).isNegative()) {
      throw new IllegalArgumentException("revocation.recheckInterval must not be negative");
    }
    if (recheckMessages < 0) {
      throw new IllegalArgumentException("revocation.recheckMessages must not be negative");
    }
  }

  public static RevocationSettings defaults() {
    return new RevocationSettings(null, null, null);
  }

  public Duration tokenLifetimeDuration() {
    return Durations.parse(tokenLifetime);
  }

  public Duration recheckIntervalDuration() {
    return Durations.parse(recheckInterval);
  }
}
