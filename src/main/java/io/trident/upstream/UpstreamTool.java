package io.trident.upstream;

import com.google.protobuf.DescriptorProtos.MethodOptions.IdempotencyLevel;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.trident.backend.Tool;
import io.trident.context.CallContext;
import io.trident.model.CallToolResult;
import io.trident.model.Content;
import io.trident.model.ToolAnnotations;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * One unary upstream method as a tool: JSON arguments parsed into the request message by protobuf's
 * JSON mapping, the call made through the upstream's channel, the reply printed back by the same
 * mapping as {@code structuredContent} (and as text). A request or reply type that does not print
 * as a JSON object (a {@code Timestamp}, a wrapper) travels under a {@code value} member.
 */
final class UpstreamTool {

  static final String WRAPPED = "value";

  private final String upstream;
  private final String name;
  private final MethodDescriptor method;
  private final UpstreamChannel channel;
  private final String target;
  private final JsonFormat.Parser parser;
  private final JsonFormat.Printer printer;
  private final boolean wrapInput;
  private final boolean wrapOutput;

  private UpstreamTool(
      String upstream,
      String name,
      MethodDescriptor method,
      UpstreamChannel channel,
      String target,
      DescriptorPool pool) {
    this.upstream = upstream;
    this.name = name;
    this.method = method;
    this.channel = channel;
    this.target = target;
    // Unknown fields are refused (not ignored): a misspelt argument must not vanish silently.
    this.parser = JsonFormat.parser().usingTypeRegistry(pool.typeRegistry());
    this.printer =
        JsonFormat.printer()
            .usingTypeRegistry(pool.typeRegistry())
            .alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace();
    this.wrapInput = !ProtoJsonSchema.printsAsObject(method.getInputType());
    this.wrapOutput = !ProtoJsonSchema.printsAsObject(method.getOutputType());
  }

  /** The tool for {@code method}, named {@code name}. */
  static Tool build(
      UpstreamSettings settings,
      String name,
      MethodDescriptor method,
      UpstreamChannel channel,
      DescriptorPool pool,
      UpstreamSettings.ToolOverride override) {
    UpstreamTool tool =
        new UpstreamTool(settings.name(), name, method, channel, settings.target(), pool);
    String description = override == null ? null : override.description();
    if (description == null) {
      description = pool.comment(method);
    }
    if (description == null) {
      description =
          "Calls "
              + method.getService().getFullName()
              + "/"
              + method.getName()
              + " on upstream "
              + settings.name()
              + ".";
    }
    String scope =
        override != null && override.scope() != null ? override.scope() : settings.scope();
    IdempotencyLevel level = method.getOptions().getIdempotencyLevel();
    return Tool.builder(name)
        .title(method.getService().getName() + "." + method.getName())
        .description(description)
        .inputSchema(tool.schema(method.getInputType(), pool, true))
        .outputSchema(tool.schema(method.getOutputType(), pool, false))
        .annotations(
            new ToolAnnotations(
                null,
                level == IdempotencyLevel.NO_SIDE_EFFECTS ? Boolean.TRUE : null,
                null,
                level != IdempotencyLevel.IDEMPOTENCY_UNKNOWN ? Boolean.TRUE : null,
                Boolean.TRUE))
        .requiredScope(scope)
        .timeout(settings.timeout())
        .handler(tool::call)
        .build();
  }

  private JsonObject schema(Descriptor type, DescriptorPool pool, boolean input) {
    JsonObject schema =
        input ? ProtoJsonSchema.input(type, pool) : ProtoJsonSchema.output(type, pool);
    if (!(input ? wrapInput : wrapOutput)) {
      return schema;
    }
    Object dialect = schema.remove("$schema");
    JsonObject wrapper =
        new JsonObject()
            .put("$schema", dialect)
            .put("type", "object")
            .put("properties", new JsonObject().put(WRAPPED, schema));
    if (input) {
      wrapper.put("additionalProperties", false);
    }
    return wrapper;
  }

  private Future<CallToolResult> call(JsonObject arguments, CallContext context) {
    DynamicMessage request;
    try {
      DynamicMessage.Builder builder = DynamicMessage.newBuilder(method.getInputType());
      String json =
          wrapInput
              ? (arguments.containsKey(WRAPPED)
                  ? io.vertx.core.json.Json.encode(arguments.getValue(WRAPPED))
                  : "null")
              : arguments.encode();
      parser.merge(json, builder);
      request = builder.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The parser's message names the field and the value it could not take: the caller's own
      // input, safe to show back.
      return Future.succeededFuture(
          CallToolResult.error(
              "Invalid arguments for tool " + name + ": " + String.valueOf(e.getMessage())));
    }
    return channel
        .call(method, request, context)
        .map(
            reply -> {
              context.auditDetail("upstream " + upstream + ": OK");
              return render(reply);
            })
        .recover(
            failure -> {
              if (failure instanceof UpstreamChannel.UpstreamCallException upstreamFailure) {
                UpstreamFailure f = upstreamFailure.failure();
                context.auditDetail("upstream " + upstream + ": " + f.status().name());
                return Future.succeededFuture(f.report(upstream, name, target));
              }
              if (failure instanceof CancellationException) {
                context.auditDetail("upstream " + upstream + ": CANCELLED");
              }
              return Future.failedFuture(failure);
            });
  }

  private CallToolResult render(DynamicMessage reply) {
    String json;
    try {
      json = printer.print(reply);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print the reply of " + method.getFullName(), e);
    }
    JsonObject structured =
        wrapOutput
            ? new JsonObject().put(WRAPPED, io.vertx.core.json.Json.decodeValue(json))
            : new JsonObject(json);
    return new CallToolResult(List.of(Content.text(structured.encode())), structured, false);
  }
}
