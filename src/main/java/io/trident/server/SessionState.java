package io.trident.server;

import io.trident.model.ClientCapabilities;
import io.trident.model.Implementation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * What an initialized session is, apart from the work in progress: enough for another instance to
 * serve its next request (SPEC.md §5.7). Subscriptions travel separately, one entry each, so that
 * subscribing never rewrites the rest.
 *
 * @param version the negotiated protocol version
 * @param capabilities what the client declared
 * @param clientInfo the client's name and version
 * @param logLevel the level set by {@code logging/setLevel} (or the server's default)
 * @param subscriptions resource URIs the session subscribed to
 */
public record SessionState(
    ProtocolVersion version,
    ClientCapabilities capabilities,
    Implementation clientInfo,
    LogLevel logLevel,
    Set<String> subscriptions) {

  public SessionState {
    subscriptions = Set.copyOf(subscriptions);
  }

  /** Everything but the subscriptions, as one compact string. */
  public String encode() {
    return new JsonObject()
        .put("v", version.wire())
        .put(
            "c",
            new JsonArray()
                .add(capabilities.sampling())
                .add(capabilities.elicitationForm())
                .add(capabilities.roots())
                .add(capabilities.rootsListChanged()))
        .put("n", clientInfo.name())
        .put("cv", clientInfo.version())
        .put("l", logLevel.wire())
        .encode();
  }

  /**
   * The state {@link #encode()} wrote, with {@code subscriptions}.
   *
   * @throws IllegalArgumentException when {@code encoded} is not such a state
   */
  public static SessionState decode(String encoded, Set<String> subscriptions) {
    try {
      JsonObject json = new JsonObject(encoded);
      JsonArray c = json.getJsonArray("c");
      return new SessionState(
          ProtocolVersion.parse(json.getString("v")).orElseThrow(),
          new ClientCapabilities(
              c.getBoolean(0), c.getBoolean(1), c.getBoolean(2), c.getBoolean(3)),
          Implementation.of(json.getString("n"), json.getString("cv")),
          LogLevel.parse(json.getString("l")).orElseThrow(),
          subscriptions);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a session state: " + e.getMessage(), e);
    }
  }
}
