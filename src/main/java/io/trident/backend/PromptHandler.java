package io.trident.backend;

import io.trident.context.CallContext;
import io.trident.model.GetPromptResult;
import io.vertx.core.Future;
import java.util.Map;

/** Renders a prompt from its arguments (already checked for presence of the required ones). */
@FunctionalInterface
public interface PromptHandler {

  Future<GetPromptResult> get(Map<String, String> arguments, CallContext context);
}
