package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trident.context.Principal;
import io.trident.fuzz.FuzzBudget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Bearer JWTs: any token, including well-signed ones whose header and claims are hostile (wrong
 * types, huge numbers, odd algorithms), is verified to a principal or refused with {@link
 * AuthFailure}; {@code verify} never throws and always completes.
 */
class JwtFuzzTest {

  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final List<String> ALGS =
      List.of("HS256", "none", "None", "RS256", "ES256", "HS512", "PS256", "");

  private static Vertx vertx;
  private static JwtVerifier verifier;
  private static byte[] secret;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("jwt-fuzz");
    String text = TestKeys.secret();
    secret = text.getBytes(StandardCharsets.UTF_8);
    Path file = TestKeys.write(dir, "secret", text);
    file.toFile().deleteOnExit();
    dir.toFile().deleteOnExit();
    verifier =
        JwtVerifier.create(vertx, TestKeys.jwt(file.toString(), List.of(), null, null))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void anyTokenVerifiesOrIsRefused(FuzzedDataProvider data) throws Exception {
    String token =
        switch (data.consumeInt(0, 2)) {
          case 0 -> data.consumeRemainingAsString();
          case 1 -> signed(header(data).encode(), claims(data).encode());
          default -> signed(data.consumeString(300), data.consumeRemainingAsString());
        };
    Future<Principal> verdict = verifier.verify(token);
    try {
      Principal p = verdict.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(p.subject()).isNotNull();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(AuthFailure.class);
    }
  }

  public static void fuzzerTestOneInput(FuzzedDataProvider data) throws Exception {
    if (vertx == null) {
      start();
    }
    new JwtFuzzTest().anyTokenVerifiesOrIsRefused(data);
  }

  private static JsonObject header(FuzzedDataProvider data) {
    JsonObject h = new JsonObject().put("alg", data.pickValue(ALGS));
    if (data.consumeBoolean()) {
      h.put("typ", data.consumeString(10));
    }
    if (data.consumeBoolean()) {
      h.put("kid", value(data));
    }
    if (data.consumeBoolean()) {
      h.put("crit", new JsonArray().add(data.consumeString(10)));
    }
    return h;
  }

  private static JsonObject claims(FuzzedDataProvider data) {
    JsonObject c = TestKeys.claims(data.consumeString(20), data.consumeString(40));
    for (String name : List.of("sub", "iss", "aud", "exp", "nbf", "iat", "scope", "scp", "jti")) {
      int choice = data.consumeInt(0, 3);
      if (choice == 1) {
        c.remove(name);
      } else if (choice == 2) {
        c.put(name, value(data));
      }
    }
    return c;
  }

  /** A JSON value of any type. */
  private static Object value(FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 7)) {
      case 0 -> data.consumeString(30);
      case 1 -> data.consumeLong();
      case 2 -> data.consumeDouble();
      case 3 -> data.consumeBoolean();
      case 4 -> null;
      case 5 -> new JsonArray().add(data.consumeString(20)).add(data.consumeLong());
      case 6 -> new JsonObject().put(data.consumeString(5), data.consumeString(5));
      default -> new java.math.BigInteger(1, data.consumeBytes(24)).toString();
    };
  }

  /** {@code header.payload.signature} with a valid HS256 signature over any header and payload. */
  private static String signed(String header, String payload) throws Exception {
    String input =
        B64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return input + "." + B64URL.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
  }
}
