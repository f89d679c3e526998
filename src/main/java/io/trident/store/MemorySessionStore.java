package io.trident.store;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions of this instance only. Expiry is the transport's own idle sweep (it calls {@link
 * #remove}); requests never run anywhere else, so none are recorded.
 */
final class MemorySessionStore implements SessionStore {

  private record Entry(String owner, String state, Set<String> subscriptions) {}

  private final Map<String, Entry> byId = new ConcurrentHashMap<>();
  private final Map<String, Integer> perOwner = new ConcurrentHashMap<>();

  @Override
  public synchronized Future<Admission> create(String id, SessionRecord record, Limits limits) {
    if (byId.size() >= limits.maxTotal()) {
      return Future.succeededFuture(Admission.TOTAL_CAP);
    }
    if (perOwner.getOrDefault(record.owner(), 0) >= limits.maxPerOwner()) {
      return Future.succeededFuture(Admission.OWNER_CAP);
    }
    perOwner.merge(record.owner(), 1, Integer::sum);
    Set<String> subscriptions = ConcurrentHashMap.newKeySet();
    subscriptions.addAll(record.subscriptions());
    byId.put(id, new Entry(record.owner(), record.state(), subscriptions));
    return Future.succeededFuture(Admission.ADMITTED);
  }

  @Override
  public Future<SessionRecord> touch(String id, Limits limits) {
    Entry e = byId.get(id);
    return Future.succeededFuture(
        e == null
            ? null
            : new SessionRecord(e.owner(), e.state(), new HashSet<>(e.subscriptions())));
  }

  @Override
  public Future<Void> setState(String id, String state) {
    byId.computeIfPresent(id, (k, e) -> new Entry(e.owner(), state, e.subscriptions()));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> subscribe(String id, String uri, boolean on) {
    Entry e = byId.get(id);
    if (e != null) {
      if (on) {
        e.subscriptions().add(uri);
      } else {
        e.subscriptions().remove(uri);
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> remove(String id, String owner) {
    if (byId.remove(id) != null) {
      perOwner.computeIfPresent(owner, (k, n) -> n <= 1 ? null : n - 1);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> renew(Collection<Used> used, Limits limits) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> recordRequest(String id, String requestKey, int instance, Duration ttl) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> forgetRequest(String id, String requestKey) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Integer> requestOwner(String id, String requestKey) {
    return Future.succeededFuture();
  }

  @Override
  public boolean shared() {
    return false;
  }
}
