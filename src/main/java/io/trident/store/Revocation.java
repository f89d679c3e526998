package io.trident.store;

import io.vertx.core.json.JsonObject;

/**
 * One revocation: a token by its id ({@code jti}), or every token of a subject issued before a
 * point in time. Published as JSON on the revocation channel.
 *
 * @param jti the revoked token id, or null for a subject revocation
 * @param subject the revoked subject, or null for a token revocation
 * @param beforeMillis for a subject: tokens issued before this instant (epoch ms) are revoked
 */
public record Revocation(String jti, String subject, long beforeMillis) {

  public Revocation {
    if ((jti == null) == (subject == null)) {
      throw new IllegalArgumentException("a revocation names either a jti or a subject");
    }
    if (jti != null && jti.isEmpty() || subject != null && subject.isEmpty()) {
      throw new IllegalArgumentException("a revoked jti or subject must not be empty");
    }
  }

  public static Revocation token(String jti) {
    return new Revocation(jti, null, 0);
  }

  public static Revocation subject(String subject, long beforeMillis) {
    return new Revocation(null, subject, beforeMillis);
  }

  /**
   * Whether this revocation covers a credential.
   *
   * @param issuedAtMillis when the credential was issued (its {@code iat}); {@link Long#MIN_VALUE}
   *     when unknown, which a subject revocation always covers
   */
  public boolean covers(String credentialJti, String credentialSubject, long issuedAtMillis) {
    if (jti != null) {
      return jti.equals(credentialJti);
    }
    return subject.equals(credentialSubject) && issuedAtMillis < beforeMillis;
  }

  public JsonObject toJson() {
    return jti != null
        ? new JsonObject().put("jti", jti)
        : new JsonObject().put("sub", subject).put("before", beforeMillis);
  }

  /**
   * @throws IllegalArgumentException when {@code json} is not a revocation
   */
  public static Revocation fromJson(String json) {
    JsonObject o;
    try {
      o = new JsonObject(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (o.getValue("jti") instanceof String j) {
      return token(j);
    }
    if (o.getValue("sub") instanceof String s && o.getValue("before") instanceof Number n) {
      return subject(s, n.longValue());
    }
    throw new IllegalArgumentException("neither jti nor sub+before");
  }
}
