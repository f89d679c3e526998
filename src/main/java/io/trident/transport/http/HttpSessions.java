package io.trident.transport.http;

import io.trident.store.SessionStore;
import io.trident.store.SessionStore.Admission;
import io.trident.store.SessionStore.SessionRecord;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The HTTP sessions this process serves, shared by all event loops: the local objects by id, and
 * the {@link SessionStore} that says which sessions exist, whose they are and how many may live.
 * Alone, the local map is the whole truth. With a shared store, every request reads the session
 * from the store (and renews it there) and the local object is a replica made on first use: any
 * instance serves any session. Ids are 256 random bits, base64url: visible ASCII, unguessable.
 */
final class HttpSessions {

  private final SecureRandom random = new SecureRandom();
  private final Map<String, HttpSession> byId = new ConcurrentHashMap<>();
  private final SessionStore store;
  private final SessionStore.Limits limits;

  HttpSessions(HttpTransportOptions options, SessionStore store) {
    this.store = store;
    this.limits =
        new SessionStore.Limits(
            options.sessionIdleTimeout(), options.maxSessions(), options.maxSessionsPerPrincipal());
  }

  SessionStore store() {
    return store;
  }

  boolean shared() {
    return store.shared();
  }

  String newId() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Stores a new session, counted against the caps; adds it here when admitted. */
  io.vertx.core.Future<Admission> admit(HttpSession session, String state) {
    return store
        .create(session.id, new SessionRecord(session.subject, state, java.util.Set.of()), limits)
        .onSuccess(
            a -> {
              if (a == Admission.ADMITTED) {
                byId.put(session.id, session);
              }
            });
  }

  /**
   * The session {@code id} if {@code owner} owns it, or null. Alone, from the local map; shared,
   * read (and renewed) from the store, the local replica made by {@code replica} when there is none
   * yet and refreshed otherwise. Fails when the store cannot be reached.
   */
  io.vertx.core.Future<HttpSession> find(
      String id, String owner, Function<SessionRecord, HttpSession> replica) {
    HttpSession local = byId.get(id);
    if (!store.shared() || (local != null && local.localOnly())) {
      return io.vertx.core.Future.succeededFuture(
          local != null && local.subject.equals(owner) ? local : null);
    }
    return store
        .touch(id, limits)
        .map(
            record -> {
              if (record == null) {
                // Ended or expired elsewhere: a replica here ends too.
                HttpSession gone = byId.remove(id);
                if (gone != null) {
                  gone.context().runOnContext(v -> gone.close());
                }
                return null;
              }
              if (!record.owner().equals(owner)) {
                return null;
              }
              HttpSession s = byId.get(id);
              if (s == null) {
                HttpSession made = replica.apply(record);
                if (made == null) {
                  return null;
                }
                s = byId.putIfAbsent(id, made);
                if (s == null) {
                  s = made;
                } else {
                  made.context().runOnContext(v -> made.close());
                }
              } else {
                s.refresh(record);
              }
              return s;
            });
  }

  /** The local session object, if any (bus messages for it). */
  HttpSession local(String id) {
    return id == null ? null : byId.get(id);
  }

  /**
   * Ends the session everywhere: removes it here and from the store (once). Null when it was gone
   * already; else completes once the store has it gone, so that no instance serves it afterwards.
   */
  io.vertx.core.Future<Void> remove(HttpSession session) {
    return byId.remove(session.id, session) ? store.remove(session.id, session.subject) : null;
  }

  /** Drops the local object only (the session lives on in the shared store). */
  boolean forget(HttpSession session) {
    return byId.remove(session.id, session);
  }

  /** Renews, for the caps, the sessions used here since the last call. */
  void renew(Collection<HttpSession> used) {
    List<SessionStore.Used> list = new ArrayList<>(used.size());
    for (HttpSession s : used) {
      list.add(new SessionStore.Used(s.id, s.subject));
    }
    store.renew(list, limits);
  }

  Collection<HttpSession> all() {
    return byId.values();
  }

  int size() {
    return byId.size();
  }
}
