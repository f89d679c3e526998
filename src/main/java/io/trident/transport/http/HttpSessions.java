package io.trident.transport.http;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live HTTP sessions of this process, shared by all event loops: lookup by id, caps in total
 * and per principal, and idle expiry. Ids are 256 random bits, base64url: visible ASCII,
 * unguessable.
 */
final class HttpSessions {

  /** Why a new session was refused. */
  enum Refusal {
    TOTAL_CAP,
    PRINCIPAL_CAP
  }

  private final SecureRandom random = new SecureRandom();
  private final Map<String, HttpSession> byId = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> perPrincipal = new ConcurrentHashMap<>();
  private final HttpTransportOptions options;

  HttpSessions(HttpTransportOptions options) {
    this.options = options;
  }

  String newId() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Counts a session of {@code subject} in, or says why not. */
  synchronized Refusal reserve(String subject) {
    if (byId.size() >= options.maxSessions()) {
      return Refusal.TOTAL_CAP;
    }
    AtomicInteger count = perPrincipal.computeIfAbsent(subject, s -> new AtomicInteger());
    if (count.get() >= options.maxSessionsPerPrincipal()) {
      return Refusal.PRINCIPAL_CAP;
    }
    count.incrementAndGet();
    return null;
  }

  void add(HttpSession session) {
    byId.put(session.id, session);
  }

  HttpSession get(String id) {
    return id == null ? null : byId.get(id);
  }

  /** Removes the session (once); the caller closes it on its context. */
  synchronized boolean remove(HttpSession session) {
    if (byId.remove(session.id, session)) {
      perPrincipal.computeIfPresent(session.subject, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
      return true;
    }
    return false;
  }

  /** Releases a reservation whose session was never added. */
  synchronized void release(String subject) {
    perPrincipal.computeIfPresent(subject, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
  }

  Collection<HttpSession> all() {
    return byId.values();
  }

  int size() {
    return byId.size();
  }
}
