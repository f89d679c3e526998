package io.trident.transport.http;

import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who may knock: {@code Host} must name this server (DNS-rebinding defence) and {@code Origin},
 * when a browser sends one, must be allowed. Loopback names and origins are always allowed.
 */
final class DoorPolicy {

  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final Set<String> hosts = new HashSet<>(LOOPBACK);
  private final Set<String> origins = new HashSet<>();
  private final boolean anyOrigin;

  /**
   * The Host value last found allowed, exactly as sent: clients send the same one on every request,
   * and checking it again lower-cased a copy each time. Any thread may replace it.
   */
  private volatile String lastAllowedHost;

  DoorPolicy(HttpTransportOptions options) {
    for (String h : options.allowedHosts()) {
      hosts.add(h.toLowerCase(Locale.ROOT));
    }
    if (!isLoopback(options.host())
        && !"0.0.0.0".equals(options.host())
        && !"::".equals(options.host())) {
      hosts.add(options.host().toLowerCase(Locale.ROOT));
    }
    List<String> allowed = new java.util.ArrayList<>(options.allowedOrigins());
    // An origin allowed to call from a browser (CORS) is, of course, an allowed origin.
    allowed.addAll(options.corsOrigins());
    anyOrigin = allowed.contains("*");
    for (String o : allowed) {
      origins.add(o.toLowerCase(Locale.ROOT));
    }
  }

  static boolean isLoopback(String host) {
    return LOOPBACK.contains(host) || host.startsWith("127.");
  }

  boolean hostAllowed(HttpServerRequest request) {
    String host = request.getHeader(io.vertx.core.http.HttpHeaders.HOST);
    if (host == null) {
      // HTTP/1.1 requires Host; HTTP/2 carries :authority instead.
      host = request.authority() == null ? null : request.authority().toString();
    }
    if (host == null) {
      return false;
    }
    if (host.equals(lastAllowedHost)) {
      return true;
    }
    boolean allowed = hosts.contains(stripPort(host.toLowerCase(Locale.ROOT)));
    if (allowed) {
      lastAllowedHost = host;
    }
    return allowed;
  }

  /** True when there is no Origin (not a browser) or it is allowed. */
  boolean originAllowed(String origin) {
    if (origin == null) {
      return true;
    }
    String o = origin.toLowerCase(Locale.ROOT);
    if (anyOrigin || origins.contains(o)) {
      return true;
    }
    try {
      URI uri = new URI(o);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null
          && LOOPBACK.contains(uri.getHost());
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static String stripPort(String hostPort) {
    if (hostPort.startsWith("[")) {
      int end = hostPort.indexOf(']');
      return end < 0 ? hostPort : hostPort.substring(0, end + 1);
    }
    int colon = hostPort.indexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }
}
