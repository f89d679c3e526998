package io.trident.transport.grpc;

import com.google.protobuf.CodedOutputStream;
import io.trident.auth.AuthFailure;
import io.trident.auth.RateLimiter;
import io.trident.model.McpException;
import io.trident.server.InternalFailures;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.InvalidMessageException;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CancellationException;

/**
 * The one mapping from our typed failures to gRPC status (SPEC.md §6.5). The status message is the
 * same safe text the JSON-RPC error would carry; the JSON-RPC code travels in the {@code
 * mcp-error-code} trailer and any error data, as JSON, in {@code mcp-error-data-bin}.
 */
final class GrpcErrors {

  static final String ERROR_CODE_TRAILER = "mcp-error-code";
  static final String ERROR_DATA_TRAILER = "mcp-error-data-bin";
  static final String STATUS_DETAILS_TRAILER = "grpc-status-details-bin";
  private static final String MESSAGE_TRAILER = "grpc-message";
  private static final String RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private GrpcErrors() {}

  /** Ends {@code response} with the status for {@code failure}; a no-op if it already ended. */
  static void fail(GrpcServerResponse<?, ?> response, Throwable failure, String what) {
    if (failure instanceof CancellationException) {
      end(response, GrpcStatus.CANCELLED, "Request cancelled", null);
      return;
    }
    if (failure instanceof MessageSizeOverflowException) {
      end(response, GrpcStatus.RESOURCE_EXHAUSTED, "Message larger than the server accepts", null);
      return;
    }
    McpException mcp;
    if (failure instanceof AuthFailure auth) {
      mcp = auth.toMcpException();
    } else if (failure instanceof McpException e) {
      mcp = e;
    } else if (failure instanceof CodecException || failure instanceof InvalidMessageException) {
      // The caller's bytes are at fault, not the server: no internal-failure log for it.
      mcp = new McpException(McpException.PARSE_ERROR, "Malformed request message");
    } else {
      mcp = InternalFailures.asProtocolError(what, failure);
    }
    end(response, statusOf(mcp.code()), mcp.getMessage(), mcp);
  }

  static void end(
      GrpcServerResponse<?, ?> response, GrpcStatus status, String message, McpException mcp) {
    try {
      if (mcp != null) {
        response.trailers().set(ERROR_CODE_TRAILER, Integer.toString(mcp.code()));
        if (mcp.data() != null) {
          byte[] json = mcp.data().encode().getBytes(StandardCharsets.UTF_8);
          response.trailers().set(ERROR_DATA_TRAILER, Base64.getEncoder().encodeToString(json));
        }
        long retryAfter = RateLimiter.retryAfterMillis(mcp);
        if (retryAfter >= 0) {
          response
              .trailers()
              .set(
                  STATUS_DETAILS_TRAILER,
                  Base64.getEncoder()
                      .encodeToString(
                          retryStatus(status.code, message == null ? "" : message, retryAfter)));
        }
      }
      statusMessage(response, message);
      response.status(status).end();
    } catch (IllegalStateException alreadyEnded) {
      // The caller went away or the call already ended: nothing is left to tell.
    }
  }

  /**
   * Sets the status message ({@code grpc-message}) percent-encoded as the gRPC HTTP/2 protocol has
   * it: only bytes outside printable ASCII (0x20..0x7E) and {@code %} itself are encoded. Vert.x's
   * own encoder is URL form encoding, which also encodes {@code : , ; /} and the like; decoders
   * that undo only what the protocol says must be encoded (grpc-js uses {@code decodeURI}) then
   * show "Unknown tool%3A x". Vert.x keeps a {@code grpc-message} already in the trailers.
   */
  static void statusMessage(GrpcServerResponse<?, ?> response, String message) {
    if (message != null) {
      response.trailers().set(MESSAGE_TRAILER, percentEncode(message));
    }
  }

  static String percentEncode(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  /**
   * A {@code google.rpc.Status} holding one {@code google.rpc.RetryInfo}, encoded by hand: the two
   * messages are a few fields, not worth a dependency. Status: code 1, message 2, details 3 (Any:
   * type_url 1, value 2); RetryInfo: retry_delay 1 (Duration: seconds 1, nanos 2).
   */
  static byte[] retryStatus(int code, String message, long retryAfterMillis) {
    try {
      ByteArrayOutputStream duration = new ByteArrayOutputStream();
      CodedOutputStream d = CodedOutputStream.newInstance(duration);
      d.writeInt64(1, retryAfterMillis / 1000);
      d.writeInt32(2, (int) (retryAfterMillis % 1000) * 1_000_000);
      d.flush();
      ByteArrayOutputStream retryInfo = new ByteArrayOutputStream();
      CodedOutputStream r = CodedOutputStream.newInstance(retryInfo);
      r.writeByteArray(1, duration.toByteArray());
      r.flush();
      ByteArrayOutputStream any = new ByteArrayOutputStream();
      CodedOutputStream a = CodedOutputStream.newInstance(any);
      a.writeString(1, RETRY_INFO_TYPE);
      a.writeByteArray(2, retryInfo.toByteArray());
      a.flush();
      ByteArrayOutputStream status = new ByteArrayOutputStream();
      CodedOutputStream s = CodedOutputStream.newInstance(status);
      s.writeInt32(1, code);
      s.writeString(2, message);
      s.writeByteArray(3, any.toByteArray());
      s.flush();
      return status.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static GrpcStatus statusOf(int code) {
    return switch (code) {
      case McpException.INVALID_PARAMS, McpException.INVALID_REQUEST, McpException.PARSE_ERROR ->
          GrpcStatus.INVALID_ARGUMENT;
      case McpException.METHOD_NOT_FOUND -> GrpcStatus.UNIMPLEMENTED;
      case McpException.RESOURCE_NOT_FOUND -> GrpcStatus.NOT_FOUND;
      case McpException.REQUEST_TIMEOUT -> GrpcStatus.DEADLINE_EXCEEDED;
      case McpException.INTERNAL_ERROR -> GrpcStatus.INTERNAL;
      case McpException.UNAUTHENTICATED -> GrpcStatus.UNAUTHENTICATED;
      case McpException.FORBIDDEN -> GrpcStatus.PERMISSION_DENIED;
      case McpException.RATE_LIMITED -> GrpcStatus.RESOURCE_EXHAUSTED;
      // 2026-07-28: HeaderMismatch, UnsupportedProtocolVersion; MissingRequiredClientCapability.
      case -32020, -32022 -> GrpcStatus.INVALID_ARGUMENT;
      case -32021 -> GrpcStatus.FAILED_PRECONDITION;
      default -> GrpcStatus.UNKNOWN;
    };
  }
}
