package io.trident.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Start-up checks of the files named in configuration: each missing, non-regular or unreadable file
 * is one error naming its key; a secret (JWT secret, API keys, TLS key, Redis password) that other
 * users can read is a warning.
 */
public final class SecretFiles {

  private SecretFiles() {}

  /**
   * Blocking (start-up only).
   *
   * @param key the config key the path came from, e.g. {@code auth.jwt.secretFile}
   * @throws IllegalArgumentException naming the key and the file
   */
  public static void checkReadable(String key, String path) {
    Path file = Path.of(path);
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(key + ": file not found: " + path);
    }
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(key + ": " + path + " is a directory, not a file");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(key + ": " + path + " is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(key + ": " + path + " cannot be read (permission denied)");
    }
  }

  /**
   * A warning when group or other users may read {@code path}; empty when only its owner can, or
   * where the file system has no POSIX permissions.
   */
  public static Optional<String> exposure(String key, String path) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(Path.of(path));
      boolean exposed =
          perms.contains(PosixFilePermission.GROUP_READ)
              || perms.contains(PosixFilePermission.OTHERS_READ);
      if (!exposed) {
        return Optional.empty();
      }
      return Optional.of(
          key
              + ": secret file "
              + path
              + " is readable by other users ("
              + PosixFilePermissions.toString(perms)
              + "); chmod 600 it");
    } catch (UnsupportedOperationException | IOException e) {
      return Optional.empty();
    }
  }
}
