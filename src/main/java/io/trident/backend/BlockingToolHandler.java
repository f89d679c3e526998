package io.trident.backend;

import io.trident.context.CallContext;
import io.trident.model.CallToolResult;
import io.vertx.core.json.JsonObject;

/** The code behind a blocking tool: runs on a worker thread, may do blocking I/O. */
@FunctionalInterface
public interface BlockingToolHandler {

  CallToolResult call(JsonObject arguments, CallContext context) throws Exception;
}
