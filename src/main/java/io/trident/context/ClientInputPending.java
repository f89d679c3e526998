package io.trident.context;

import java.util.concurrent.CancellationException;

/**
 * A client request (sampling, elicitation, roots) that a stateless 2026-07-28 request cannot wait
 * for: the server answers with an {@code input_required} result instead, and the client retries
 * with the answer. It is a {@link CancellationException} on purpose: tools already pass those on
 * untouched, so the same tool code serves a 2025 session (where the request reaches the client) and
 * a 2026 request (where this run of the tool stops here and runs again on the retry).
 */
public final class ClientInputPending extends CancellationException {

  public ClientInputPending(String method) {
    super("waiting for the client's answer to " + method);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
