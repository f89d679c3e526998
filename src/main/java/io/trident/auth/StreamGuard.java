package io.trident.auth;

import io.trident.context.Principal;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The authorization of one open stream (a {@code Connect} stream, an HTTP session's SSE streams, a
 * typed {@code CallTool}, the stdio session). Every message crossing the stream asks {@link
 * #admitMessage()}: one read of a cached verdict. The verdict changes only when its owner, {@link
 * StreamGuards}, ends it: at the credential's expiry (a timer, so idle streams end too), on a
 * revocation pushed by the store, when a re-check finds it revoked, or when revocation status
 * cannot be confirmed (fail closed). The stream hears it once, on its own context.
 */
public final class StreamGuard {

  private final StreamGuards owner;
  private final Principal principal;
  private final Context context;
  final String jti;
  final long issuedAtMillis;
  final String verdictKey;
  private final AtomicReference<AuthorizationEnded> ended = new AtomicReference<>();
  private final List<Handler<AuthorizationEnded>> handlers = new CopyOnWriteArrayList<>();
  private final int recheckMessages;
  private int messages;
  volatile long expiryTimer = -1;

  StreamGuard(
      StreamGuards owner,
      Principal principal,
      Context context,
      String jti,
      long issuedAtMillis,
      String verdictKey,
      int recheckMessages) {
    this.owner = owner;
    this.principal = principal;
    this.context = context;
    this.jti = jti;
    this.issuedAtMillis = issuedAtMillis;
    this.verdictKey = verdictKey;
    this.recheckMessages = recheckMessages;
  }

  public Principal principal() {
    return principal;
  }

  /**
   * Whether one more message may cross the stream, in or out. Counts messages: every {@code
   * revocation.recheckMessages}th asks the store again, in the background.
   */
  public boolean admitMessage() {
    if (ended.get() != null) {
      return false;
    }
    if (recheckMessages > 0 && ++messages >= recheckMessages) {
      messages = 0;
      owner.recheck(this);
    }
    return true;
  }

  /** Whether the stream is still authorized (without counting a message). */
  public boolean admits() {
    return ended.get() == null;
  }

  /** Why the stream's authorization ended, or null while it holds. */
  public AuthorizationEnded endedBecause() {
    return ended.get();
  }

  /**
   * Runs {@code handler} once, on the stream's context, when authorization ends (at once if it
   * already has). Handlers run in the order they were added.
   */
  public StreamGuard onEnded(Handler<AuthorizationEnded> handler) {
    handlers.add(handler);
    AuthorizationEnded why = ended.get();
    if (why != null) {
      context.runOnContext(v -> handler.handle(why));
    }
    return this;
  }

  /** The stream ended for reasons of its own: stop watching it. Idempotent. */
  public void close() {
    owner.release(this);
  }

  /** Ends the stream's authorization; only the first reason counts. Any thread. */
  void end(AuthorizationEnded why) {
    if (!ended.compareAndSet(null, why)) {
      return;
    }
    io.trident.observe.Observe.streamEnded(why);
    owner.release(this);
    context.runOnContext(
        v -> {
          for (Handler<AuthorizationEnded> h : handlers) {
            h.handle(why);
          }
        });
  }
}
