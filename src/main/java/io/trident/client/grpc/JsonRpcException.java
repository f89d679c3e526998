package io.trident.client.grpc;

import io.vertx.core.VertxException;

/**
 * A JSON-RPC error answer on a {@code Connect} stream: the session is fine, this one request
 * failed. Also what a handler of server requests fails with to choose the error code it answers
 * with.
 */
public final class JsonRpcException extends VertxException {

  private final int code;
  private final Object data;

  public JsonRpcException(int code, String message, Object data) {
    super(message, true);
    this.code = code;
    this.data = data;
  }

  /** The JSON-RPC error code, e.g. -32602 for invalid params. */
  public int code() {
    return code;
  }

  /** The error's {@code data} member, or null. */
  public Object data() {
    return data;
  }

  @Override
  public String toString() {
    return "JsonRpcException{" + code + ", " + getMessage() + "}";
  }
}
