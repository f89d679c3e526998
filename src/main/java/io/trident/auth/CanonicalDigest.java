package io.trident.auth;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * SHA-256 of the canonical JSON of an object (members sorted by name at every depth): the compact
 * text is built in one reused StringBuilder ({@link JsonText}, no sorted copy of the tree and no
 * generator per call) and digested as {@code String.getBytes(UTF_8)} encodes it (a lone surrogate
 * becomes {@code ?}), so digests match the ones computed from that text before.
 */
final class CanonicalDigest {

  private CanonicalDigest() {}

  /**
   * One digest and text buffer per thread (the audit thread; an event loop when the audit queue is
   * full): looking up a MessageDigest and a fresh buffer cost more than digesting small arguments.
   */
  private static final ThreadLocal<Sink> SINKS = ThreadLocal.withInitial(Sink::new);

  static byte[] sha256(JsonObject object) {
    Sink sink = SINKS.get();
    sink.reset();
    try {
      JsonText.appendCanonical(sink.text, object);
      // The JDK's bulk encoding is several times faster than encoding char by char.
      return sink.digest.digest(sink.text.toString().getBytes(StandardCharsets.UTF_8));
    } finally {
      sink.reset();
    }
  }

  private static final class Sink {
    final MessageDigest digest = TokenCache.sha256();
    final StringBuilder text = new StringBuilder(512);

    /** Empties the buffer; one huge argument does not keep its buffer for the thread's life. */
    void reset() {
      if (text.capacity() > 64 * 1024) {
        text.setLength(0);
        text.trimToSize();
      }
      text.setLength(0);
      digest.reset();
    }
  }
}
