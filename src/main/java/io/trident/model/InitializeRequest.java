package io.trident.model;

/** What the client sends in {@code initialize}; {@code capabilities} as declared by the client. */
public record InitializeRequest(
    String protocolVersion, ClientCapabilities capabilities, Implementation clientInfo) {}
