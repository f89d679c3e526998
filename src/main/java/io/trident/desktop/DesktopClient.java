package io.trident.desktop;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The desktop MCP clients whose configuration files {@code desktop-config} knows: where each keeps
 * its file on each operating system, and the shape of a stdio server entry in it.
 */
public enum DesktopClient {
  CLAUDE("mcpServers"),
  CURSOR("mcpServers"),
  VSCODE("servers");

  private final String serversKey;

  DesktopClient(String serversKey) {
    this.serversKey = serversKey;
  }

  /** The top-level object of the file that holds the servers by name. */
  public String serversKey() {
    return serversKey;
  }

  /** The server entry for this client: VS Code wants the transport type spelled out. */
  public ObjectNode entry(LaunchCommand launch) {
    ObjectNode entry = JsonNodeFactory.instance.objectNode();
    if (this == VSCODE) {
      entry.put("type", "stdio");
    }
    entry.put("command", launch.command());
    launch.args().forEach(entry.putArray("args")::add);
    return entry;
  }

  /**
   * The user-level configuration file, as each client documents it.
   *
   * @param osName the {@code os.name} system property
   * @param home the user's home directory
   * @param env the environment ({@code APPDATA}, {@code XDG_CONFIG_HOME})
   */
  public Path defaultConfigFile(String osName, Path home, Map<String, String> env) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (this == CURSOR) {
      return home.resolve(".cursor").resolve("mcp.json");
    }
    Path appData;
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      appData = home.resolve("Library").resolve("Application Support");
    } else if (os.startsWith("windows")) {
      String roaming = env.get("APPDATA");
      appData =
          roaming != null && !roaming.isBlank()
              ? Path.of(roaming)
              : home.resolve("AppData").resolve("Roaming");
    } else {
      String xdg = env.get("XDG_CONFIG_HOME");
      appData = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config");
    }
    return this == CLAUDE
        ? appData.resolve("Claude").resolve("claude_desktop_config.json")
        : appData.resolve("Code").resolve("User").resolve("mcp.json");
  }
}
