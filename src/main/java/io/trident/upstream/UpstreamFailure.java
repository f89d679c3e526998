package io.trident.upstream;

import io.trident.auth.Redaction;
import io.trident.model.CallToolResult;
import io.vertx.grpc.common.GrpcStatus;
import java.util.UUID;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why an upstream call failed, and the one place that turns it into what the caller sees: a tool
 * error with the gRPC status name and a short fixed text, never the upstream's message, its host
 * name or a stack trace. The full detail goes to the server log under a correlation id, which the
 * caller gets so that an operator can find the line.
 *
 * @param status the gRPC status of the call
 * @param kind what went wrong, which picks the text
 * @param detail for the log only: the upstream's status message or the local exception's
 * @param cause the local exception, or null
 */
record UpstreamFailure(GrpcStatus status, Kind kind, String detail, Throwable cause) {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamFailure.class);

  /** What went wrong. */
  enum Kind {
    /** The upstream answered with a non-OK status. */
    STATUS,
    /** No connection could be made (refused, unresolvable, reset while connecting). */
    CONNECT,
    /** The connection or stream broke off after the call started. */
    BROKEN,
    /**
     * The TLS handshake failed: certificate not trusted, wrong name, client certificate refused.
     */
    TLS,
    /** The budget ran out before the upstream answered. */
    DEADLINE,
    /** The reply could not be turned into JSON (a bug or a descriptor that does not match). */
    REPLY
  }

  /** The upstream answered with {@code status} and {@code message}. */
  static UpstreamFailure status(GrpcStatus status, String message) {
    return new UpstreamFailure(
        status,
        status == GrpcStatus.DEADLINE_EXCEEDED ? Kind.DEADLINE : Kind.STATUS,
        message,
        null);
  }

  /** A local failure: classifies it by what is in its cause chain. */
  static UpstreamFailure local(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return new UpstreamFailure(GrpcStatus.UNAVAILABLE, Kind.TLS, t.getMessage(), failure);
      }
    }
    return new UpstreamFailure(GrpcStatus.UNAVAILABLE, Kind.CONNECT, failure.toString(), failure);
  }

  /** A failure after the stream was opened: TLS if the chain says so, else a broken call. */
  static UpstreamFailure broken(Throwable failure) {
    return broken(failure, null);
  }

  /** As {@link #broken(Throwable)}, with a note for the log. */
  static UpstreamFailure broken(Throwable failure, String note) {
    UpstreamFailure f = local(failure);
    String detail = failure + (note == null ? "" : " (" + note + ")");
    return f.kind() == Kind.TLS
        ? f
        : new UpstreamFailure(GrpcStatus.UNAVAILABLE, Kind.BROKEN, detail, failure);
  }

  static UpstreamFailure deadline() {
    return new UpstreamFailure(GrpcStatus.DEADLINE_EXCEEDED, Kind.DEADLINE, "budget spent", null);
  }

  /** The text the caller sees, without the correlation id. */
  String safeText() {
    String what =
        switch (kind) {
          case CONNECT -> "the upstream service cannot be reached; try again later";
          case TLS ->
              "the secure (TLS) connection to the upstream service failed; its certificate or"
                  + " Trident's was not accepted";
          case BROKEN -> "the connection to the upstream service broke off during the call";
          case DEADLINE -> "the upstream service did not answer in time";
          case REPLY -> "the upstream service's reply could not be read";
          case STATUS ->
              switch (status) {
                case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION ->
                    "the upstream service rejected the arguments";
                case NOT_FOUND -> "the upstream service found nothing for these arguments";
                case ALREADY_EXISTS -> "the upstream service says this already exists";
                case PERMISSION_DENIED -> "the upstream service refused the call";
                case UNAUTHENTICATED -> "the upstream service did not accept the credentials";
                case RESOURCE_EXHAUSTED -> "the upstream service is over a limit; try again later";
                case UNAVAILABLE -> "the upstream service is unavailable; try again later";
                case ABORTED -> "the upstream service aborted the call; try again";
                case UNIMPLEMENTED -> "the upstream service does not implement this method";
                case CANCELLED -> "the upstream service cancelled the call";
                default -> "the upstream service failed the call";
              };
        };
    return status.name() + ": " + what;
  }

  /**
   * Logs the detail under a new correlation id and returns the caller's tool error.
   *
   * @param upstream the upstream's name
   * @param tool the tool called
   * @param target host:port, for the log only
   */
  CallToolResult report(String upstream, String tool, String target) {
    String id = UUID.randomUUID().toString();
    String detail = Redaction.text(this.detail);
    // A stack trace only where it tells more than the status: not for refused connections or
    // TLS handshakes, whose detail already says all.
    boolean trace =
        kind == Kind.REPLY
            || cause != null && kind != Kind.TLS && !(cause instanceof java.net.ConnectException);
    LOG.warn(
        "upstream {} ({}) tool {}: {} {} [correlation id {}]",
        upstream,
        target,
        tool,
        status.name(),
        detail,
        id,
        trace ? cause : null);
    return CallToolResult.error(safeText() + " (correlation id " + id + ")");
  }
}
