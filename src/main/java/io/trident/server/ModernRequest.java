package io.trident.server;

import io.trident.model.ClientCapabilities;
import io.trident.model.McpException;
import io.trident.server.jsonrpc.JsonRpcMessage.Request;
import io.vertx.core.json.JsonObject;

/**
 * A request of the stateless revision (2026-07-28): everything a 2025 session negotiated once, this
 * request carries in its own {@code params._meta} (SPEC.md §11.2).
 *
 * @param request the JSON-RPC request as received
 * @param version {@code _meta["io.modelcontextprotocol/protocolVersion"]}, not yet checked
 * @param capabilitiesJson {@code _meta["io.modelcontextprotocol/clientCapabilities"]}
 * @param capabilities the same, as what the server may rely on
 * @param logLevel {@code _meta["io.modelcontextprotocol/logLevel"]}, or null: no logs at all
 * @param meta the whole {@code _meta}
 */
public record ModernRequest(
    Request request,
    String version,
    JsonObject capabilitiesJson,
    ClientCapabilities capabilities,
    LogLevel logLevel,
    JsonObject meta) {

  public static final String VERSION = "2026-07-28";
  public static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";
  public static final String META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
  public static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
  public static final String META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
  public static final String META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
  public static final String META_SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

  /** -32020: a routing header disagrees with the body. */
  public static final int HEADER_MISMATCH = -32020;

  /** -32021: the request needs a client capability {@code _meta} did not declare. */
  public static final int MISSING_CLIENT_CAPABILITY = -32021;

  /** -32022: the requested protocol version is not served. */
  public static final int UNSUPPORTED_VERSION = -32022;

  /**
   * Whether a request belongs to the stateless era: its {@code _meta} names a protocol version, or
   * the wire's version header (HTTP {@code MCP-Protocol-Version}) says 2026-07-28. Never decided by
   * the method: a 2026 {@code initialize} is a 2026 request (and gets -32601).
   */
  public static boolean isModern(Request request, String headerVersion) {
    if (headerVersion != null && VERSION.equals(headerVersion.trim())) {
      return true;
    }
    return request.params() != null
        && request.params().getValue("_meta") instanceof JsonObject meta
        && meta.containsKey(META_VERSION);
  }

  /**
   * Reads the per-request metadata; a missing or malformed required field is -32602 (HTTP 400).
   * {@code clientInfo} is optional.
   */
  public static ModernRequest parse(Request request) {
    JsonObject params = request.params() == null ? new JsonObject() : request.params();
    if (!(params.getValue("_meta") instanceof JsonObject meta)) {
      throw McpException.invalidParams(
          "Invalid params: _meta with "
              + META_VERSION
              + " and "
              + META_CAPABILITIES
              + " is required");
    }
    if (!(meta.getValue(META_VERSION) instanceof String version) || version.isEmpty()) {
      throw McpException.invalidParams(
          "Invalid params: _meta[\"" + META_VERSION + "\"] must be a string");
    }
    if (!(meta.getValue(META_CAPABILITIES) instanceof JsonObject capabilities)) {
      throw McpException.invalidParams(
          "Invalid params: _meta[\"" + META_CAPABILITIES + "\"] must be an object");
    }
    LogLevel logLevel = null;
    Object level = meta.getValue(META_LOG_LEVEL);
    if (level != null) {
      logLevel =
          LogLevel.parse(level instanceof String s ? s : null)
              .orElseThrow(
                  () ->
                      McpException.invalidParams(
                          "Invalid params: _meta[\"" + META_LOG_LEVEL + "\"] is not a log level"));
    }
    return new ModernRequest(
        request, version, capabilities, ClientCapabilities.fromJson(capabilities), logLevel, meta);
  }

  public String method() {
    return request.method();
  }

  public Object id() {
    return request.id();
  }

  public JsonObject params() {
    return request.params() == null ? new JsonObject() : request.params();
  }

  /**
   * What {@code Mcp-Name} must carry for this request: {@code params.name} of {@code tools/call}
   * and {@code prompts/get}, {@code params.uri} of {@code resources/read}; else null.
   */
  public String routingName() {
    Object value =
        switch (method()) {
          case "tools/call", "prompts/get" -> params().getValue("name");
          case "resources/read" -> params().getValue("uri");
          default -> null;
        };
    return value instanceof String s ? s : null;
  }
}
