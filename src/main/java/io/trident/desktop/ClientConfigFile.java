package io.trident.desktop;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A desktop client's JSON configuration file, into which one server entry is merged: every other
 * key keeps its value and its place, the old file is kept as a backup, and the new one replaces it
 * in one atomic rename. A file this code could not write back faithfully (comments, trailing
 * commas, not an object) is refused untouched.
 */
public final class ClientConfigFile {

  /** The entry as a snippet to paste: {@code {"<serversKey>": {"<name>": entry}}}. */
  public static String snippet(String serversKey, String name, ObjectNode entry) {
    ObjectNode snippet = STRICT.createObjectNode();
    snippet.putObject(serversKey).set(name, entry);
    return ClientJson.write(snippet);
  }

  /** What {@link #merge} did. */
  public record Written(Path file, Path backup, boolean replacedEntry) {}

  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          // 1.50 stays 1.50: numbers of other entries are written back as they were read.
          .nodeFactory(
              com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true))
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final ObjectMapper LENIENT =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA)
          .build();

  private static final DateTimeFormatter BACKUP_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private ClientConfigFile() {}

  /**
   * Puts {@code entry} under {@code serversKey.name}, creating the file (and its directory) when
   * there is none.
   *
   * @throws IllegalArgumentException naming the file when it cannot be merged safely
   */
  public static Written merge(Path file, String serversKey, String name, ObjectNode entry) {
    ObjectNode root;
    boolean exists = Files.exists(file);
    if (exists) {
      root = read(file);
    } else {
      root = STRICT.createObjectNode();
    }
    JsonNode servers = root.get(serversKey);
    if (servers != null && !servers.isObject()) {
      throw new IllegalArgumentException(
          file + ": \"" + serversKey + "\" is not an object; fix the file or merge by hand");
    }
    ObjectNode serversObject = servers == null ? root.putObject(serversKey) : (ObjectNode) servers;
    boolean replaced = serversObject.has(name);
    serversObject.set(name, entry);
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path backup = null;
      if (exists) {
        backup =
            file.resolveSibling(
                file.getFileName() + ".bak-" + LocalDateTime.now().format(BACKUP_STAMP));
        Files.copy(
            file, backup, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
      }
      Path fresh = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
      try {
        Files.writeString(fresh, ClientJson.write(root) + "\n", StandardCharsets.UTF_8);
        if (exists && Files.getFileStore(file).supportsFileAttributeView("posix")) {
          // The client's file may hold tokens for other servers: keep its permissions.
          Files.setPosixFilePermissions(fresh, Files.getPosixFilePermissions(file));
        }
        Files.move(
            fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(fresh);
      }
      return new Written(file, backup, replaced);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot write: " + e.getMessage());
    }
  }

  private static ObjectNode read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
    }
    if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      return STRICT.createObjectNode();
    }
    JsonNode root;
    try {
      root = STRICT.readTree(bytes);
    } catch (IOException strict) {
      if (parsesLeniently(bytes)) {
        throw new IllegalArgumentException(
            file
                + ": has comments or trailing commas, which writing it back would lose; add the"
                + " entry printed on stdout by hand");
      }
      throw new IllegalArgumentException(
          file
              + ": not valid JSON ("
              + firstLine(
                  strict instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                      ? jpe.getOriginalMessage() + " at line " + lineOf(jpe)
                      : strict.getMessage())
              + ")");
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException(file + ": the top level is not a JSON object");
    }
    return (ObjectNode) root;
  }

  private static boolean parsesLeniently(byte[] bytes) {
    try (JsonParser parser = LENIENT.createParser(bytes)) {
      return LENIENT.readTree(parser) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private static String lineOf(com.fasterxml.jackson.core.JsonProcessingException e) {
    return e.getLocation() == null ? "?" : String.valueOf(e.getLocation().getLineNr());
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
