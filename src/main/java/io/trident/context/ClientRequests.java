package io.trident.context;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Requests the server sends to the client while handling a request: sampling, elicitation and
 * roots. Each is allowed only where the client declared the capability, and each times out.
 * Failures are {@link io.trident.model.McpException}s with a safe message.
 */
public interface ClientRequests {

  /** {@code sampling/createMessage}; the params as the spec defines them. */
  Future<JsonObject> createMessage(JsonObject params);

  /** {@code elicitation/create} in form mode; the params as the spec defines them. */
  Future<JsonObject> elicit(JsonObject params);

  /** {@code roots/list}. */
  Future<JsonObject> listRoots();

  /**
   * As {@link #createMessage(JsonObject)}, naming the request: a 2026-07-28 request carries it to
   * the client as the key of its {@code inputRequests} entry. Sessions ignore the key.
   */
  default Future<JsonObject> createMessage(String key, JsonObject params) {
    return createMessage(params);
  }

  /**
   * As {@link #elicit(JsonObject)}, naming the request (see {@link #createMessage(String,
   * JsonObject)}).
   */
  default Future<JsonObject> elicit(String key, JsonObject params) {
    return elicit(params);
  }

  /**
   * As {@link #listRoots()}, naming the request (see {@link #createMessage(String, JsonObject)}).
   */
  default Future<JsonObject> listRoots(String key) {
    return listRoots();
  }

  boolean supportsSampling();

  boolean supportsElicitation();

  boolean supportsRoots();

  /** A channel for calls that cannot reach a client (e.g. a stateless typed RPC). */
  ClientRequests NONE =
      new ClientRequests() {
        private <T> Future<T> unsupported() {
          return Future.failedFuture(
              new io.trident.model.McpException(
                  io.trident.model.McpException.METHOD_NOT_FOUND,
                  "The client cannot receive server requests on this transport"));
        }

        @Override
        public Future<JsonObject> createMessage(JsonObject params) {
          return unsupported();
        }

        @Override
        public Future<JsonObject> elicit(JsonObject params) {
          return unsupported();
        }

        @Override
        public Future<JsonObject> listRoots() {
          return unsupported();
        }

        @Override
        public boolean supportsSampling() {
          return false;
        }

        @Override
        public boolean supportsElicitation() {
          return false;
        }

        @Override
        public boolean supportsRoots() {
          return false;
        }
      };
}
