package io.trident.server;

import io.trident.auth.AuthorizationEnded;
import io.trident.auth.StreamGuard;
import io.trident.backend.BackendListener;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.server.jsonrpc.JsonRpcMessage.Notification;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One {@code subscriptions/listen} stream of the 2026-07-28 revision (SPEC.md §11.4), whatever the
 * wire: the acknowledgment first, then only the notification types the client asked for, each
 * tagged with the subscription id (the listen request's id). Every notification passes the checks
 * of a request first: the stream guard (expiry, revocation) and the scope the matching request
 * would need ({@code tools/list}, {@code resources/read} of that URI, ...); one that fails is
 * dropped. When the stream's authorization ends, the last message is the {@code -32028}
 * AuthorizationEnded error; when the server ends the stream (shutdown) it is the listen result. All
 * methods run on the stream's context.
 */
public final class ListenStream {

  /** -32028 AuthorizationEnded (transports working group draft; provisional). */
  public static final int AUTHORIZATION_ENDED = -32028;

  /**
   * Where a stream's messages go; the transport frames them and ends its stream on {@link #end}.
   */
  public interface Sink {
    void send(JsonObject message);

    void end();
  }

  private final McpServer server;
  private final Context context;
  private final Principal principal;
  private final String transport;
  private final Object id;
  private final Sink sink;
  private final boolean tools;
  private final boolean prompts;
  private final boolean resources;
  private final Set<String> uris;
  private Runnable unlisten = () -> {};
  private StreamGuard guard;
  private boolean ended;

  private ListenStream(
      McpServer server,
      Principal principal,
      String transport,
      Object id,
      Sink sink,
      boolean tools,
      boolean prompts,
      boolean resources,
      Set<String> uris) {
    this.server = server;
    this.context = server.vertx().getOrCreateContext();
    this.principal = principal;
    this.transport = transport;
    this.id = id;
    this.sink = sink;
    this.tools = tools;
    this.prompts = prompts;
    this.resources = resources;
    this.uris = uris;
  }

  /**
   * Opens the stream of a listen request that passed the request checks, and sends its
   * acknowledgment. A malformed filter, or one naming a resource the caller may not read, is thrown
   * as -32602 (all or nothing, with {@code data.denied}), before anything is sent.
   */
  public static ListenStream open(
      McpServer server, ModernRequest request, Principal principal, String transport, Sink sink) {
    if (!(request.params().getValue("notifications") instanceof JsonObject filter)) {
      throw McpException.invalidParams("Invalid params: notifications must be an object");
    }
    boolean tools = Boolean.TRUE.equals(filter.getValue("toolsListChanged"));
    boolean prompts = Boolean.TRUE.equals(filter.getValue("promptsListChanged"));
    boolean resources = Boolean.TRUE.equals(filter.getValue("resourcesListChanged"));
    Set<String> uris = new LinkedHashSet<>();
    Object subs = filter.getValue("resourceSubscriptions");
    if (subs != null) {
      if (!(subs instanceof JsonArray array)) {
        throw McpException.invalidParams(
            "Invalid params: notifications.resourceSubscriptions must be an array of URIs");
      }
      JsonArray denied = new JsonArray();
      for (Object uri : array) {
        if (!(uri instanceof String s)) {
          throw McpException.invalidParams(
              "Invalid params: notifications.resourceSubscriptions must be an array of URIs");
        }
        if (server.guard().check(principal, transport, "resources/read", uriParams(s)) != null) {
          denied.add(s);
        }
        uris.add(s);
      }
      if (!denied.isEmpty()) {
        throw new McpException(
            McpException.INVALID_PARAMS,
            "Subscription denied",
            new JsonObject().put("denied", new JsonObject().put("resourceSubscriptions", denied)));
      }
    }
    ListenStream stream =
        new ListenStream(
            server, principal, transport, request.id(), sink, tools, prompts, resources, uris);
    stream.start();
    return stream;
  }

  private void start() {
    JsonObject honoured = new JsonObject();
    if (tools) {
      honoured.put("toolsListChanged", true);
    }
    if (prompts) {
      honoured.put("promptsListChanged", true);
    }
    if (resources) {
      honoured.put("resourcesListChanged", true);
    }
    if (!uris.isEmpty()) {
      honoured.put("resourceSubscriptions", new JsonArray(java.util.List.copyOf(uris)));
    }
    JsonObject params = new JsonObject().put("notifications", honoured);
    if (principal.claims().get("exp") instanceof Number exp) {
      params.put("authorizedUntil", Instant.ofEpochSecond(exp.longValue()).toString());
    }
    guard = server.streamGuards().open(principal, context);
    sink.send(notification("notifications/subscriptions/acknowledged", params));
    guard.onEnded(this::authorizationEnded);
    // Through the server, so that changes on other instances (SPEC §5.7) reach this stream too.
    unlisten = server.listen(new Listener());
    server.listenStreams().add(this);
  }

  /** The client went away (closed its stream, cancelled): stop without another word. */
  public void cancel() {
    runOnContext(
        () -> {
          if (!ended) {
            ended = true;
            release();
          }
        });
  }

  /** The server ends the stream: the listen result, then the end (issue #3348: the result form). */
  public void finish() {
    runOnContext(
        () -> {
          if (ended) {
            return;
          }
          ended = true;
          release();
          JsonObject result =
              new JsonObject()
                  .put("resultType", "complete")
                  .put(
                      "_meta",
                      new JsonObject()
                          .put(ModernRequest.META_SUBSCRIPTION_ID, id)
                          .put(
                              ModernRequest.META_SERVER_INFO,
                              server.options().serverInfo().toJson()));
          sink.send(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result));
          sink.end();
        });
  }

  private void authorizationEnded(AuthorizationEnded why) {
    if (ended) {
      return;
    }
    ended = true;
    release();
    // Unconfirmable revocation status is the server's problem, not the token's: refresh, reopen.
    String reason = why == AuthorizationEnded.REVOCATION_UNCONFIRMED ? "token_expiry" : why.wire();
    JsonObject error =
        new JsonObject()
            .put("code", AUTHORIZATION_ENDED)
            .put("message", "Authorization ended (" + reason + ")")
            .put("data", new JsonObject().put("reason", reason));
    sink.send(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error", error));
    sink.end();
  }

  private void release() {
    unlisten.run();
    if (guard != null) {
      guard.close();
    }
    server.listenStreams().remove(this);
  }

  private JsonObject notification(String method, JsonObject params) {
    JsonObject p = params == null ? new JsonObject() : params;
    JsonObject meta = p.getValue("_meta") instanceof JsonObject m ? m : new JsonObject();
    meta.put(ModernRequest.META_SUBSCRIPTION_ID, id);
    p.put("_meta", meta);
    return new Notification(method, p).toJson();
  }

  /** Writes a change notification if it passes the checks its request would. */
  private void deliver(
      String method, String asRequest, JsonObject requestParams, JsonObject params) {
    runOnContext(
        () -> {
          if (ended || !guard.admitMessage()) {
            return;
          }
          if (server.guard().check(principal, transport, asRequest, requestParams) != null) {
            return;
          }
          sink.send(notification(method, params));
        });
  }

  private static JsonObject uriParams(String uri) {
    return new JsonObject().put("uri", uri);
  }

  private void runOnContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private final class Listener implements BackendListener {
    @Override
    public void toolsChanged() {
      if (tools) {
        deliver("notifications/tools/list_changed", "tools/list", new JsonObject(), null);
      }
    }

    @Override
    public void promptsChanged() {
      if (prompts) {
        deliver("notifications/prompts/list_changed", "prompts/list", new JsonObject(), null);
      }
    }

    @Override
    public void resourcesChanged() {
      if (resources) {
        deliver("notifications/resources/list_changed", "resources/list", new JsonObject(), null);
      }
    }

    @Override
    public void resourceUpdated(String uri) {
      if (uris.contains(uri)) {
        deliver(
            "notifications/resources/updated", "resources/read", uriParams(uri), uriParams(uri));
      }
    }
  }
}
