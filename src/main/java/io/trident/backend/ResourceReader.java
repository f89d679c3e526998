package io.trident.backend;

import io.trident.context.CallContext;
import io.trident.model.ReadResourceResult;
import io.vertx.core.Future;
import java.util.Map;

/** Reads a resource. Runs on an event loop: offload blocking I/O to a worker. */
@FunctionalInterface
public interface ResourceReader {

  /**
   * @param uri the URI the client asked for
   * @param variables the template variables matched from the URI (empty for concrete resources)
   */
  Future<ReadResourceResult> read(String uri, Map<String, String> variables, CallContext context);
}
