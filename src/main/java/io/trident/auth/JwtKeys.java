package io.trident.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Reads JWT verification keys from files, and JWKS documents, into the forms vertx-auth-jwt takes.
 * Every key carries its algorithm, so a token can only be checked with the algorithm its key was
 * configured for: this is what refuses algorithm confusion.
 */
final class JwtKeys {

  /** Algorithms we accept at all; {@code none} is never among them. */
  static final Set<String> SUPPORTED =
      Set.of("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512");

  /** Shortest HS256 secret we accept: the hash length, as RFC 7518 section 3.2 requires. */
  static final int MIN_SECRET_BYTES = 32;

  private JwtKeys() {}

  /** The keys of a file and a JWKS, ready to hand to {@code JWTAuthOptions}. */
  record KeySet(List<PubSecKeyOptions> pemKeys, List<JsonObject> jwks) {
    KeySet {
      pemKeys = List.copyOf(pemKeys);
      jwks = List.copyOf(jwks);
    }

    static KeySet empty() {
      return new KeySet(List.of(), List.of());
    }

    KeySet plus(KeySet other) {
      List<PubSecKeyOptions> p = new ArrayList<>(pemKeys);
      p.addAll(other.pemKeys);
      List<JsonObject> j = new ArrayList<>(jwks);
      j.addAll(other.jwks);
      return new KeySet(p, j);
    }

    boolean isEmpty() {
      return pemKeys.isEmpty() && jwks.isEmpty();
    }

    Set<String> algorithms() {
      Set<String> algs = new java.util.HashSet<>();
      pemKeys.forEach(k -> algs.add(k.getAlgorithm()));
      jwks.forEach(k -> algs.add(k.getString("alg")));
      return Set.copyOf(algs);
    }

    Set<String> keyIds() {
      Set<String> kids = new java.util.HashSet<>();
      jwks.forEach(
          k -> {
            if (k.getString("kid") != null) {
              kids.add(k.getString("kid"));
            }
          });
      return Set.copyOf(kids);
    }
  }

  /** Blocking: reads the key files of {@code settings} (not the JWKS URL). */
  static KeySet readFiles(AuthSettings.Jwt settings) throws IOException, GeneralSecurityException {
    List<PubSecKeyOptions> pem = new ArrayList<>();
    if (settings.secretFile() != null) {
      pem.add(hmacKey(readSecret(Path.of(settings.secretFile()))));
    }
    for (String file : settings.publicKeyFiles()) {
      pem.add(publicKey(Files.readString(Path.of(file), StandardCharsets.US_ASCII), file));
    }
    List<JsonObject> jwks = List.of();
    if (settings.jwksFile() != null) {
      jwks =
          parseJwks(
              Files.readString(Path.of(settings.jwksFile()), StandardCharsets.UTF_8),
              settings.jwksFile());
    }
    return new KeySet(pem, jwks);
  }

  /**
   * The secret bytes of a secret file. A text file (valid UTF-8) is taken without its trailing
   * whitespace, so {@code echo $SECRET > file} works; anything else (e.g. {@code head -c 48
   * /dev/urandom}) is taken byte for byte.
   */
  static byte[] readSecret(Path file) throws IOException {
    byte[] raw = Files.readAllBytes(file);
    byte[] secret = raw;
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
              .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(raw))
              .toString();
      secret = text.stripTrailing().getBytes(StandardCharsets.UTF_8);
    } catch (java.nio.charset.CharacterCodingException binary) {
      // Raw random bytes: every byte is part of the secret, a final 0x0a included.
    }
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "JWT secret file " + file + " holds fewer than " + MIN_SECRET_BYTES + " bytes");
    }
    return secret;
  }

  static PubSecKeyOptions hmacKey(byte[] secret) {
    // vertx-auth-jwt takes an HMAC secret as the raw buffer of a PubSecKeyOptions.
    return new PubSecKeyOptions()
        .setAlgorithm("HS256")
        .setBuffer(io.vertx.core.buffer.Buffer.buffer(secret));
  }

  /** A public key (or certificate) PEM, with the algorithm its key type and curve imply. */
  static PubSecKeyOptions publicKey(String pem, String origin) throws GeneralSecurityException {
    PublicKey key = decodePublicKey(pem, origin);
    String alg;
    if ("RSA".equals(key.getAlgorithm())) {
      alg = "RS256";
    } else if (key instanceof ECPublicKey ec) {
      alg =
          switch (ec.getParams().getCurve().getField().getFieldSize()) {
            case 256 -> "ES256";
            case 384 -> "ES384";
            case 521 -> "ES512";
            default -> throw new GeneralSecurityException("unsupported EC curve in " + origin);
          };
    } else {
      throw new GeneralSecurityException(
          "unsupported key type " + key.getAlgorithm() + " in " + origin);
    }
    String spki =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    return new PubSecKeyOptions().setAlgorithm(alg).setBuffer(spki);
  }

  private static PublicKey decodePublicKey(String pem, String origin)
      throws GeneralSecurityException {
    if (pem.contains("-----BEGIN CERTIFICATE-----")) {
      return CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .getPublicKey();
    }
    if (!pem.contains("-----BEGIN PUBLIC KEY-----")) {
      throw new GeneralSecurityException(
          origin + " is not a PEM public key (BEGIN PUBLIC KEY) or certificate");
    }
    byte[] der = pemBody(pem);
    X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
    for (String type : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(type).generatePublic(spec);
      } catch (GeneralSecurityException e) {
        // Try the next key type: the SPKI header names it, but KeyFactory needs to be told.
      }
    }
    throw new GeneralSecurityException(origin + " holds neither an RSA nor an EC public key");
  }

  /** The DER bytes between the BEGIN and END lines of a PEM block. */
  static byte[] pemBody(String pem) {
    StringBuilder b64 = new StringBuilder();
    boolean inside = false;
    for (String line : pem.split("\r?\n")) {
      if (line.startsWith("-----BEGIN")) {
        inside = true;
      } else if (line.startsWith("-----END")) {
        break;
      } else if (inside) {
        b64.append(line.strip());
      }
    }
    return Base64.getDecoder().decode(b64.toString());
  }

  /**
   * The signing keys of a JWKS document. Keys for encryption and of unsupported types are skipped;
   * a key without {@code alg} gets the one its type implies (RSA: RS256, EC: by curve) and an
   * {@code oct} key without {@code alg} is skipped, since guessing a MAC algorithm is what
   * algorithm confusion feeds on.
   */
  static List<JsonObject> parseJwks(String json, String origin) {
    JsonObject doc;
    try {
      doc = new JsonObject(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(origin + " is not a JSON JWKS document");
    }
    JsonArray keys = doc.getJsonArray("keys");
    if (keys == null) {
      throw new IllegalArgumentException(origin + " has no \"keys\" array");
    }
    List<JsonObject> out = new ArrayList<>();
    for (Object o : keys) {
      if (!(o instanceof JsonObject k)) {
        continue;
      }
      if (k.getString("use") != null && !"sig".equals(k.getString("use"))) {
        continue;
      }
      String alg = k.getString("alg");
      if (alg == null) {
        alg =
            switch (String.valueOf(k.getString("kty"))) {
              case "RSA" -> "RS256";
              case "EC" ->
                  switch (String.valueOf(k.getString("crv"))) {
                    case "P-256" -> "ES256";
                    case "P-384" -> "ES384";
                    case "P-521" -> "ES512";
                    default -> null;
                  };
              default -> null;
            };
      }
      if (alg == null || !SUPPORTED.contains(alg)) {
        continue;
      }
      out.add(k.copy().put("alg", alg).put("use", "sig"));
    }
    return out;
  }
}
