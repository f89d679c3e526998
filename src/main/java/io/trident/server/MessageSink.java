package io.trident.server;

import io.trident.server.jsonrpc.JsonRpcMessage;

/**
 * Where a session sends messages it originates (notifications, server-to-client requests). A
 * transport implements it; responses to client requests are returned by the session instead.
 */
@FunctionalInterface
public interface MessageSink {

  /**
   * @param message the notification or request to deliver
   * @param relatedRequestId the id of the client request this message belongs to (so a transport
   *     can put it on that request's stream), or null for session-wide messages
   */
  void send(JsonRpcMessage message, Object relatedRequestId);

  /**
   * Asks the transport to close the response stream of a request now, without ending the request:
   * the client resumes it later (Streamable HTTP polling, SEP-1699). A no-op where a transport has
   * no such streams.
   */
  default void closeStream(Object relatedRequestId) {}
}
