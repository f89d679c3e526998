package io.trident.backend;

import io.trident.server.model.Icon;
import io.trident.server.model.ToolAnnotations;
import io.trident.server.model.ToolInfo;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tool the server offers: its listing, compiled schemas, the scope a caller needs, and its code.
 * Build one with {@link #builder(String)}.
 */
public final class Tool {

  /** SEP-986: 1 to 128 characters of letters, digits, underscore, hyphen and dot. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  private final ToolInfo info;
  private final JsonSchema inputValidator;
  private final JsonSchema outputValidator;
  private final String requiredScope;
  private final ToolHandler handler;
  private final BlockingToolHandler blockingHandler;

  private Tool(Builder b) {
    this.info =
        new ToolInfo(b.name, b.title, b.description, b.inputSchema, b.outputSchema, b.annotations, b.icons);
    this.inputValidator = JsonSchema.compile(b.inputSchema);
    this.outputValidator = b.outputSchema == null ? null : JsonSchema.compile(b.outputSchema);
    this.requiredScope = b.requiredScope;
    this.handler = b.handler;
    this.blockingHandler = b.blockingHandler;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return info.name();
  }

  public ToolInfo info() {
    return info;
  }

  public JsonSchema inputValidator() {
    return inputValidator;
  }

  /** Null when the tool declares no output schema. */
  public JsonSchema outputValidator() {
    return outputValidator;
  }

  /** The scope a caller needs besides {@code tools:call}, or null. */
  public String requiredScope() {
    return requiredScope;
  }

  /** True when the tool runs on a worker thread. */
  public boolean blocking() {
    return blockingHandler != null;
  }

  public ToolHandler handler() {
    return handler;
  }

  public BlockingToolHandler blockingHandler() {
    return blockingHandler;
  }

  /** Builds a {@link Tool}; name, description and one handler are required. */
  public static final class Builder {
    private final String name;
    private String title;
    private String description;
    private JsonObject inputSchema = new JsonObject().put("type", "object").put("properties", new JsonObject());
    private JsonObject outputSchema;
    private ToolAnnotations annotations;
    private final List<Icon> icons = new ArrayList<>();
    private String requiredScope;
    private ToolHandler handler;
    private BlockingToolHandler blockingHandler;

    private Builder(String name) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("tool name must be 1-128 of [A-Za-z0-9_.-]: " + name);
      }
      this.name = name;
    }

    public Builder title(String title) {
      this.title = title;
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    /** The JSON Schema of the arguments, served verbatim; an object schema with no properties by default. */
    public Builder inputSchema(JsonObject schema) {
      this.inputSchema = Objects.requireNonNull(schema).copy();
      return this;
    }

    /** The JSON Schema that every successful {@code structuredContent} must satisfy. */
    public Builder outputSchema(JsonObject schema) {
      this.outputSchema = schema == null ? null : schema.copy();
      return this;
    }

    public Builder annotations(ToolAnnotations annotations) {
      this.annotations = annotations;
      return this;
    }

    public Builder icon(Icon icon) {
      this.icons.add(icon);
      return this;
    }

    public Builder requiredScope(String scope) {
      this.requiredScope = scope;
      return this;
    }

    /** Non-blocking code, run on the event loop. */
    public Builder handler(ToolHandler handler) {
      this.handler = handler;
      this.blockingHandler = null;
      return this;
    }

    /** Blocking code, run on a worker thread. */
    public Builder blockingHandler(BlockingToolHandler handler) {
      this.blockingHandler = handler;
      this.handler = null;
      return this;
    }

    /** @throws IllegalArgumentException when something required is missing or a schema is invalid */
    public Tool build() {
      if (description == null || description.isBlank()) {
        throw new IllegalArgumentException("tool " + name + " needs a description");
      }
      if (handler == null && blockingHandler == null) {
        throw new IllegalArgumentException("tool " + name + " needs a handler");
      }
      if (!"object".equals(inputSchema.getValue("type"))) {
        throw new IllegalArgumentException("tool " + name + ": inputSchema must have type \"object\"");
      }
      return new Tool(this);
    }
  }
}
