package io.trident.server.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trident.fuzz.FuzzBudget;

/**
 * Any bytes given to the JSON-RPC codec decode to a message, a batch or an {@code Invalid} entry
 * carrying the JSON-RPC error to answer: nothing is thrown, and what decodes encodes again.
 */
class JsonRpcCodecFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void anyBytesDecodeWithoutThrowing(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    check(JsonRpcCodec.decode(bytes, 0, bytes.length), 0);
  }

  /** For the long runs of scripts/fuzz (the Jazzer command line). */
  public static void fuzzerTestOneInput(FuzzedDataProvider data) {
    new JsonRpcCodecFuzzTest().anyBytesDecodeWithoutThrowing(data);
  }

  private static void check(JsonRpcCodec.Decoded decoded, int depth) {
    assertThat(decoded).isNotNull();
    if (decoded instanceof JsonRpcCodec.Single single) {
      assertThat(WireJson.encode(single.message().toJson())).isNotNull();
    } else if (decoded instanceof JsonRpcCodec.Batch batch) {
      assertThat(depth).as("batches do not nest").isZero();
      batch.entries().forEach(e -> check(e, depth + 1));
    } else if (decoded instanceof JsonRpcCodec.Invalid invalid) {
      assertThat(invalid.error().error()).isNotNull();
      assertThat(WireJson.encode(invalid.error().toJson())).isNotNull();
    }
  }
}
