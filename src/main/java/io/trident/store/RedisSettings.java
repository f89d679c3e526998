package io.trident.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.trident.config.Durations;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * The {@code redis:} section: the one Redis every store of this process shares (revocations today;
 * rate limits and sessions later). Without {@code url} every store stays in memory.
 *
 * @param url {@code redis://host:port[/db]}, or {@code rediss://} for TLS; null: no Redis
 * @param passwordFile a file holding the password (a trailing newline is ignored)
 * @param passwordEnv an environment variable holding the password
 * @param timeout how long one command may take before it counts as failed (default 1s); also the
 *     connect timeout
 * @param failClosedAfter how long revocation status may stay unconfirmed before new requests are
 *     refused and open streams ended (default 30s)
 * @param failOpen true: keep serving while Redis is unreachable (default false)
 */
public record RedisSettings(
    @JsonProperty("url") String url,
    @JsonProperty("passwordFile") String passwordFile,
    @JsonProperty("passwordEnv") String passwordEnv,
    @JsonProperty("timeout") String timeout,
    @JsonProperty("failClosedAfter") String failClosedAfter,
    @JsonProperty("failOpen") Boolean failOpen) {

  public static final String DEFAULT_TIMEOUT = "1s";
  public static final String DEFAULT_FAIL_CLOSED_AFTER = "30s";

  public RedisSettings {
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    failClosedAfter = failClosedAfter == null ? DEFAULT_FAIL_CLOSED_AFTER : failClosedAfter;
    failOpen = failOpen != null && failOpen;
    if (url != null) {
      checkUrl(url);
    }
    if (passwordFile != null && passwordEnv != null) {
      throw new IllegalArgumentException("redis: set passwordFile or passwordEnv, not both");
    }
    // Fields are assigned after this block: validate the parameters.
    Duration t = Durations.parse(timeout);
    if (t.isZero() || t.isNegative()) {
      throw new IllegalArgumentException("redis.timeout must be positive");
    }
    Durations.parse(failClosedAfter);
  }

  /** No Redis: every store in memory. */
  public static RedisSettings none() {
    return new RedisSettings(null, null, null, null, null, null);
  }

  /** {@code base} pointing at {@code url} (the {@code --redis} flag). */
  public RedisSettings withUrl(String newUrl) {
    return new RedisSettings(newUrl, passwordFile, passwordEnv, timeout, failClosedAfter, failOpen);
  }

  /** The same with another command timeout (a one-shot command may wait longer than a server). */
  public RedisSettings withTimeout(String newTimeout) {
    return new RedisSettings(url, passwordFile, passwordEnv, newTimeout, failClosedAfter, failOpen);
  }

  public boolean configured() {
    return url != null;
  }

  public Duration timeoutDuration() {
    return Durations.parse(timeout);
  }

  public Duration failClosedDuration() {
    return Durations.parse(failClosedAfter);
  }

  /** The password from the file or the variable, or null; never logged. */
  public String password(Function<String, String> env) {
    if (passwordEnv != null) {
      String value = env.apply(passwordEnv);
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException(
            "redis.passwordEnv: environment variable " + passwordEnv + " is not set");
      }
      return value;
    }
    if (passwordFile != null) {
      try {
        return Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "redis.passwordFile: cannot read " + passwordFile + ": " + e.getMessage());
      }
    }
    return null;
  }

  /** The URL without any user information, fit for logs. */
  public String safeUrl() {
    if (url == null) {
      return "(none)";
    }
    URI u = URI.create(url);
    return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
  }

  private static void checkUrl(String url) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("redis.url is not a URL: " + e.getMessage());
    }
    if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme())) {
      throw new IllegalArgumentException(
          "redis.url must start with redis:// or rediss:// (TLS), got " + u.getScheme());
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      throw new IllegalArgumentException("redis.url names no host");
    }
  }
}
