package io.trident.audit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the audit reads from the process rather than the configuration.
 *
 * @param user the user name
 * @param uid the numeric user id, or -1 when it cannot be read
 * @param auditLogTarget {@code TRIDENT_AUDIT_LOG} (null: stderr, {@code off}, or a file)
 */
public record ProcessFacts(String user, long uid, String auditLogTarget) {

  /** This process. */
  public static ProcessFacts current() {
    long uid;
    try {
      // The owner of /proc/self is the process's user on Linux.
      uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    } catch (Exception e) {
      uid = -1;
    }
    return new ProcessFacts(
        System.getProperty("user.name", "?"), uid, System.getenv("TRIDENT_AUDIT_LOG"));
  }

  boolean root() {
    return uid == 0 || (uid < 0 && "root".equals(user));
  }
}
