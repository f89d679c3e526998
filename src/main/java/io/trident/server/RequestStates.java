package io.trident.server;

import io.trident.model.McpException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code requestState} of multi-round-trip requests (SPEC.md §11.5): a JSON payload signed with
 * HMAC-SHA256 under a server key, so a client can carry it but not forge or alter it. The payload
 * binds the state to the principal, the method and its target, a digest of the arguments and an
 * expiry; a random id makes each state single-use. The key comes from a file (generated there at
 * start if absent) so that every instance behind a load balancer accepts the states of the others;
 * the set of used ids is in memory, per instance (a shared store is needed for strict single use
 * across instances).
 */
public final class RequestStates {

  /** How long a state may be carried before the client must start over. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;
  private final Duration ttl;
  private final Map<String, Long> used = new ConcurrentHashMap<>();

  RequestStates(byte[] key, Duration ttl) {
    if (key.length < 32) {
      throw new IllegalArgumentException("the requestState key must have at least 32 bytes");
    }
    this.key = key.clone();
    this.ttl = ttl;
  }

  /** A key of this process only: states do not survive a restart nor cross instances. */
  public static RequestStates ephemeral(Duration ttl) {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return new RequestStates(key, ttl);
  }

  /**
   * The key in {@code file} (base64, 32 bytes or more); a new random key is written there (owner
   * read/write only) when the file does not exist.
   */
  public static RequestStates fromFile(Path file, Duration ttl) throws IOException {
    if (!Files.exists(file)) {
      createKeyFile(file);
    }
    String text = Files.readString(file).trim();
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": the requestState key must be base64");
    }
    if (key.length < 32) {
      throw new IOException(file + ": the requestState key must have at least 32 bytes");
    }
    return new RequestStates(key, ttl);
  }

  /**
   * Writes a fresh key beside {@code file}, then links it into place: instances that share the file
   * and start together all end up reading the one key that got there first, never a half-written
   * one.
   */
  private static void createKeyFile(Path file) throws IOException {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path draft;
    try {
      draft =
          Files.createTempFile(
              parent,
              ".request-state-key",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      draft = Files.createTempFile(parent, ".request-state-key", ".tmp");
    }
    try {
      Files.writeString(draft, Base64.getEncoder().encodeToString(key) + "\n");
      Files.createLink(file, draft);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // Another instance made it first: its key is the shared one.
    } finally {
      Files.deleteIfExists(draft);
    }
  }

  public Duration ttl() {
    return ttl;
  }

  /** Signs {@code payload} after adding its expiry and a fresh single-use id. */
  String seal(JsonObject payload) {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    payload.put("jti", B64.encodeToString(nonce));
    payload.put("exp", System.currentTimeMillis() + ttl.toMillis());
    byte[] body = payload.encode().getBytes(StandardCharsets.UTF_8);
    return B64.encodeToString(body) + "." + B64.encodeToString(mac(body));
  }

  /**
   * The payload of a state this server sealed, unexpired and not used before; it is marked used.
   * Anything else is -32602 with a reason that tells the client what to do (start over).
   */
  JsonObject open(String state) {
    int dot = state.indexOf('.');
    if (dot <= 0 || dot != state.lastIndexOf('.')) {
      throw refused("malformed");
    }
    byte[] body;
    byte[] tag;
    try {
      body = B64D.decode(state.substring(0, dot));
      tag = B64D.decode(state.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw refused("malformed");
    }
    if (!MessageDigest.isEqual(tag, mac(body))) {
      throw refused("failed its integrity check");
    }
    JsonObject payload;
    try {
      payload = new JsonObject(new String(body, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      throw refused("malformed");
    }
    long now = System.currentTimeMillis();
    long exp = payload.getValue("exp") instanceof Number n ? n.longValue() : 0;
    if (exp <= now) {
      throw refused("expired");
    }
    String jti = payload.getString("jti");
    if (jti == null || used.putIfAbsent(jti, exp) != null) {
      throw refused("was already used");
    }
    if (used.size() > 4096) {
      used.values().removeIf(e -> e <= now);
    }
    return payload;
  }

  static McpException refused(String why) {
    return McpException.invalidParams(
        "Invalid params: requestState " + why + "; send the request again without it");
  }

  private byte[] mac(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  /** SHA-256 of the arguments in a canonical form (keys sorted), base64url. */
  static String digest(Object arguments) {
    StringBuilder out = new StringBuilder();
    canonical(arguments, out);
    try {
      return B64.encodeToString(
          MessageDigest.getInstance("SHA-256")
              .digest(out.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  private static void canonical(Object value, StringBuilder out) {
    if (value instanceof JsonObject object) {
      List<String> keys = new ArrayList<>(object.fieldNames());
      Collections.sort(keys);
      out.append('{');
      for (String k : keys) {
        out.append(new JsonArray().add(k).encode()).append(':');
        canonical(object.getValue(k), out);
        out.append(',');
      }
      out.append('}');
    } else if (value instanceof JsonArray array) {
      out.append('[');
      for (Object item : array) {
        canonical(item, out);
        out.append(',');
      }
      out.append(']');
    } else {
      out.append(new JsonArray().add(value).encode());
    }
  }
}
