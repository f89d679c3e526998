package io.trident.server;

import io.trident.context.ClientCapabilityMissing;
import io.trident.context.ClientInputPending;
import io.trident.context.ClientRequests;
import io.trident.model.ClientCapabilities;
import io.trident.model.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client requests of one run of a 2026-07-28 request (multi-round-trip, SPEC.md §11.5). A
 * request already answered (by {@code inputResponses} now or in an earlier round, carried in the
 * {@code requestState}) resolves at once with that answer; any other is recorded as an input
 * request and fails with {@link ClientInputPending}, which ends this run: the server answers {@code
 * input_required} with every request recorded, and runs the same code again on the retry. Requests
 * are keyed by the key the code gives, else by method and order ({@code elicitation-1}, {@code
 * sampling-1}, {@code roots-1}, ...), which a deterministic handler repeats on each run.
 */
final class InputRounds implements ClientRequests {

  private final ClientCapabilities capabilities;
  private final Map<String, JsonObject> answers;
  private final Map<String, JsonObject> asked = new LinkedHashMap<>();
  private int samplings;
  private int elicitations;
  private int rootLists;

  InputRounds(ClientCapabilities capabilities, Map<String, JsonObject> answers) {
    this.capabilities = capabilities;
    this.answers = answers;
  }

  /** The input requests of this run, by key; empty when the run needed none it lacked. */
  synchronized Map<String, JsonObject> asked() {
    return Map.copyOf(asked);
  }

  /** The answers this run had: earlier rounds' and this retry's. */
  Map<String, JsonObject> answers() {
    return answers;
  }

  synchronized boolean needsInput() {
    return !asked.isEmpty();
  }

  @Override
  public Future<JsonObject> createMessage(JsonObject params) {
    return createMessage(null, params);
  }

  @Override
  public synchronized Future<JsonObject> createMessage(String key, JsonObject params) {
    samplings++;
    if (!capabilities.sampling()) {
      return Future.failedFuture(new ClientCapabilityMissing("sampling"));
    }
    return ask(key != null ? key : "sampling-" + samplings, "sampling/createMessage", params);
  }

  @Override
  public Future<JsonObject> elicit(JsonObject params) {
    return elicit(null, params);
  }

  @Override
  public synchronized Future<JsonObject> elicit(String key, JsonObject params) {
    elicitations++;
    if (!capabilities.elicitationForm()) {
      return Future.failedFuture(new ClientCapabilityMissing("elicitation"));
    }
    Object mode = params.getValue("mode");
    if (mode != null && !"form".equals(mode)) {
      return Future.failedFuture(
          McpException.invalidParams("The client did not declare elicitation mode " + mode));
    }
    return ask(key != null ? key : "elicitation-" + elicitations, "elicitation/create", params);
  }

  @Override
  public Future<JsonObject> listRoots() {
    return listRoots(null);
  }

  @Override
  public synchronized Future<JsonObject> listRoots(String key) {
    rootLists++;
    if (!capabilities.roots()) {
      return Future.failedFuture(new ClientCapabilityMissing("roots"));
    }
    return ask(key != null ? key : "roots-" + rootLists, "roots/list", new JsonObject());
  }

  @Override
  public boolean supportsSampling() {
    return capabilities.sampling();
  }

  @Override
  public boolean supportsElicitation() {
    return capabilities.elicitationForm();
  }

  @Override
  public boolean supportsRoots() {
    return capabilities.roots();
  }

  private Future<JsonObject> ask(String key, String method, JsonObject params) {
    JsonObject answer = answers.get(key);
    if (answer != null && fits(method, answer)) {
      return Future.succeededFuture(answer);
    }
    // Missing, or not an answer to this request: ask again rather than fail (the spec's SHOULD).
    asked.put(key, new JsonObject().put("method", method).put("params", params));
    return Future.failedFuture(new ClientInputPending(method));
  }

  /** Whether {@code answer} has the shape of a result of {@code method}. */
  static boolean fits(String method, JsonObject answer) {
    return switch (method) {
      case "elicitation/create" ->
          answer.getValue("action") instanceof String action
              && (action.equals("accept") || action.equals("decline") || action.equals("cancel"))
              && (answer.getValue("content") == null
                  || answer.getValue("content") instanceof JsonObject);
      case "sampling/createMessage" -> answer.getValue("content") != null;
      case "roots/list" -> answer.getValue("roots") instanceof JsonArray;
      default -> false;
    };
  }
}
