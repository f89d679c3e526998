package io.trident.audit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The audit for a machine: a JSON array of {@code {"control","severity","state","key"}} objects,
 * severities in lower case.
 */
public final class JsonReport {

  private JsonReport() {}

  public static String render(List<Finding> findings) {
    JsonArray array = new JsonArray();
    for (Finding f : findings) {
      array.add(
          new JsonObject()
              .put("control", f.control())
              .put("severity", f.severity().label())
              .put("state", f.state())
              .put("key", f.key()));
    }
    return array.encodePrettily();
  }
}
