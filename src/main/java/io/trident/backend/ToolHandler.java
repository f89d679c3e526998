package io.trident.backend;

import io.trident.context.CallContext;
import io.trident.model.CallToolResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** The code behind a non-blocking tool. Runs on an event loop: it must never block. */
@FunctionalInterface
public interface ToolHandler {

  /**
   * @param arguments the validated arguments (an empty object when the caller sent none)
   * @param context deadline, cancellation, progress, logs and server-to-client requests
   */
  Future<CallToolResult> call(JsonObject arguments, CallContext context);
}
