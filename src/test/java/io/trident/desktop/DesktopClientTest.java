package io.trident.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesktopClientTest {

  private static final Path HOME = Path.of("/home/ada");

  @Test
  void claudeDesktopKeepsItsFileInTheUsersAppDataOnEachSystem() {
    assertThat(DesktopClient.CLAUDE.defaultConfigFile("Linux", HOME, Map.of()))
        .isEqualTo(Path.of("/home/ada/.config/Claude/claude_desktop_config.json"));
    assertThat(
            DesktopClient.CLAUDE.defaultConfigFile(
                "Linux", HOME, Map.of("XDG_CONFIG_HOME", "/xdg")))
        .isEqualTo(Path.of("/xdg/Claude/claude_desktop_config.json"));
    assertThat(DesktopClient.CLAUDE.defaultConfigFile("Mac OS X", HOME, Map.of()))
        .isEqualTo(
            Path.of("/home/ada/Library/Application Support/Claude/claude_desktop_config.json"));
    assertThat(
            DesktopClient.CLAUDE.defaultConfigFile(
                "Windows 11", HOME, Map.of("APPDATA", "/roaming")))
        .isEqualTo(Path.of("/roaming/Claude/claude_desktop_config.json"));
  }

  @Test
  void vsCodeUsesItsUserDirectoryAndCursorItsHomeDirectory() {
    assertThat(DesktopClient.VSCODE.defaultConfigFile("Linux", HOME, Map.of()))
        .isEqualTo(Path.of("/home/ada/.config/Code/User/mcp.json"));
    assertThat(DesktopClient.VSCODE.defaultConfigFile("Mac OS X", HOME, Map.of()))
        .isEqualTo(Path.of("/home/ada/Library/Application Support/Code/User/mcp.json"));
    assertThat(DesktopClient.CURSOR.defaultConfigFile("Windows 10", HOME, Map.of()))
        .isEqualTo(Path.of("/home/ada/.cursor/mcp.json"));
  }
}
