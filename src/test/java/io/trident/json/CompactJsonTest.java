package io.trident.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * CompactJson against Jackson itself, on random trees full of the awkward cases: every escape, DEL,
 * two- three- and four-byte UTF-8, lone surrogates anywhere, numbers of every kind.
 */
class CompactJsonTest {

  private static final char[] AWKWARD = {
    '"', '\\', '\n', '\r', '\t', '\b', '\f', 0, 1, 0x1f, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x20ac,
    0xffff, 0xd83d, 0xde00, 0xd800, 0xdfff, '/', '<'
  };

  @Test
  void writesWhatJacksonsUtf8GeneratorWrites() throws IOException {
    Random random = new Random(16);
    for (int i = 0; i < 6_000; i++) {
      Object tree = randomValue(random, 0);
      ByteSink sink = new ByteSink(64);
      CompactJson.write(tree, sink);
      assertThat(Arrays.copyOf(sink.array(), sink.size()))
          .as("tree %d: %s", i, tree)
          .isEqualTo(jackson(tree));
    }
  }

  /** The canonical form is what the audit digest was taken of: sorted, Jackson text, UTF-8. */
  @Test
  void writesTheCanonicalTextTheDigestWasTakenOf() {
    Random random = new Random(61);
    for (int i = 0; i < 6_000; i++) {
      Object tree = randomValue(random, 0);
      ByteSink sink = new ByteSink(64);
      CompactJson.writeCanonical(tree, sink);
      byte[] expected =
          new JacksonCodec().toString(sorted(tree), false).getBytes(StandardCharsets.UTF_8);
      assertThat(Arrays.copyOf(sink.array(), sink.size()))
          .as("tree %d: %s", i, tree)
          .isEqualTo(expected);
    }
  }

  @Test
  void aLongPrintableStringIsCopiedWhole() {
    String text = "abc ".repeat(5_000);
    ByteSink sink = new ByteSink(16);
    CompactJson.write(new JsonObject().put("t", text), sink);
    assertThat(new String(sink.array(), 0, sink.size(), StandardCharsets.UTF_8))
        .isEqualTo("{\"t\":\"" + text + "\"}");
  }

  private static byte[] jackson(Object tree) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      JacksonCodec.encodeJson(tree, g);
    }
    return out.toByteArray();
  }

  private static Object sorted(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> members = new TreeMap<>();
      o.forEach(e -> members.put(e.getKey(), sorted(e.getValue())));
      return new JsonObject(new LinkedHashMap<>(members));
    }
    if (v instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(x -> out.add(sorted(x)));
      return out;
    }
    return v;
  }

  private static Object randomValue(Random r, int depth) {
    int kind = r.nextInt(depth >= 4 ? 9 : 11);
    return switch (kind) {
      case 0, 1, 2 -> randomString(r);
      case 3 -> r.nextInt();
      case 4 -> r.nextLong();
      case 5 -> randomDouble(r);
      case 6 -> r.nextBoolean();
      case 7 -> null;
      case 8 ->
          switch (r.nextInt(4)) {
            case 0 -> new BigDecimal(r.nextLong()).movePointLeft(r.nextInt(30));
            case 1 -> BigInteger.valueOf(r.nextLong()).shiftLeft(r.nextInt(80));
            case 2 -> r.nextFloat() * 1000;
            default -> r.nextBoolean() ? Double.NaN : Double.NEGATIVE_INFINITY;
          };
      case 9 -> {
        JsonObject o = new JsonObject();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          o.put(randomString(r), randomValue(r, depth + 1));
        }
        yield o;
      }
      default -> {
        JsonArray a = new JsonArray();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          a.add(randomValue(r, depth + 1));
        }
        yield a;
      }
    };
  }

  private static double randomDouble(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> r.nextDouble();
      case 1 -> -0.0;
      case 2 -> Math.pow(10, r.nextInt(600) - 300) * (r.nextBoolean() ? 1 : -1);
      case 3 -> r.nextInt(1000) / 10.0;
      default -> r.nextGaussian() * 1e6;
    };
  }

  private static String randomString(Random r) {
    int length = r.nextInt(4) == 0 ? r.nextInt(200) : r.nextInt(8);
    // Long strings with rare awkward characters take the bulk path and its escapes.
    int awkwardOneIn = r.nextBoolean() ? 3 : 60;
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(
          r.nextInt(awkwardOneIn) == 0
              ? AWKWARD[r.nextInt(AWKWARD.length)]
              : (char) (32 + r.nextInt(95)));
    }
    return s.toString();
  }
}
