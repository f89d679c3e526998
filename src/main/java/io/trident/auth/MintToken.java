package io.trident.auth;

import io.trident.config.Durations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Mints credentials for local use and tests: a signed JWT (HS256 from the secret file the server
 * reads, or RS/ES from a PKCS#8 private key PEM), or an API key hash for the keys file. Run it with
 * {@code scripts/mint-jwt}. The token goes to stdout, nothing else does.
 */
@Command(
    name = "mint-jwt",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Mints a JWT for Trident, or hashes an API key for the keys file.")
public final class MintToken implements Callable<Integer> {

  static final class Key {
    @Option(
        names = "--secret-file",
        paramLabel = "FILE",
        description = "HS256 secret file (as auth.jwt.secretFile)")
    Path secretFile;

    @Option(
        names = "--private-key",
        paramLabel = "FILE",
        description =
            "PKCS#8 private key PEM (BEGIN PRIVATE KEY): RSA gives RS256, EC ES256/384/512")
    Path privateKey;

    @Option(
        names = "--hash-api-key",
        paramLabel = "KEY",
        description = "print sha256:<hex> of KEY for the API keys file, and exit")
    String hashApiKey;

    @Option(names = "--new-api-key", description = "print a new random API key and its hash")
    boolean newApiKey;
  }

  @ArgGroup(multiplicity = "1")
  Key key;

  @Option(names = "--sub", paramLabel = "SUBJECT", description = "subject (default: the user)")
  String sub = System.getProperty("user.name", "local");

  @Option(
      names = "--scope",
      paramLabel = "SCOPE",
      split = "[ ,]",
      description = "scope; repeat or separate by spaces or commas (default: *)")
  List<String> scopes = new ArrayList<>(List.of("*"));

  @Option(names = "--iss", paramLabel = "ISSUER", description = "issuer (default: trident-local)")
  String iss = "trident-local";

  @Option(names = "--aud", paramLabel = "AUDIENCE", description = "audience (default: trident)")
  String aud = "trident";

  @Option(names = "--ttl", paramLabel = "DURATION", description = "lifetime (default: 1h)")
  String ttl = "1h";

  @Option(names = "--kid", paramLabel = "ID", description = "key id header (optional)")
  String kid;

  public static void main(String[] args) {
    System.exit(new CommandLine(new MintToken()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (key.hashApiKey != null) {
      System.out.println(ApiKeyStore.hash(key.hashApiKey));
      return 0;
    }
    if (key.newApiKey) {
      String k = ApiKeyStore.generateKey();
      System.out.println(k);
      System.out.println(ApiKeyStore.hash(k));
      return 0;
    }
    System.out.println(mint());
    return 0;
  }

  String mint() throws Exception {
    PubSecKeyOptions signing;
    if (key.secretFile != null) {
      signing = JwtKeys.hmacKey(JwtKeys.readSecret(key.secretFile));
    } else {
      String pem = Files.readString(key.privateKey, StandardCharsets.US_ASCII);
      signing = new PubSecKeyOptions().setAlgorithm(algorithmOf(pem)).setBuffer(pem);
    }
    if (kid != null) {
      signing.setId(kid);
    }
    long ttlSeconds = Durations.parse(ttl).toSeconds();
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth auth = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(signing));
      JsonObject claims = new JsonObject().put("scope", String.join(" ", scopes));
      JWTOptions options =
          new JWTOptions()
              .setAlgorithm(signing.getAlgorithm())
              .setSubject(sub)
              .setIssuer(iss)
              .setAudience(List.of(aud))
              .setExpiresInSeconds((int) ttlSeconds);
      return auth.generateToken(claims, options);
    } finally {
      vertx.close();
    }
  }

  private static String algorithmOf(String pem) throws GeneralSecurityException {
    if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new GeneralSecurityException(
          "the private key must be PKCS#8 (BEGIN PRIVATE KEY);"
              + " convert with: openssl pkcs8 -topk8 -nocrypt -in KEY");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(JwtKeys.pemBody(pem));
    try {
      KeyFactory.getInstance("RSA").generatePrivate(spec);
      return "RS256";
    } catch (GeneralSecurityException notRsa) {
      PrivateKey ec = KeyFactory.getInstance("EC").generatePrivate(spec);
      return switch (((ECPrivateKey) ec).getParams().getCurve().getField().getFieldSize()) {
        case 256 -> "ES256";
        case 384 -> "ES384";
        case 521 -> "ES512";
        default -> throw new GeneralSecurityException("unsupported EC curve");
      };
    }
  }
}
