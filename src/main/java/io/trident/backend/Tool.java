package io.trident.backend;

import io.trident.model.Icon;
import io.trident.model.ToolAnnotations;
import io.trident.model.ToolInfo;
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

  private static final java.util.Set<String> DIALECTS =
      java.util.Set.of(
          "https://json-schema.org/draft/2020-12/schema",
          "https://json-schema.org/draft/2019-09/schema",
          "http://json-schema.org/draft-07/schema#",
          "http://json-schema.org/draft-07/schema",
          "http://json-schema.org/draft-06/schema#",
          "http://json-schema.org/draft-04/schema#");

  /** The compiled input schema and, when declared, output schema (null otherwise). */
  public record Schemas(JsonSchema input, JsonSchema output) {}

  private final ToolInfo info;
  private volatile Schemas schemas;
  private final java.util.concurrent.atomic.AtomicReference<io.vertx.core.Future<Schemas>>
      compiling = new java.util.concurrent.atomic.AtomicReference<>();
  private final String requiredScope;
  private final ToolHandler handler;
  private final BlockingToolHandler blockingHandler;
  private final java.time.Duration timeout;

  private Tool(Builder b) {
    this.info =
        new ToolInfo(
            b.name, b.title, b.description, b.inputSchema, b.outputSchema, b.annotations, b.icons);
    this.requiredScope = b.requiredScope;
    this.handler = b.handler;
    this.blockingHandler = b.blockingHandler;
    this.timeout = b.timeout;
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

  /**
   * Compiles the schemas now, on the calling thread (slow the first time in a process: use {@link
   * #schemas(io.vertx.core.Vertx)} from an event loop).
   *
   * @throws IllegalArgumentException when a schema cannot be compiled
   */
  public Schemas compileSchemas() {
    Schemas s = schemas;
    if (s == null) {
      s =
          new Schemas(
              JsonSchema.compile(info.inputSchema()),
              info.outputSchema() == null ? null : JsonSchema.compile(info.outputSchema()));
      schemas = s;
    }
    return s;
  }

  /** The compiled schemas, or null while they are not compiled yet. */
  public Schemas compiledSchemas() {
    return schemas;
  }

  /**
   * The compiled schemas, compiled once on a worker thread. Compiling is deferred so that start-up
   * (and a desktop client's first {@code initialize}) does not wait for the schema library to warm
   * up.
   */
  public io.vertx.core.Future<Schemas> schemas(io.vertx.core.Vertx vertx) {
    Schemas s = schemas;
    if (s != null) {
      return io.vertx.core.Future.succeededFuture(s);
    }
    io.vertx.core.Future<Schemas> running = compiling.get();
    if (running != null) {
      return running;
    }
    io.vertx.core.Promise<Schemas> promise = io.vertx.core.Promise.promise();
    if (compiling.compareAndSet(null, promise.future())) {
      vertx.executeBlocking(this::compileSchemas, false).onComplete(promise);
      return promise.future();
    }
    return compiling.get();
  }

  /** The scope a caller needs besides {@code tools:call}, or null. */
  public String requiredScope() {
    return requiredScope;
  }

  /**
   * This tool's own cap on a call's deadline (an upstream tool's upstream timeout, say), or null
   * for none; the call runs until the earliest of it, the caller's deadline and the server's cap.
   */
  public java.time.Duration timeout() {
    return timeout;
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
    private JsonObject inputSchema =
        new JsonObject().put("type", "object").put("properties", new JsonObject());
    private JsonObject outputSchema;
    private ToolAnnotations annotations;
    private final List<Icon> icons = new ArrayList<>();
    private String requiredScope;
    private ToolHandler handler;
    private BlockingToolHandler blockingHandler;
    private java.time.Duration timeout;

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

    /**
     * The JSON Schema of the arguments, served verbatim; an object schema with no properties by
     * default.
     */
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

    /** Caps each call of this tool at {@code timeout} (positive), whatever its caller allows. */
    public Builder timeout(java.time.Duration timeout) {
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        throw new IllegalArgumentException("tool " + name + ": timeout must be positive");
      }
      this.timeout = timeout;
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

    /**
     * @throws IllegalArgumentException when something required is missing or a schema is invalid
     */
    public Tool build() {
      if (description == null || description.isBlank()) {
        throw new IllegalArgumentException("tool " + name + " needs a description");
      }
      if (handler == null && blockingHandler == null) {
        throw new IllegalArgumentException("tool " + name + " needs a handler");
      }
      if (!"object".equals(inputSchema.getValue("type"))) {
        throw new IllegalArgumentException(
            "tool " + name + ": inputSchema must have type \"object\"");
      }
      for (JsonObject schema : new JsonObject[] {inputSchema, outputSchema}) {
        if (schema != null
            && schema.containsKey("$schema")
            && !DIALECTS.contains(String.valueOf(schema.getValue("$schema")))) {
          throw new IllegalArgumentException(
              "tool " + name + ": unsupported JSON Schema dialect " + schema.getValue("$schema"));
        }
      }
      return new Tool(this);
    }
  }
}
