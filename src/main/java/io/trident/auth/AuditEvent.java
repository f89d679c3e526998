package io.trident.auth;

import io.trident.context.Principal;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One line of the audit log. Holds no argument values, only their digest, so the audit log can be
 * kept longer and shared wider than the server log.
 *
 * @param time when the request finished (or was denied)
 * @param transport {@code stdio}, {@code http} or {@code grpc}
 * @param subject the principal's subject, null when unauthenticated
 * @param credentialKind {@code jwt}, {@code apiKey}, {@code mtls}, {@code local}, {@code
 *     anonymous}, or null when unauthenticated
 * @param method the MCP method, e.g. {@code tools/call}
 * @param tool the tool (or other target) name, or null
 * @param argumentDigest {@code sha256:<hex>} of the canonical argument JSON, or null
 * @param outcome {@code ok}, {@code error}, {@code cancelled}, {@code timeout}, {@code
 *     unauthenticated} or {@code forbidden}
 * @param durationMs how long the request ran
 * @param deadlineLeftMs how much of its deadline was left at the end, or null
 * @param detail a safe detail: for a denial, the reason code or missing scope; for an upstream tool
 *     call, the upstream and its gRPC status ({@code upstream inventory: OK}); else null
 */
public record AuditEvent(
    Instant time,
    String transport,
    String subject,
    String credentialKind,
    String method,
    String tool,
    String argumentDigest,
    String outcome,
    long durationMs,
    Long deadlineLeftMs,
    String detail) {

  /**
   * A finished tool call, from values captured when it ended (the digest is computed here), with
   * the safe detail the tool added, or null (an upstream tool: its upstream and the gRPC status).
   */
  public static AuditEvent toolCall(
      Instant time,
      String transport,
      Principal p,
      String tool,
      JsonObject arguments,
      String outcome,
      long durationMs,
      long deadlineLeftMs,
      String detail) {
    return new AuditEvent(
        time,
        transport,
        p == null ? null : p.subject(),
        p == null ? null : p.credentialKind(),
        "tools/call",
        tool,
        argumentDigest(arguments),
        outcome,
        durationMs,
        deadlineLeftMs,
        detail);
  }

  /**
   * A refused request.
   *
   * @param principal who was refused, or null when unauthenticated
   */
  public static AuditEvent denied(
      String transport, Principal principal, String method, String target, AuthFailure failure) {
    String outcome =
        failure.kind() == AuthFailure.Kind.UNAUTHENTICATED ? "unauthenticated" : "forbidden";
    String detail =
        failure.requiredScope() != null
            ? "missing scope " + failure.requiredScope()
            : failure.reason().name().toLowerCase(java.util.Locale.ROOT);
    return new AuditEvent(
        Instant.now(),
        transport,
        principal == null ? null : principal.subject(),
        principal == null ? null : principal.credentialKind(),
        method,
        target,
        null,
        outcome,
        0,
        null,
        detail);
  }

  /**
   * {@code sha256:<hex>} of the canonical JSON of {@code arguments} (members sorted by name at
   * every depth), so equal arguments give equal digests whatever their order; null for null.
   */
  public static String argumentDigest(JsonObject arguments) {
    if (arguments == null) {
      return null;
    }
    return "sha256:" + HexFormat.of().formatHex(CanonicalDigest.sha256(arguments));
  }

  /** The JSON line. Absent values are left out. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("time", time.toString());
    putIf(json, "transport", transport);
    putIf(json, "subject", subject);
    putIf(json, "credentialKind", credentialKind);
    putIf(json, "method", method);
    putIf(json, "tool", tool);
    putIf(json, "argumentDigest", argumentDigest);
    putIf(json, "outcome", outcome);
    json.put("durationMs", durationMs);
    putIf(json, "deadlineLeftMs", deadlineLeftMs);
    putIf(json, "detail", detail);
    return json;
  }

  /**
   * The same text as {@code toJson().encode()}, appended field by field ({@link JsonText}): no map
   * of the line and no generator per tool call.
   */
  public String encode() {
    StringBuilder line = new StringBuilder(256).append('{');
    JsonText.appendKey(line, "time");
    JsonText.appendString(line, time.toString());
    stringIf(line, "transport", transport);
    stringIf(line, "subject", subject);
    stringIf(line, "credentialKind", credentialKind);
    stringIf(line, "method", method);
    stringIf(line, "tool", tool);
    stringIf(line, "argumentDigest", argumentDigest);
    stringIf(line, "outcome", outcome);
    line.append(",\"durationMs\":").append(durationMs);
    if (deadlineLeftMs != null) {
      line.append(",\"deadlineLeftMs\":").append(deadlineLeftMs.longValue());
    }
    stringIf(line, "detail", detail);
    return line.append('}').toString();
  }

  private static void stringIf(StringBuilder line, String key, String value) {
    if (value != null) {
      line.append(',');
      JsonText.appendKey(line, key);
      JsonText.appendString(line, value);
    }
  }

  private static void putIf(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
