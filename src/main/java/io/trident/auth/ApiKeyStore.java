package io.trident.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trident.context.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys ({@code X-MCP-API-Key}), kept only as SHA-256 hashes in a YAML or JSON file:
 *
 * <pre>
 * keys:
 *   - hash: sha256:9f86d0…          # ApiKeyStore.hash(key), e.g. from scripts/mint-jwt --hash-api-key
 *     subject: ci-bot
 *     scopes: [tools:list, tools:call]
 *     expires: 2026-12-31T00:00:00Z  # optional, ISO-8601
 *     revoked: false                 # optional; true (or deleting the entry) revokes the key
 *     id: ci-2025                    # optional label, shown in the audit log
 * </pre>
 *
 * The file is read again when it changes. A new version that does not parse keeps the previous keys
 * (with an error naming the file), so a half-written edit does not lock every caller out; a file
 * that is deleted leaves no key valid.
 */
public final class ApiKeyStore {

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyStore.class);
  private static final String PREFIX = "sha256:";
  private static final int MAX_KEY_CHARS = 1024;

  /** One entry of the keys file. */
  public record Entry(
      @JsonProperty("hash") String hash,
      @JsonProperty("subject") String subject,
      @JsonProperty("scopes") List<String> scopes,
      @JsonProperty("expires") String expires,
      @JsonProperty("revoked") Boolean revoked,
      @JsonProperty("id") String id) {
    public Entry {
      scopes = scopes == null ? List.of() : List.copyOf(scopes);
      revoked = revoked != null && revoked;
    }
  }

  /** An entry ready for comparison. */
  private record Key(byte[] digest, Entry entry, Instant expires) {}

  private final Vertx vertx;
  private final Path file;
  private final Supplier<Instant> clock;
  private volatile List<Key> keys = List.of();
  private volatile long loadedModified = Long.MIN_VALUE;
  private long timer = -1;

  private ApiKeyStore(Vertx vertx, Path file, Supplier<Instant> clock) {
    this.vertx = vertx;
    this.file = file;
    this.clock = clock;
  }

  /** Reads the keys file (on a worker thread) and checks it for changes every interval. */
  public static Future<ApiKeyStore> create(Vertx vertx, AuthSettings.ApiKeys settings) {
    return create(vertx, settings, Instant::now);
  }

  static Future<ApiKeyStore> create(
      Vertx vertx, AuthSettings.ApiKeys settings, Supplier<Instant> clock) {
    ApiKeyStore store = new ApiKeyStore(vertx, Path.of(settings.file()), clock);
    return vertx
        .executeBlocking(store::readFile, false)
        .map(
            loaded -> {
              store.keys = loaded;
              long every = settings.reloadDuration().toMillis();
              if (every > 0) {
                store.timer = vertx.setPeriodic(every, id -> store.reloadIfChanged());
              }
              return store;
            });
  }

  /** {@code sha256:<hex>} of a key: what the keys file stores. */
  public static String hash(String apiKey) {
    return PREFIX
        + HexFormat.of()
            .formatHex(TokenCache.sha256().digest(apiKey.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * A new random key: 32 bytes from a {@link SecureRandom}, base64url, with a recognisable prefix.
   */
  public static String generateKey() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return "tmk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * The principal of {@code apiKey}.
   *
   * @throws AuthFailure {@link AuthFailure#invalid()} when the key is unknown, revoked or expired
   */
  public Principal authenticate(String apiKey) {
    if (apiKey == null || apiKey.isEmpty() || apiKey.length() > MAX_KEY_CHARS) {
      LOG.debug("API key refused: empty or oversized");
      throw AuthFailure.invalid();
    }
    byte[] presented = TokenCache.sha256().digest(apiKey.getBytes(StandardCharsets.UTF_8));
    Key match = null;
    // Compare with every entry, in constant time each, so timing says nothing about which matched.
    for (Key k : keys) {
      if (MessageDigest.isEqual(k.digest(), presented) && match == null) {
        match = k;
      }
    }
    if (match == null) {
      LOG.debug("API key refused: unknown");
      throw AuthFailure.invalid();
    }
    if (match.entry().revoked()) {
      LOG.debug("API key refused: revoked (subject {})", match.entry().subject());
      throw AuthFailure.invalid();
    }
    if (match.expires() != null && !clock.get().isBefore(match.expires())) {
      LOG.debug("API key refused: expired (subject {})", match.entry().subject());
      throw AuthFailure.invalid();
    }
    Map<String, Object> claims = new java.util.LinkedHashMap<>();
    if (match.entry().id() != null) {
      claims.put("keyId", match.entry().id());
    }
    if (match.expires() != null) {
      // Seconds, as a JWT's exp: the stream guard ends the key's streams when it expires.
      claims.put("exp", match.expires().getEpochSecond());
    }
    return new Principal(
        match.entry().subject(), Set.copyOf(match.entry().scopes()), "apiKey", claims);
  }

  /**
   * Whether the key behind {@code principal} still holds: an entry with its subject (and its id,
   * when it has one) that is neither revoked nor expired. A key revoked or removed in the file ends
   * the streams it opened at the next re-check.
   */
  public boolean stillValid(Principal principal) {
    Object keyId = principal.claims().get("keyId");
    Instant now = clock.get();
    for (Key k : keys) {
      Entry e = k.entry();
      if (e.subject().equals(principal.subject())
          && (keyId == null ? e.id() == null : keyId.equals(e.id()))
          && !e.revoked()
          && (k.expires() == null || now.isBefore(k.expires()))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads the file again now (on a worker thread). A file that no longer parses keeps the keys read
   * last (a half-written edit must not lock every caller out) and logs an error naming it; a file
   * that is gone leaves no key valid, since deleting it is a way to revoke them all.
   */
  public Future<Void> reload() {
    return vertx
        .executeBlocking(this::readFile, false)
        .transform(
            ar -> {
              if (ar.succeeded()) {
                keys = ar.result();
                return Future.succeededFuture();
              }
              if (!Files.exists(file)) {
                keys = List.of();
                LOG.error("API keys file {} is gone; no API key is valid until it is back", file);
              } else {
                LOG.error(
                    "API keys file {} could not be loaded, the keys read before stay in use: {}",
                    file,
                    ar.cause().getMessage());
              }
              return Future.failedFuture(ar.cause());
            });
  }

  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }

  private void reloadIfChanged() {
    vertx
        .fileSystem()
        .props(file.toString())
        .onComplete(
            ar -> {
              long modified = ar.succeeded() ? ar.result().lastModifiedTime() : -1;
              if (modified != loadedModified) {
                reload();
              }
            });
  }

  /** Blocking. */
  private List<Key> readFile() throws IOException {
    // Noted first: a broken version is reported once, not at every check until it is fixed.
    loadedModified = Files.exists(file) ? Files.getLastModifiedTime(file).toMillis() : -1;
    List<Key> loaded = parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    LOG.debug("API keys file {}: {} keys", file, loaded.size());
    return loaded;
  }

  /** An ISO-8601 instant, or a date (the key expires when that day starts, UTC). */
  private static Instant instant(String text) {
    if (text.length() == 10) {
      return java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
    }
    return java.time.OffsetDateTime.parse(text).toInstant();
  }

  static List<Key> parse(String text, String origin) throws IOException {
    ObjectMapper mapper =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    JsonNode root = mapper.readTree(text);
    JsonNode list = root == null ? null : root.isArray() ? root : root.get("keys");
    if (root != null && root.isObject() && root.size() != (list == null ? 0 : 1)) {
      throw new IllegalArgumentException(origin + ": only a 'keys' list is allowed at the top");
    }
    if (list == null || list.isNull()) {
      return List.of();
    }
    Entry[] read = mapper.treeToValue(list, Entry[].class);
    if (read == null || java.util.Arrays.asList(read).contains(null)) {
      // An empty list item ("- " alone) reads as null.
      throw new IllegalArgumentException(origin + ": each key must be a mapping with a hash");
    }
    List<Entry> entries = List.of(read);
    java.util.ArrayList<Key> out = new java.util.ArrayList<>();
    for (Entry e : entries) {
      if (e.hash() == null || !e.hash().startsWith(PREFIX) || e.hash().length() != 71) {
        throw new IllegalArgumentException(
            origin + ": each key needs hash: sha256:<64 hex digits> (see --hash-api-key)");
      }
      if (e.subject() == null || e.subject().isBlank()) {
        throw new IllegalArgumentException(origin + ": each key needs a subject");
      }
      Instant expires;
      try {
        expires = e.expires() == null ? null : instant(e.expires());
      } catch (DateTimeParseException ex) {
        throw new IllegalArgumentException(
            origin + ": expires of " + e.subject() + " is not an ISO-8601 instant");
      }
      byte[] digest = HexFormat.of().parseHex(e.hash().substring(PREFIX.length()));
      out.add(new Key(digest, e, expires));
    }
    return List.copyOf(out);
  }
}
