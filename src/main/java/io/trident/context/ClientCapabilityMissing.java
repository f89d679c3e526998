package io.trident.context;

import java.util.concurrent.CancellationException;

/**
 * A 2026-07-28 request needs a client capability its {@code _meta} did not declare: the whole
 * request fails with {@code -32021} (MissingRequiredClientCapability). A {@link
 * CancellationException} for the same reason as {@link ClientInputPending}: tools pass it on.
 */
public final class ClientCapabilityMissing extends CancellationException {

  private final String capability;

  public ClientCapabilityMissing(String capability) {
    super("the client did not declare the " + capability + " capability");
    this.capability = capability;
  }

  /** The capability's key in {@code ClientCapabilities}, e.g. {@code sampling}. */
  public String capability() {
    return capability;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
