package io.trident.server;

import io.trident.context.CallContext;
import io.trident.model.CompleteRequest;
import io.trident.model.CompletionReference;
import io.trident.model.McpException;
import io.trident.model.Page;
import io.trident.server.jsonrpc.JsonRpcMessage.Request;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Routes JSON-RPC requests to the typed core: reads and checks params, calls {@link McpServer},
 * writes results. The one place that knows the JSON shape of each method.
 */
final class McpDispatcher {

  private final McpServer server;
  private final McpSession session;

  McpDispatcher(McpServer server, McpSession session) {
    this.server = server;
    this.session = session;
  }

  Future<JsonObject> dispatch(Request request, CallContext context) {
    JsonObject params = request.params();
    return switch (request.method()) {
      case "ping" -> Future.succeededFuture(new JsonObject());
      case "tools/list" ->
          Future.succeededFuture(
              page(
                  server.listTools(context.principal(), cursor(params)), "tools", t -> t.toJson()));
      case "tools/call" -> callTool(params, context);
      case "resources/list" ->
          Future.succeededFuture(
              page(
                  server.listResources(context.principal(), cursor(params)),
                  "resources",
                  r -> r.toJson()));
      case "resources/templates/list" ->
          Future.succeededFuture(
              page(
                  server.listResourceTemplates(context.principal(), cursor(params)),
                  "resourceTemplates",
                  t -> t.toJson()));
      case "resources/read" ->
          server.readResource(requiredString(params, "uri"), context).map(r -> r.toJson());
      case "resources/subscribe" -> subscribe(params, true);
      case "resources/unsubscribe" -> subscribe(params, false);
      case "prompts/list" ->
          Future.succeededFuture(
              page(
                  server.listPrompts(context.principal(), cursor(params)),
                  "prompts",
                  p -> p.toJson()));
      case "prompts/get" ->
          server
              .getPrompt(requiredString(params, "name"), stringMap(params, "arguments"), context)
              .map(r -> r.toJson());
      case "completion/complete" -> server.complete(completeRequest(params)).map(r -> r.toJson());
      case "logging/setLevel" -> setLevel(params);
      default ->
          Future.failedFuture(
              new McpException(
                  McpException.METHOD_NOT_FOUND, "Method not found: " + request.method()));
    };
  }

  private Future<JsonObject> callTool(JsonObject params, CallContext context) {
    String name = requiredString(params, "name");
    Object args = params.getValue("arguments");
    if (args != null && !(args instanceof JsonObject)) {
      throw McpException.invalidParams("Invalid params: arguments must be an object");
    }
    return server.callTool(name, (JsonObject) args, context).map(r -> r.toJson());
  }

  private Future<JsonObject> subscribe(JsonObject params, boolean on) {
    String uri = requiredString(params, "uri");
    if (on) {
      if (!server.resourceExists(uri)) {
        return Future.failedFuture(McpServer.resourceNotFound(uri));
      }
      session.subscribe(uri);
    } else {
      session.unsubscribe(uri);
    }
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> setLevel(JsonObject params) {
    Object level = params.getValue("level");
    LogLevel parsed =
        LogLevel.parse(level instanceof String s ? s : null)
            .orElseThrow(() -> McpException.invalidParams("Invalid params: unknown log level"));
    session.setLogLevel(parsed);
    return Future.succeededFuture(new JsonObject());
  }

  static CompleteRequest completeRequest(JsonObject params) {
    if (!(params.getValue("ref") instanceof JsonObject ref)) {
      throw McpException.invalidParams("Invalid params: ref must be an object");
    }
    if (!(params.getValue("argument") instanceof JsonObject argument)) {
      throw McpException.invalidParams("Invalid params: argument must be an object");
    }
    CompletionReference reference =
        switch (String.valueOf(ref.getValue("type"))) {
          case "ref/prompt" -> new CompletionReference.Prompt(requiredString(ref, "name"));
          case "ref/resource" ->
              new CompletionReference.ResourceTemplate(requiredString(ref, "uri"));
          default ->
              throw McpException.invalidParams(
                  "Invalid params: ref.type must be ref/prompt or ref/resource");
        };
    Map<String, String> contextArgs = Map.of();
    if (params.getValue("context") instanceof JsonObject ctx) {
      contextArgs = stringMap(ctx, "arguments");
    }
    String value = argument.getValue("value") instanceof String v ? v : "";
    return new CompleteRequest(reference, requiredString(argument, "name"), value, contextArgs);
  }

  static <T> JsonObject page(Page<T> page, String key, Function<T, JsonObject> toJson) {
    JsonArray items = new JsonArray(new java.util.ArrayList<>(page.items().size()));
    for (T item : page.items()) {
      items.add(toJson.apply(item));
    }
    JsonObject result = new JsonObject().put(key, items);
    if (page.nextCursor() != null) {
      result.put("nextCursor", page.nextCursor());
    }
    return result;
  }

  static String cursor(JsonObject params) {
    Object cursor = params.getValue("cursor");
    if (cursor != null && !(cursor instanceof String)) {
      throw McpException.invalidParams("Invalid cursor");
    }
    return (String) cursor;
  }

  static String requiredString(JsonObject params, String key) {
    if (params.getValue(key) instanceof String s) {
      return s;
    }
    throw McpException.invalidParams("Invalid params: " + key + " must be a string");
  }

  static Map<String, String> stringMap(JsonObject params, String key) {
    Object value = params.getValue(key);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject object)) {
      throw McpException.invalidParams("Invalid params: " + key + " must be an object");
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, Object> e : object) {
      if (!(e.getValue() instanceof String s)) {
        throw McpException.invalidParams(
            "Invalid params: " + key + "." + e.getKey() + " must be a string");
      }
      out.put(e.getKey(), s);
    }
    return out;
  }
}
