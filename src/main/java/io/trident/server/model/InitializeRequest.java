package io.trident.server.model;

import io.vertx.core.json.JsonObject;

/** What the client sends in {@code initialize}; {@code capabilities} as declared by the client. */
public record InitializeRequest(String protocolVersion, ClientCapabilities capabilities, Implementation clientInfo) {}
