package io.trident.desktop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Java launcher on this machine and the feature release it runs (17, 21, 25, ...). */
public record JavaRuntime(Path executable, int feature) {

  private static final Pattern SPEC_VERSION =
      Pattern.compile("java\\.specification\\.version = (\\d+)(?:\\.(\\d+))?");

  /** The launcher of the JVM running this code. */
  public static Path current() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /**
   * Asks the launcher which release it is.
   *
   * @throws IllegalArgumentException naming the path when it is not a runnable Java
   */
  public static JavaRuntime probe(Path executable) {
    if (!Files.isExecutable(executable)) {
      throw new IllegalArgumentException("--java: " + executable + " is not an executable file");
    }
    ChildProcess.Outcome out =
        ChildProcess.run(
            List.of(executable.toString(), "-XshowSettings:properties", "-version"),
            new byte[0],
            Duration.ofSeconds(30));
    Matcher m = SPEC_VERSION.matcher(out.stderr());
    if (out.exitCode() != 0 || !m.find()) {
      throw new IllegalArgumentException(
          "--java: " + executable + " did not report its version (exit " + out.exitCode() + ")");
    }
    // Java 8 and older report "1.8".
    int feature =
        m.group(1).equals("1") ? Integer.parseInt(m.group(2)) : Integer.parseInt(m.group(1));
    return new JavaRuntime(executable, feature);
  }
}
