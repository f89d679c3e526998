package io.trident.auth;

import io.trident.json.ByteSink;
import io.trident.json.CompactJson;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;

/**
 * SHA-256 of the canonical JSON of an object (members sorted by name at every depth, compact,
 * UTF-8, a lone surrogate as {@code ?}): the bytes are written into one reused array ({@link
 * CompactJson#writeCanonical}, no sorted copy of the tree, no text and no generator per call) and
 * digested at once, so digests match the ones computed from Jackson's text before.
 */
final class CanonicalDigest {

  private CanonicalDigest() {}

  /**
   * One digest and byte buffer per thread (the audit thread; an event loop when the audit queue is
   * full): looking up a MessageDigest and a fresh buffer cost more than digesting small arguments.
   */
  private static final ThreadLocal<Sink> SINKS = ThreadLocal.withInitial(Sink::new);

  static byte[] sha256(JsonObject object) {
    Sink sink = SINKS.get();
    try {
      CompactJson.writeCanonical(object, sink.bytes);
      sink.digest.update(sink.bytes.array(), 0, sink.bytes.size());
      return sink.digest.digest();
    } finally {
      // One huge argument does not keep its buffer for the thread's life.
      sink.bytes.clear();
      sink.digest.reset();
    }
  }

  private static final class Sink {
    final MessageDigest digest = TokenCache.sha256();
    final ByteSink bytes = new ByteSink(4 * 1024);
  }
}
