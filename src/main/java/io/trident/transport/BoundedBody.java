package io.trident.transport;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads an HTTP request body up to a cap, for every listener that takes bodies (the MCP endpoint,
 * the admin listener): past the cap, {@code tooLarge} answers, the connection closes and nothing
 * more is buffered or handed on.
 */
public final class BoundedBody {

  private BoundedBody() {}

  /**
   * @param tooLarge answers the request (413) once the body passes {@code maxBytes}
   * @param then gets the whole body, unless it was too large
   */
  public static void read(
      HttpServerRequest request, long maxBytes, Runnable tooLarge, Handler<Buffer> then) {
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    request.handler(
        chunk -> {
          if (refused[0]) {
            return;
          }
          if (body.length() + chunk.length() > maxBytes) {
            refused[0] = true;
            tooLarge.run();
            request.connection().close();
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        v -> {
          if (!refused[0]) {
            then.handle(body);
          }
        });
  }
}
