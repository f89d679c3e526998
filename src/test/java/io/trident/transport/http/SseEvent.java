package io.trident.transport.http;

import io.vertx.core.json.JsonObject;

/** One parsed server-sent event; any field may be null when the event did not carry it. */
record SseEvent(String id, String event, String data, String retry) {

  /** The data as a JSON-RPC message. */
  JsonObject json() {
    return new JsonObject(data);
  }

  boolean isPriming() {
    return data != null && data.isEmpty();
  }

  /** The sequence part of a Trident event id ({@code <stream>-<seq>}). */
  long seq() {
    return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
  }

  /** The stream part of a Trident event id ({@code <stream>-<seq>}). */
  String stream() {
    return id.substring(0, id.lastIndexOf('-'));
  }
}
