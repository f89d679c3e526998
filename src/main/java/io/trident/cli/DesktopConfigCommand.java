package io.trident.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trident.desktop.ClientConfigFile;
import io.trident.desktop.DesktopClient;
import io.trident.desktop.FastLaunch;
import io.trident.desktop.JavaRuntime;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code trident desktop-config}: prints the stdio server entry a desktop MCP client needs on this
 * machine, with absolute paths and the fastest launch the JDK supports (recording its class-data
 * archive or AOT cache on the way), and with {@code --write} merges it into the client's file.
 */
@Command(
    name = "desktop-config",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Prints the JSON entry that launches Trident over stdio from a desktop MCP client, with the"
          + " fastest start-up this JDK supports; --write merges it into the client's config file.",
      "Arguments after -- are passed to the server (relative --config paths are made absolute)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed (and written with --write)", "2:bad flags or an unmergeable file"})
final class DesktopConfigCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--client",
      paramLabel = "CLIENT",
      description = "claude, cursor or vscode (default: ${DEFAULT-VALUE})",
      defaultValue = "claude")
  DesktopClient client;

  @Option(
      names = "--write",
      description = "merge the entry into the client's file (after a backup)")
  boolean write;

  @Option(
      names = "--config-file",
      paramLabel = "FILE",
      description = "the client's file (default: where the client keeps it for this user)")
  Path clientFile;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "the server's name in the client (default: ${DEFAULT-VALUE})",
      defaultValue = "trident")
  String name;

  @Option(
      names = "--java",
      paramLabel = "PATH",
      description = "the java launcher the client runs (default: the one running this command)")
  Path java;

  @Option(
      names = "--jar",
      paramLabel = "PATH",
      description = "the Trident jar (default: the one running this command)")
  Path jar;

  @Option(
      names = "--archive",
      paramLabel = "FILE",
      description = "where the class-data archive or AOT cache goes (default: beside the jar)")
  Path archive;

  @Option(names = "--no-archive", description = "skip the archive: plain launch flags only")
  boolean noArchive;

  @Parameters(paramLabel = "SERVER_ARG", description = "arguments for the server, after --")
  List<String> serverArgs = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (name.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--name must not be empty");
    }
    Path jarFile = (jar != null ? jar : runningJar()).toAbsolutePath().normalize();
    if (!Files.isRegularFile(jarFile)) {
      throw new ParameterException(spec.commandLine(), "--jar: " + jarFile + " is not a file");
    }
    JavaRuntime runtime;
    try {
      runtime = JavaRuntime.probe((java != null ? java : JavaRuntime.current()).toAbsolutePath());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (runtime.feature() < 17) {
      throw new ParameterException(
          spec.commandLine(),
          "--java: "
              + runtime.executable()
              + " is Java "
              + runtime.feature()
              + "; Trident needs 17+");
    }
    List<String> args;
    try {
      args = stdioArgs(serverArgs);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    FastLaunch.Plan plan;
    if (noArchive) {
      plan = FastLaunch.plain(runtime, jarFile, args);
    } else {
      Path target =
          archive != null
              ? archive.toAbsolutePath().normalize()
              : FastLaunch.defaultArchive(jarFile, runtime);
      plan = FastLaunch.prepare(runtime, jarFile, target, args);
    }
    plan.notes().forEach(note -> err.println("desktop-config: " + note));
    ObjectNode entry = client.entry(plan.launch());
    if (write) {
      Path file =
          clientFile != null
              ? clientFile
              : client.defaultConfigFile(
                  System.getProperty("os.name"),
                  Path.of(System.getProperty("user.home")),
                  System.getenv());
      ClientConfigFile.Written written;
      try {
        written = ClientConfigFile.merge(file, client.serversKey(), name, entry);
      } catch (IllegalArgumentException e) {
        printSnippet(entry);
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      err.println(
          "desktop-config: "
              + (written.replacedEntry() ? "replaced \"" : "added \"")
              + name
              + "\" in "
              + written.file()
              + (written.backup() == null ? " (new file)" : "; the old file is " + written.backup())
              + ". Restart the client to pick it up.");
    }
    printSnippet(entry);
    return 0;
  }

  private void printSnippet(ObjectNode entry) {
    spec.commandLine().getOut().println(ClientConfigFile.snippet(client.serversKey(), name, entry));
    spec.commandLine().getOut().flush();
  }

  /**
   * The server's arguments as the client will pass them: stdio, and file paths absolute, since a
   * desktop client starts the process from a directory of its own choosing.
   */
  static List<String> stdioArgs(List<String> given) {
    List<String> args = new ArrayList<>();
    boolean hasConfig = false;
    for (int i = 0; i < given.size(); i++) {
      String arg = given.get(i);
      if (arg.equals("--transport") || arg.startsWith("--transport=")) {
        String value =
            arg.equals("--transport") && i + 1 < given.size() ? given.get(++i) : arg.substring(12);
        if (!value.equals("stdio")) {
          throw new IllegalArgumentException(
              "desktop clients launch --transport stdio, not " + value);
        }
        continue;
      }
      if (arg.equals("--config") && i + 1 < given.size()) {
        hasConfig = true;
        args.add(arg);
        args.add(Path.of(given.get(++i)).toAbsolutePath().normalize().toString());
        continue;
      }
      if (arg.startsWith("--config=")) {
        hasConfig = true;
        args.add("--config=" + Path.of(arg.substring(9)).toAbsolutePath().normalize());
        continue;
      }
      args.add(arg);
    }
    List<String> all = new ArrayList<>(List.of("--transport", "stdio"));
    if (!hasConfig && Files.isRegularFile(Main.DEFAULT_CONFIG)) {
      // The server run from here would read ./conf/trident.yaml: so must the one the client starts.
      all.add("--config");
      all.add(Main.DEFAULT_CONFIG.toAbsolutePath().normalize().toString());
    }
    all.addAll(args);
    return all;
  }

  private Path runningJar() {
    try {
      Path location =
          Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!location.toString().endsWith(".jar")) {
        throw new ParameterException(
            spec.commandLine(), "not running from a jar: give the jar with --jar PATH");
      }
      return location;
    } catch (URISyntaxException | SecurityException e) {
      throw new ParameterException(
          spec.commandLine(), "cannot tell which jar runs: use --jar PATH");
    }
  }
}
