package io.trident.desktop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigFileTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final LaunchCommand LAUNCH =
      new LaunchCommand(
          "/opt/jdk/bin/java", List.of("-jar", "/opt/trident.jar", "--transport", "stdio"));

  @TempDir Path dir;

  private Path sample(String name) throws Exception {
    Path file = dir.resolve(name);
    Files.copy(Path.of("src/test/resources/desktop", name), file);
    return file;
  }

  @Test
  void replacesOurEntryInPlaceAndChangesNothingElseByte() throws Exception {
    Path file = sample("claude_desktop_config.json");
    byte[] before = Files.readAllBytes(file);

    ClientConfigFile.Written written =
        ClientConfigFile.merge(file, "mcpServers", "trident", DesktopClient.CLAUDE.entry(LAUNCH));

    assertThat(written.replacedEntry()).isTrue();
    assertThat(Files.readAllBytes(written.backup())).isEqualTo(before);
    // Same text as before, except the lines of our entry's value.
    List<String> oldLines = Files.readAllLines(written.backup());
    List<String> newLines = Files.readAllLines(file);
    List<String> expected = new ArrayList<>(oldLines);
    int start = oldLines.indexOf("    \"trident\": {");
    int end = oldLines.indexOf("    \"weather\": {");
    expected.subList(start, end).clear();
    expected.addAll(
        start,
        List.of(
            "    \"trident\": {",
            "      \"command\": \"/opt/jdk/bin/java\",",
            "      \"args\": [",
            "        \"-jar\",",
            "        \"/opt/trident.jar\",",
            "        \"--transport\",",
            "        \"stdio\"",
            "      ]",
            "    },"));
    assertThat(newLines).isEqualTo(expected);
  }

  @Test
  void vsCodeEntriesGoUnderServersWithTheirType() throws Exception {
    Path file = sample("vscode-mcp.json");

    ClientConfigFile.Written written =
        ClientConfigFile.merge(file, "servers", "trident", DesktopClient.VSCODE.entry(LAUNCH));

    assertThat(written.replacedEntry()).isFalse();
    JsonNode root = JSON.readTree(file.toFile());
    assertThat(root.path("inputs"))
        .isEqualTo(JSON.readTree(written.backup().toFile()).path("inputs"));
    assertThat(root.path("servers").path("github").path("url").asText())
        .isEqualTo("https://api.githubcopilot.com/mcp/");
    JsonNode ours = root.path("servers").path("trident");
    assertThat(ours.path("type").asText()).isEqualTo("stdio");
    assertThat(ours.path("command").asText()).isEqualTo("/opt/jdk/bin/java");
    assertThat(ours.path("args")).hasSize(4);
  }

  @Test
  void createsAMissingFileAndItsDirectory() throws Exception {
    Path file = dir.resolve("new/dir/mcp.json");

    ClientConfigFile.Written written =
        ClientConfigFile.merge(file, "mcpServers", "mine", DesktopClient.CURSOR.entry(LAUNCH));

    assertThat(written.backup()).isNull();
    JsonNode root = JSON.readTree(file.toFile());
    assertThat(root.fieldNames()).toIterable().containsExactly("mcpServers");
    assertThat(root.path("mcpServers").path("mine").path("command").asText())
        .isEqualTo("/opt/jdk/bin/java");
  }

  @Test
  void keepsThePermissionsOfTheClientsFile() throws Exception {
    Path file = sample("claude_desktop_config.json");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

    ClientConfigFile.merge(file, "mcpServers", "trident", DesktopClient.CLAUDE.entry(LAUNCH));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void refusesAFileWithCommentsAndLeavesItUntouched() throws Exception {
    Path file = sample("cursor-with-comments.json");
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(
            () ->
                ClientConfigFile.merge(file, "mcpServers", "t", DesktopClient.CURSOR.entry(LAUNCH)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file.toString())
        .hasMessageContaining("comments or trailing commas");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    try (var listing = Files.list(dir)) {
      assertThat(listing).containsExactly(file);
    }
  }

  @Test
  void refusesBrokenJsonNamingTheFileAndLine() throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{\n  \"mcpServers\": {\n    \"a\": \n}\n");

    assertThatThrownBy(
            () ->
                ClientConfigFile.merge(file, "mcpServers", "t", DesktopClient.CURSOR.entry(LAUNCH)))
        .hasMessageStartingWith(file + ": not valid JSON")
        .hasMessageContaining("line 4");
  }

  @Test
  void refusesATopLevelThatIsNotAnObjectOrServersThatAreNot() throws Exception {
    Path array = dir.resolve("array.json");
    Files.writeString(array, "[]");
    Path wrong = dir.resolve("wrong.json");
    Files.writeString(wrong, "{\"mcpServers\": []}");
    ObjectNode entry = DesktopClient.CURSOR.entry(LAUNCH);

    assertThatThrownBy(() -> ClientConfigFile.merge(array, "mcpServers", "t", entry))
        .hasMessage(array + ": the top level is not a JSON object");
    assertThatThrownBy(() -> ClientConfigFile.merge(wrong, "mcpServers", "t", entry))
        .hasMessageContaining("\"mcpServers\" is not an object");
  }

  @Test
  void anEmptyFileIsTreatedAsNoServersYet() throws Exception {
    Path file = dir.resolve("empty.json");
    Files.writeString(file, "\n");

    ClientConfigFile.merge(file, "mcpServers", "t", DesktopClient.CURSOR.entry(LAUNCH));

    assertThat(JSON.readTree(file.toFile()).path("mcpServers").has("t")).isTrue();
  }
}
