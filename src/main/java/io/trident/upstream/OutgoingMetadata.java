package io.trident.upstream;

import io.trident.context.CallContext;
import io.trident.context.Principal;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metadata an upstream call carries, built from empty for every call: the allowlisted keys the
 * caller sent (trace context, request ids), then the upstream's own metadata (its service
 * credential), then the caller's verified subject under {@code callerIdentity}, then, only with
 * {@code forwardCallerToken}, the caller's bearer token. Later steps win, so a caller can never
 * spoof the identity key or replace the service credential. Values are never logged.
 */
final class OutgoingMetadata {

  private static final String AUTHORIZATION = "authorization";

  private final List<String> forward;
  private final Map<String, String> own;
  private final String callerIdentity;
  private final boolean forwardCallerToken;

  OutgoingMetadata(UpstreamSettings settings) {
    this.forward = settings.forwardMetadata();
    this.own = settings.metadata();
    this.callerIdentity = settings.callerIdentity();
    this.forwardCallerToken = settings.forwardCallerToken();
  }

  /** Fills {@code headers} (the outgoing request's, empty) for a call made for {@code context}. */
  void fill(MultiMap headers, CallContext context) {
    for (String key : forward) {
      String value = context.metadata().get(key);
      if (value != null && printable(value)) {
        headers.set(key, value);
      }
    }
    own.forEach(headers::set);
    Principal caller = context.principal();
    if (callerIdentity != null) {
      // Only the verified subject ever goes under this key, whatever else would put it there.
      headers.remove(callerIdentity);
      if (caller != null && caller.subject() != null && printable(caller.subject())) {
        headers.set(callerIdentity, caller.subject());
      }
    }
    if (forwardCallerToken) {
      // The transport's own header, never a request's _meta: only the credential the caller
      // actually authenticated with goes along.
      String value = context.metadata().header(AUTHORIZATION);
      if (value != null
          && value.regionMatches(true, 0, "Bearer ", 0, 7)
          && value.length() > 7
          && printable(value)) {
        headers.set(AUTHORIZATION, "Bearer " + value.substring(7).trim());
      }
    }
  }

  /** One line for the start-up log: which keys this upstream receives (never values). */
  String describe() {
    return "metadata keys "
        + own.keySet()
        + ", forwarded from callers "
        + forward
        + ", caller token "
        + (forwardCallerToken ? "forwarded (authorization)" : "not forwarded")
        + ", caller identity "
        + (callerIdentity == null ? "not sent" : "as " + callerIdentity.toLowerCase(Locale.ROOT));
  }

  private static boolean printable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }
}
