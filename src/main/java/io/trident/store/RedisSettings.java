package io.trident.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.trident.config.Durations;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The {@code redis:} section: the one Redis every store of this process shares (revocations, rate
 * limits, sessions). Without {@code url} or {@code nodes} every store stays in memory.
 *
 * <p>Three set-ups (SPEC.md §5.7): {@code standalone} (the default) names one node in {@code url};
 * {@code cluster} names seed nodes of a Redis Cluster in {@code nodes} (the rest are discovered);
 * {@code sentinel} names the sentinels in {@code nodes} and the monitored set in {@code
 * masterName}, and every command goes to the master the sentinels name. Password and TLS apply to
 * every node alike.
 *
 * @param url {@code redis://host:port[/db]}, or {@code rediss://} for TLS; null: no Redis. Only
 *     with mode standalone
 * @param mode {@code standalone}, {@code cluster} or {@code sentinel}
 * @param nodes cluster seed nodes or sentinels, each {@code redis://host:port} (all {@code
 *     redis://} or all {@code rediss://}); only with mode cluster or sentinel
 * @param masterName the master set the sentinels monitor; required with mode sentinel, only then
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
    @JsonProperty("mode") String mode,
    @JsonProperty("nodes") List<String> nodes,
    @JsonProperty("masterName") String masterName,
    @JsonProperty("passwordFile") String passwordFile,
    @JsonProperty("passwordEnv") String passwordEnv,
    @JsonProperty("timeout") String timeout,
    @JsonProperty("failClosedAfter") String failClosedAfter,
    @JsonProperty("failOpen") Boolean failOpen) {

  public static final String DEFAULT_TIMEOUT = "1s";
  public static final String DEFAULT_FAIL_CLOSED_AFTER = "30s";

  /** How the nodes are set up. */
  public enum Mode {
    STANDALONE,
    CLUSTER,
    SENTINEL;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  @JsonCreator
  public RedisSettings {
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    failClosedAfter = failClosedAfter == null ? DEFAULT_FAIL_CLOSED_AFTER : failClosedAfter;
    failOpen = failOpen != null && failOpen;
    Mode m = parseMode(mode);
    mode = m.key();
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    if (m == Mode.STANDALONE) {
      if (!nodes.isEmpty()) {
        throw new IllegalArgumentException(
            "redis.nodes is only for redis.mode cluster or sentinel; with one node set redis.url");
      }
      if (url != null) {
        if (url.contains(",")) {
          throw new IllegalArgumentException(
              "redis.url names one node; for several set redis.mode (cluster or sentinel)"
                  + " and list them in redis.nodes");
        }
        checkUrl("redis.url", url);
      }
    } else {
      if (url != null) {
        throw new IllegalArgumentException(
            "redis.url is only for redis.mode standalone; with redis.mode "
                + m.key()
                + " list the nodes in redis.nodes");
      }
      String scheme = null;
      for (int i = 0; i < nodes.size(); i++) {
        String n = nodes.get(i);
        if (n == null) {
          throw new IllegalArgumentException("redis.nodes[" + i + "] is empty");
        }
        URI u = checkUrl("redis.nodes[" + i + "]", n);
        if (scheme != null && !scheme.equals(u.getScheme())) {
          throw new IllegalArgumentException(
              "redis.nodes: all nodes must use the same scheme (redis:// or rediss://)");
        }
        scheme = u.getScheme();
      }
    }
    if (m == Mode.SENTINEL && !nodes.isEmpty() && (masterName == null || masterName.isBlank())) {
      throw new IllegalArgumentException(
          "redis.masterName is required when redis.mode is sentinel");
    }
    if (m != Mode.SENTINEL && masterName != null) {
      throw new IllegalArgumentException("redis.masterName is only for redis.mode sentinel");
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

  /** One node (mode standalone). */
  public RedisSettings(
      String url,
      String passwordFile,
      String passwordEnv,
      String timeout,
      String failClosedAfter,
      Boolean failOpen) {
    this(url, null, null, null, passwordFile, passwordEnv, timeout, failClosedAfter, failOpen);
  }

  /** No Redis: every store in memory. */
  public static RedisSettings none() {
    return new RedisSettings(null, null, null, null, null, null);
  }

  /** A Redis Cluster reached through {@code seeds}. */
  public static RedisSettings cluster(List<String> seeds, String timeout) {
    return new RedisSettings(null, "cluster", seeds, null, null, null, timeout, null, null);
  }

  /** The master {@code masterName} that {@code sentinels} name. */
  public static RedisSettings sentinel(List<String> sentinels, String masterName, String timeout) {
    return new RedisSettings(
        null, "sentinel", sentinels, masterName, null, null, timeout, null, null);
  }

  /**
   * The {@code --redis} flag: one URL for mode standalone; with mode cluster or sentinel a
   * comma-separated list that replaces {@code redis.nodes}.
   */
  public RedisSettings withUrl(String newUrl) {
    if (modeKind() == Mode.STANDALONE) {
      return new RedisSettings(
          newUrl, mode, null, null, passwordFile, passwordEnv, timeout, failClosedAfter, failOpen);
    }
    List<String> list = new ArrayList<>();
    for (String part : newUrl.split(",")) {
      if (!part.isBlank()) {
        list.add(part.strip());
      }
    }
    if (list.isEmpty()) {
      throw new IllegalArgumentException("--redis names no node");
    }
    return new RedisSettings(
        null,
        mode,
        list,
        masterName,
        passwordFile,
        passwordEnv,
        timeout,
        failClosedAfter,
        failOpen);
  }

  /** The same with another command timeout (a one-shot command may wait longer than a server). */
  public RedisSettings withTimeout(String newTimeout) {
    return new RedisSettings(
        url,
        mode,
        nodes,
        masterName,
        passwordFile,
        passwordEnv,
        newTimeout,
        failClosedAfter,
        failOpen);
  }

  /**
   * This, once the flags are applied: a cluster or sentinel mode must name its nodes.
   *
   * @throws IllegalArgumentException naming the key that is missing
   */
  public RedisSettings complete() {
    if (modeKind() != Mode.STANDALONE && nodes.isEmpty()) {
      throw new IllegalArgumentException(
          "redis.nodes is required when redis.mode is " + mode + " (or --redis URL,URL,...)");
    }
    return this;
  }

  public boolean configured() {
    return url != null || !nodes.isEmpty();
  }

  public Mode modeKind() {
    return parseMode(mode);
  }

  /** Every node named: the url, or the nodes. */
  public List<String> endpoints() {
    return url != null ? List.of(url) : nodes;
  }

  /** Whether commands travel in TLS ({@code rediss://}). */
  public boolean tls() {
    List<String> e = endpoints();
    return !e.isEmpty() && e.get(0).startsWith("rediss://");
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

  /**
   * Every node without any user information, fit for logs: {@code redis://h:p} for one node, {@code
   * cluster redis://a:1,redis://b:2} or {@code sentinel master m via redis://s:26379}.
   */
  public String safeUrl() {
    if (!configured()) {
      return "(none)";
    }
    StringBuilder out = new StringBuilder();
    for (String e : endpoints()) {
      if (out.length() > 0) {
        out.append(',');
      }
      URI u = URI.create(e);
      out.append(u.getScheme())
          .append("://")
          .append(u.getHost())
          .append(u.getPort() > 0 ? ":" + u.getPort() : "");
    }
    return switch (modeKind()) {
      case STANDALONE -> out.toString();
      case CLUSTER -> "cluster " + out;
      case SENTINEL -> "sentinel master " + masterName + " via " + out;
    };
  }

  private static Mode parseMode(String mode) {
    if (mode == null) {
      return Mode.STANDALONE;
    }
    for (Mode m : Mode.values()) {
      if (m.key().equals(mode)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "redis.mode must be standalone, cluster or sentinel, got " + mode);
  }

  private static URI checkUrl(String key, String url) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " is not a URL: " + e.getMessage());
    }
    if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme())) {
      throw new IllegalArgumentException(
          key + " must start with redis:// or rediss:// (TLS), got " + u.getScheme());
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      throw new IllegalArgumentException(key + " names no host");
    }
    return u;
  }
}
