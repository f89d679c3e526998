package io.trident.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Message;
import io.trident.fuzz.FuzzBudget;
import io.trident.grpc.v1.CallToolRequest;
import io.trident.grpc.v1.CompleteRequest;
import io.trident.grpc.v1.Envelope;
import io.trident.grpc.v1.GetPromptRequest;
import io.trident.grpc.v1.InitializeRequest;
import io.trident.grpc.v1.McpGrpcService;
import io.trident.protobuf.StructCodec;
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.WireFormat;
import java.util.List;

/**
 * The gRPC message decoders the transport uses (typed requests and {@code Connect} envelopes, in
 * the protobuf and the JSON wire format), then what the transport does with a decoded message
 * (client info, tool arguments as JSON, the envelope's JSON-RPC payload): bytes that do not decode
 * are a {@link CodecException} (answered INVALID_ARGUMENT), and nothing else is thrown.
 */
class GrpcDecoderFuzzTest {

  private static final List<GrpcMessageDecoder<? extends Message>> DECODERS =
      List.of(
          McpGrpcService.Initialize.decoder(),
          McpGrpcService.CallTool.decoder(),
          McpGrpcService.ReadResource.decoder(),
          McpGrpcService.GetPrompt.decoder(),
          McpGrpcService.Complete.decoder(),
          McpGrpcService.ListTools.decoder(),
          McpGrpcService.Connect.decoder());

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void anyMessageDecodesOrIsACodecError(FuzzedDataProvider data) {
    GrpcMessageDecoder<? extends Message> decoder = data.pickValue(DECODERS);
    WireFormat format = data.consumeBoolean() ? WireFormat.PROTOBUF : WireFormat.JSON;
    Buffer bytes = Buffer.buffer(data.consumeRemainingAsBytes());
    Message message;
    try {
      message = decoder.decode(GrpcMessage.message("identity", format, bytes));
    } catch (CodecException e) {
      return;
    }
    assertThat(message).isNotNull();
    use(message);
  }

  public static void fuzzerTestOneInput(FuzzedDataProvider data) {
    new GrpcDecoderFuzzTest().anyMessageDecodesOrIsACodecError(data);
  }

  /** What TypedRpcs and ConnectSession read from each decoded message. */
  private static void use(Message message) {
    if (message instanceof InitializeRequest init) {
      assertThat(ProtoModel.implementation(init.getClientInfo())).isNotNull();
    } else if (message instanceof CallToolRequest call) {
      if (call.hasArguments()) {
        assertThat(StructCodec.fromStruct(call.getArguments())).isNotNull();
      }
    } else if (message instanceof GetPromptRequest prompt) {
      assertThat(prompt.getArgumentsMap()).isNotNull();
    } else if (message instanceof CompleteRequest complete) {
      assertThat(complete.getRefCase()).isNotNull();
    } else if (message instanceof Envelope envelope) {
      byte[] json = envelope.getJson().toByteArray();
      assertThat(JsonRpcCodec.decode(json, 0, json.length)).isNotNull();
    }
  }
}
