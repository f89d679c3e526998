package io.trident.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Real keys and tokens for the auth tests, made fresh in each test run. */
public final class TestKeys {

  public static final String ISSUER = "https://issuer.test";
  public static final String AUDIENCE = "trident-test";
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private TestKeys() {}

  public static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  public static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  public static String secret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return B64URL.encodeToString(b);
  }

  public static Path write(Path dir, String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  public static String publicPem(KeyPair kp) {
    return pem("PUBLIC KEY", kp.getPublic().getEncoded());
  }

  public static String privatePem(KeyPair kp) {
    return pem("PRIVATE KEY", kp.getPrivate().getEncoded());
  }

  /** A public JWK of {@code kp} with {@code kid}. */
  public static JsonObject jwk(KeyPair kp, String kid) {
    if (kp.getPublic() instanceof RSAPublicKey rsa) {
      return new JsonObject()
          .put("kty", "RSA")
          .put("kid", kid)
          .put("alg", "RS256")
          .put("use", "sig")
          .put("n", b64(unsigned(rsa.getModulus())))
          .put("e", b64(unsigned(rsa.getPublicExponent())));
    }
    ECPublicKey ec = (ECPublicKey) kp.getPublic();
    return new JsonObject()
        .put("kty", "EC")
        .put("kid", kid)
        .put("crv", "P-256")
        .put("x", b64(fixed(ec.getW().getAffineX(), 32)))
        .put("y", b64(fixed(ec.getW().getAffineY(), 32)));
  }

  public static JsonObject jwks(JsonObject... keys) {
    return new JsonObject().put("keys", new io.vertx.core.json.JsonArray(List.of((Object[]) keys)));
  }

  /** Signs {@code claims} with a private key (RS256 or ES256), adding {@code kid} when not null. */
  public static String sign(Vertx vertx, KeyPair kp, String kid, JsonObject claims) {
    String alg = kp.getPublic() instanceof RSAPublicKey ? "RS256" : "ES256";
    PubSecKeyOptions key = new PubSecKeyOptions().setAlgorithm(alg).setBuffer(privatePem(kp));
    if (kid != null) {
      key.setId(kid);
    }
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key))
        .generateToken(claims, new JWTOptions().setAlgorithm(alg).setNoTimestamp(true));
  }

  /** Signs {@code claims} with HS256. */
  public static String signHs(Vertx vertx, String secret, JsonObject claims) {
    PubSecKeyOptions key =
        new PubSecKeyOptions()
            .setAlgorithm("HS256")
            .setBuffer(io.vertx.core.buffer.Buffer.buffer(secret.getBytes(StandardCharsets.UTF_8)));
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key))
        .generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  /** A token assembled by hand: {@code header.payload.signature}, HMAC-SHA256 over any bytes. */
  public static String handMade(JsonObject header, JsonObject claims, byte[] hmacSecret)
      throws Exception {
    String signingInput =
        B64URL.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8))
            + "."
            + B64URL.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    if (hmacSecret == null) {
      return signingInput + ".";
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(hmacSecret, "HmacSHA256"));
    return signingInput
        + "."
        + B64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
  }

  /** Claims that pass every check: right issuer and audience, an hour left. */
  public static JsonObject claims(String sub, String scope) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject c =
        new JsonObject()
            .put("sub", sub)
            .put("iss", ISSUER)
            .put("aud", AUDIENCE)
            .put("iat", now)
            .put("exp", now + 3600);
    if (scope != null) {
      c.put("scope", scope);
    }
    return c;
  }

  public static AuthSettings.Jwt jwt(
      String secretFile, List<String> publicKeyFiles, String jwksFile, String jwksUrl) {
    return new AuthSettings.Jwt(
        secretFile,
        publicKeyFiles,
        jwksFile,
        jwksUrl,
        null,
        null,
        ISSUER,
        List.of(AUDIENCE),
        null,
        null,
        null);
  }

  private static String b64(byte[] b) {
    return B64URL.encodeToString(b);
  }

  private static byte[] unsigned(BigInteger i) {
    byte[] b = i.toByteArray();
    return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static byte[] fixed(BigInteger i, int len) {
    byte[] b = unsigned(i);
    byte[] out = new byte[len];
    System.arraycopy(b, 0, out, len - b.length, b.length);
    return out;
  }
}
