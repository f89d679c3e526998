package io.trident.transport.grpc;

import com.google.protobuf.ByteString;
import io.trident.grpc.v1.AudioContent;
import io.trident.grpc.v1.ImageContent;
import io.trident.grpc.v1.TextContent;
import io.trident.model.CallToolResult;
import io.trident.model.CompleteResult;
import io.trident.model.Content;
import io.trident.model.GetPromptResult;
import io.trident.model.Icon;
import io.trident.model.Implementation;
import io.trident.model.InitializeResult;
import io.trident.model.PromptArgument;
import io.trident.model.PromptInfo;
import io.trident.model.PromptMessage;
import io.trident.model.ResourceContents;
import io.trident.model.ResourceInfo;
import io.trident.model.ResourceTemplateInfo;
import io.trident.model.ToolAnnotations;
import io.trident.model.ToolInfo;
import io.trident.protobuf.StructCodec;
import java.util.Base64;
import java.util.List;

/**
 * The typed core's records as {@code mcp.v1} messages. Base64 text of the JSON wire (images, audio,
 * blobs) becomes raw bytes here; absent optional strings become empty strings, as proto3 has it.
 */
final class ProtoModel {

  private ProtoModel() {}

  static io.trident.grpc.v1.InitializeResponse initializeResponse(InitializeResult result) {
    io.trident.grpc.v1.InitializeResponse.Builder out =
        io.trident.grpc.v1.InitializeResponse.newBuilder()
            .setProtocolVersion(result.protocolVersion())
            .setServerInfo(implementation(result.serverInfo()))
            .setCapabilities(StructCodec.toStruct(result.capabilities()));
    if (result.instructions() != null) {
      out.setInstructions(result.instructions());
    }
    return out.build();
  }

  static io.trident.grpc.v1.Implementation implementation(Implementation info) {
    return io.trident.grpc.v1.Implementation.newBuilder()
        .setName(nz(info.name()))
        .setVersion(nz(info.version()))
        .setTitle(nz(info.title()))
        .build();
  }

  static Implementation implementation(io.trident.grpc.v1.Implementation info) {
    return new Implementation(
        info.getName(), emptyToNull(info.getTitle()), info.getVersion(), null, null, List.of());
  }

  static io.trident.grpc.v1.Tool tool(ToolInfo tool) {
    io.trident.grpc.v1.Tool.Builder out =
        io.trident.grpc.v1.Tool.newBuilder()
            .setName(tool.name())
            .setTitle(nz(tool.title()))
            .setDescription(nz(tool.description()))
            .setInputSchema(StructCodec.toStruct(tool.inputSchema()));
    if (tool.outputSchema() != null) {
      out.setOutputSchema(StructCodec.toStruct(tool.outputSchema()));
    }
    if (tool.annotations() != null) {
      out.setAnnotations(annotations(tool.annotations()));
    }
    tool.icons().forEach(icon -> out.addIcons(icon(icon)));
    return out.build();
  }

  private static io.trident.grpc.v1.ToolAnnotations annotations(ToolAnnotations a) {
    io.trident.grpc.v1.ToolAnnotations.Builder out =
        io.trident.grpc.v1.ToolAnnotations.newBuilder().setTitle(nz(a.title()));
    if (a.readOnlyHint() != null) {
      out.setReadOnlyHint(a.readOnlyHint());
    }
    if (a.destructiveHint() != null) {
      out.setDestructiveHint(a.destructiveHint());
    }
    if (a.idempotentHint() != null) {
      out.setIdempotentHint(a.idempotentHint());
    }
    if (a.openWorldHint() != null) {
      out.setOpenWorldHint(a.openWorldHint());
    }
    return out.build();
  }

  static io.trident.grpc.v1.Icon icon(Icon icon) {
    io.trident.grpc.v1.Icon.Builder out =
        io.trident.grpc.v1.Icon.newBuilder()
            .setSrc(icon.src())
            .setMimeType(nz(icon.mimeType()))
            .setTheme(nz(icon.theme()));
    if (icon.sizes() != null) {
      out.addAllSizes(icon.sizes());
    }
    return out.build();
  }

  static io.trident.grpc.v1.CallToolResult callToolResult(CallToolResult result) {
    io.trident.grpc.v1.CallToolResult.Builder out =
        io.trident.grpc.v1.CallToolResult.newBuilder().setIsError(result.isError());
    result.content().forEach(c -> out.addContent(content(c)));
    if (result.structuredContent() != null) {
      out.setStructuredContent(StructCodec.toStruct(result.structuredContent()));
    }
    return out.build();
  }

  static io.trident.grpc.v1.Content content(Content content) {
    io.trident.grpc.v1.Content.Builder out = io.trident.grpc.v1.Content.newBuilder();
    if (content instanceof Content.Text t) {
      out.setText(TextContent.newBuilder().setText(t.text()));
    } else if (content instanceof Content.Image i) {
      out.setImage(
          ImageContent.newBuilder().setData(base64(i.data())).setMimeType(nz(i.mimeType())));
    } else if (content instanceof Content.Audio a) {
      out.setAudio(
          AudioContent.newBuilder().setData(base64(a.data())).setMimeType(nz(a.mimeType())));
    } else if (content instanceof Content.Resource r) {
      out.setResource(resourceContents(r.resource()));
    } else if (content instanceof Content.ResourceLink l) {
      out.setResourceLink(
          io.trident.grpc.v1.ResourceLink.newBuilder()
              .setUri(l.uri())
              .setName(nz(l.name()))
              .setDescription(nz(l.description()))
              .setMimeType(nz(l.mimeType())));
    }
    return out.build();
  }

  static io.trident.grpc.v1.ResourceContents resourceContents(ResourceContents contents) {
    io.trident.grpc.v1.ResourceContents.Builder out =
        io.trident.grpc.v1.ResourceContents.newBuilder();
    if (contents instanceof ResourceContents.Text t) {
      out.setUri(t.uri()).setMimeType(nz(t.mimeType())).setText(t.text());
    } else if (contents instanceof ResourceContents.Blob b) {
      out.setUri(b.uri()).setMimeType(nz(b.mimeType())).setBlob(base64(b.blob()));
    }
    return out.build();
  }

  static io.trident.grpc.v1.Resource resource(ResourceInfo r) {
    io.trident.grpc.v1.Resource.Builder out =
        io.trident.grpc.v1.Resource.newBuilder()
            .setUri(r.uri())
            .setName(nz(r.name()))
            .setTitle(nz(r.title()))
            .setDescription(nz(r.description()))
            .setMimeType(nz(r.mimeType()));
    if (r.size() != null) {
      out.setSize(r.size());
    }
    r.icons().forEach(icon -> out.addIcons(icon(icon)));
    return out.build();
  }

  static io.trident.grpc.v1.ResourceTemplate resourceTemplate(ResourceTemplateInfo t) {
    io.trident.grpc.v1.ResourceTemplate.Builder out =
        io.trident.grpc.v1.ResourceTemplate.newBuilder()
            .setUriTemplate(t.uriTemplate())
            .setName(nz(t.name()))
            .setTitle(nz(t.title()))
            .setDescription(nz(t.description()))
            .setMimeType(nz(t.mimeType()));
    t.icons().forEach(icon -> out.addIcons(icon(icon)));
    return out.build();
  }

  static io.trident.grpc.v1.Prompt prompt(PromptInfo p) {
    io.trident.grpc.v1.Prompt.Builder out =
        io.trident.grpc.v1.Prompt.newBuilder()
            .setName(p.name())
            .setTitle(nz(p.title()))
            .setDescription(nz(p.description()));
    for (PromptArgument arg : p.arguments()) {
      out.addArguments(
          io.trident.grpc.v1.PromptArgument.newBuilder()
              .setName(arg.name())
              .setDescription(nz(arg.description()))
              .setRequired(arg.required()));
    }
    p.icons().forEach(icon -> out.addIcons(icon(icon)));
    return out.build();
  }

  static io.trident.grpc.v1.GetPromptResponse getPromptResponse(GetPromptResult result) {
    io.trident.grpc.v1.GetPromptResponse.Builder out =
        io.trident.grpc.v1.GetPromptResponse.newBuilder().setDescription(nz(result.description()));
    for (PromptMessage message : result.messages()) {
      out.addMessages(
          io.trident.grpc.v1.PromptMessage.newBuilder()
              .setRole(message.role())
              .setContent(content(message.content())));
    }
    return out.build();
  }

  static io.trident.grpc.v1.CompleteResponse completeResponse(CompleteResult result) {
    io.trident.grpc.v1.CompleteResponse.Builder out =
        io.trident.grpc.v1.CompleteResponse.newBuilder()
            .addAllValues(result.values())
            .setHasMore(result.hasMore());
    if (result.total() != null) {
      out.setTotal(result.total());
    }
    return out.build();
  }

  /** Backends hand base64 text to the JSON wire; gRPC carries the bytes themselves. */
  private static ByteString base64(String data) {
    if (data == null) {
      return ByteString.EMPTY;
    }
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(data));
    } catch (IllegalArgumentException e) {
      return ByteString.copyFrom(Base64.getMimeDecoder().decode(data));
    }
  }

  static String nz(String s) {
    return s == null ? "" : s;
  }

  static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
