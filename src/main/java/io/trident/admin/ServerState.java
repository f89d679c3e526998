package io.trident.admin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * What the server holds open right now ({@code GET /admin/state}): after load ends, each count
 * returns to its value at start-up, or something leaks.
 *
 * @param httpSessions Streamable HTTP sessions
 * @param guardedStreams MCP sessions on every transport (stdio, HTTP, {@code Connect}) and typed
 *     {@code CallTool} streams, each watched by the stream guard
 * @param requestsInFlight requests being handled, on every transport
 * @param timers Vert.x timers pending (periodic housekeeping included, so never zero), or -1 when
 *     they cannot be counted
 */
public record ServerState(int httpSessions, int guardedStreams, int requestsInFlight, int timers) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("httpSessions", httpSessions)
        .put("guardedStreams", guardedStreams)
        .put("requestsInFlight", requestsInFlight)
        .put("timers", timers);
  }

  /**
   * Pending timers of {@code vertx}. Vert.x has no API for this; its implementation keeps them in
   * one map, read here for the admin endpoint only (-1 when the field is not there).
   */
  public static int timers(Vertx vertx) {
    try {
      Field f = vertx.getClass().getDeclaredField("timeouts");
      f.setAccessible(true);
      return ((Map<?, ?>) f.get(vertx)).size();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return -1;
    }
  }
}
