package io.trident.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.trident.store.Rate;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code limits:} section (SPEC.md §7.8): rate limits keyed on the caller's identity, counting
 * every request on every transport. Every key is optional; the defaults never bite one person's
 * session but do bound a runaway client or a stolen token.
 *
 * @param enabled false turns every limit off (default true)
 * @param perPrincipal every request of one principal (default {@code 100/s}, burst 200)
 * @param notifications notifications and responses to server requests of one principal (default
 *     {@code 1000/s}, burst 2000; counted per instance)
 * @param tools per principal and tool name
 * @param upstreams per principal and upstream: tools named {@code <upstream>_<Method>}
 * @param maxInFlightPerPrincipal requests of one principal running at once, per instance (default
 *     64; 0: no limit)
 * @param anonymous one bucket shared by every anonymous caller (default {@code 20/s}, burst 40)
 * @param local whether stdio and {@code --no-auth} callers are limited too (default false)
 */
public record LimitSettings(
    @JsonProperty("enabled") Boolean enabled,
    @JsonProperty("perPrincipal") Limit perPrincipal,
    @JsonProperty("notifications") Limit notifications,
    @JsonProperty("tools") Map<String, Limit> tools,
    @JsonProperty("upstreams") Map<String, Limit> upstreams,
    @JsonProperty("maxInFlightPerPrincipal") Integer maxInFlightPerPrincipal,
    @JsonProperty("anonymous") Limit anonymous,
    @JsonProperty("local") Boolean local) {

  public static final Limit DEFAULT_PER_PRINCIPAL = new Limit("100/s", 200);
  public static final Limit DEFAULT_NOTIFICATIONS = new Limit("1000/s", 2000);
  public static final Limit DEFAULT_ANONYMOUS = new Limit("20/s", 40);
  public static final int DEFAULT_MAX_IN_FLIGHT = 64;

  private static final Pattern RATE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*/\\s*(ms|s|sec|second|m|min|minute|h|hour)");

  public LimitSettings {
    enabled = enabled == null || enabled;
    perPrincipal = perPrincipal == null ? DEFAULT_PER_PRINCIPAL : perPrincipal;
    notifications = notifications == null ? DEFAULT_NOTIFICATIONS : notifications;
    if (tools != null) {
      tools.forEach((name, l) -> limitOrFail("limits.tools." + name, l));
    }
    if (upstreams != null) {
      upstreams.forEach((name, l) -> limitOrFail("limits.upstreams." + name, l));
    }
    tools = tools == null ? Map.of() : Map.copyOf(tools);
    upstreams = upstreams == null ? Map.of() : Map.copyOf(upstreams);
    maxInFlightPerPrincipal =
        maxInFlightPerPrincipal == null ? DEFAULT_MAX_IN_FLIGHT : maxInFlightPerPrincipal;
    anonymous = anonymous == null ? DEFAULT_ANONYMOUS : anonymous;
    local = local != null && local;
    // Fields are assigned after this block: validate the parameters, naming each key.
    perPrincipal.toRate("limits.perPrincipal");
    notifications.toRate("limits.notifications");
    anonymous.toRate("limits.anonymous");
    if (maxInFlightPerPrincipal < 0) {
      throw new IllegalArgumentException(
          "limits.maxInFlightPerPrincipal must not be negative, got " + maxInFlightPerPrincipal);
    }
  }

  public static LimitSettings defaults() {
    return new LimitSettings(null, null, null, null, null, null, null, null);
  }

  /** No limits at all. */
  public static LimitSettings off() {
    return new LimitSettings(false, null, null, null, null, null, null, null);
  }

  private static void limitOrFail(String key, Limit limit) {
    if (limit == null) {
      throw new IllegalArgumentException(key + " needs a rate, e.g. { rate: 10/s, burst: 20 }");
    }
    limit.toRate(key);
  }

  /**
   * One limit as written: {@code rate} is tokens per unit ({@code 50/s}, {@code 600/m}, {@code
   * 1000/h}); {@code burst} how many requests a full bucket lets through at once (default: one
   * second of the rate, at least 1).
   */
  public record Limit(@JsonProperty("rate") String rate, @JsonProperty("burst") Integer burst) {

    /**
     * @param key the config key, for the error message
     * @throws IllegalArgumentException naming {@code key} when the rate or burst is not valid
     */
    public Rate toRate(String key) {
      if (rate == null) {
        throw new IllegalArgumentException(key + ".rate is required, e.g. 10/s");
      }
      Matcher m = RATE.matcher(rate.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new IllegalArgumentException(
            key + ".rate: not a rate: '" + rate + "' (use e.g. 50/s, 600/m, 1000/h)");
      }
      double n = Double.parseDouble(m.group(1));
      double perSecond =
          switch (m.group(2)) {
            case "ms" -> n * 1000;
            case "s", "sec", "second" -> n;
            case "m", "min", "minute" -> n / 60;
            default -> n / 3600;
          };
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException(key + ".rate must be positive, got '" + rate + "'");
      }
      if (burst != null && burst < 1) {
        throw new IllegalArgumentException(key + ".burst must be at least 1, got " + burst);
      }
      int b = burst != null ? burst : (int) Math.max(1, Math.min(Integer.MAX_VALUE, perSecond));
      return new Rate(perSecond, b);
    }
  }
}
