package io.trident.auth;

import io.trident.context.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verified tokens by SHA-256 digest, each until its {@code exp}. Keys are digests, so the cache
 * holds no token material. Bounded: when full, expired entries go first, then arbitrary ones (an
 * evicted token is simply verified again).
 */
final class TokenCache {

  private record Entry(Principal principal, long expiresAtSeconds) {}

  private final int maxSize;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  TokenCache(int maxSize) {
    this.maxSize = maxSize;
  }

  // Looking a digest up in the providers costs more than hashing a token: keep one per thread.
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(TokenCache::sha256);

  static String digest(String token) {
    return Base64.getEncoder()
        .encodeToString(SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The principal of a token verified before and not expired at {@code nowSeconds}, or null. */
  Principal get(String digest, long nowSeconds) {
    Entry e = entries.get(digest);
    if (e == null) {
      return null;
    }
    if (nowSeconds >= e.expiresAtSeconds()) {
      entries.remove(digest, e);
      return null;
    }
    return e.principal();
  }

  void put(String digest, Principal principal, long expiresAtSeconds) {
    if (maxSize == 0) {
      return;
    }
    if (entries.size() >= maxSize) {
      evict(System.currentTimeMillis() / 1000);
    }
    entries.put(digest, new Entry(principal, expiresAtSeconds));
  }

  void clear() {
    entries.clear();
  }

  int size() {
    return entries.size();
  }

  private void evict(long nowSeconds) {
    entries.values().removeIf(e -> nowSeconds >= e.expiresAtSeconds());
    // Still full: drop a tenth, so eviction is not paid again on the very next insert.
    Iterator<String> it = entries.keySet().iterator();
    int drop = entries.size() - maxSize + Math.max(1, maxSize / 10);
    while (drop-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }
}
