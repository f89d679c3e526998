package io.trident.store;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;

/**
 * What an HTTP session is, kept where every instance that serves it can read it (SPEC.md §5.7): its
 * owner, its state (an opaque string the server writes) and its subscriptions, with an expiry
 * renewed on use; plus the caps on live sessions. In memory for one instance, in Redis for several.
 */
public interface SessionStore {

  /** Whether a new session was admitted, or which cap refused it. */
  enum Admission {
    ADMITTED,
    TOTAL_CAP,
    OWNER_CAP
  }

  /**
   * One session as stored.
   *
   * @param owner who opened it (credential kind and subject)
   * @param state the server's encoding of the negotiated version, capabilities and log level
   * @param subscriptions resource URIs subscribed to
   */
  record SessionRecord(String owner, String state, Set<String> subscriptions) {
    public SessionRecord {
      subscriptions = Set.copyOf(subscriptions);
    }
  }

  /**
   * How long a session lives without use, and how many may live.
   *
   * @param idle a session not used for this long ends
   * @param maxTotal live sessions in total
   * @param maxPerOwner live sessions of one owner
   */
  record Limits(Duration idle, int maxTotal, int maxPerOwner) {}

  /** A session used on this instance since the last renewal. */
  record Used(String id, String owner) {}

  /** Admits and stores a new session, unless a cap refuses it. */
  Future<Admission> create(String id, SessionRecord record, Limits limits);

  /**
   * Reads the session and renews its expiry: the one call on the path of every request (one round
   * trip in Redis). Completes with null when the session does not exist (never did, expired or
   * ended).
   */
  Future<SessionRecord> touch(String id, Limits limits);

  /** Replaces the session's state (its log level changed). */
  Future<Void> setState(String id, String state);

  /** Adds or removes one subscription. */
  Future<Void> subscribe(String id, String uri, boolean on);

  /** Ends the session: its record and its place under the caps. */
  Future<Void> remove(String id, String owner);

  /** Renews, for the caps, the sessions used on this instance lately (once per sweep). */
  Future<Void> renew(Collection<Used> used, Limits limits);

  /**
   * Notes that request {@code requestKey} of session {@code id} runs on instance {@code instance},
   * so that a cancellation reaching another instance finds it; kept at most {@code ttl}.
   */
  Future<Void> recordRequest(String id, String requestKey, int instance, Duration ttl);

  /** Forgets {@link #recordRequest}. */
  Future<Void> forgetRequest(String id, String requestKey);

  /** The instance running request {@code requestKey}, or null when none is recorded. */
  Future<Integer> requestOwner(String id, String requestKey);

  /** True when the state is shared with other instances (Redis). */
  boolean shared();

  /** This instance's sessions alone. */
  static SessionStore memory() {
    return new MemorySessionStore();
  }

  /** Sessions in Redis, shared by every instance using it. */
  static SessionStore redis(RedisConnector redis) {
    return new RedisSessionStore(redis);
  }
}
