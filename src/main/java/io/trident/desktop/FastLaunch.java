package io.trident.desktop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the fastest stdio launch a given JDK supports: on 25 and later an AOT cache (JEP 483/514:
 * classes loaded and linked ahead of time), before that a dynamic class-data archive (CDS). Each is
 * recorded by one short training run and then checked by a real start-up that must use it; when
 * either step fails the launch goes without it and says why.
 */
public final class FastLaunch {

  /** How the archive is recorded and used, by JDK release. */
  public enum ArchiveKind {
    /** JDK 25+: one training run writes the cache ({@code -XX:AOTCacheOutput}). */
    AOT_CACHE("aot"),
    /** JDK 24: record a configuration, then create the cache from it. */
    AOT_CACHE_TWO_STEP("aot"),
    /** JDK 13-23: dynamic CDS archive written at exit. */
    CDS("jsa");

    final String extension;

    ArchiveKind(String extension) {
      this.extension = extension;
    }

    static ArchiveKind forRelease(int feature) {
      return feature >= 25 ? AOT_CACHE : feature == 24 ? AOT_CACHE_TWO_STEP : CDS;
    }
  }

  /**
   * JVM flags of every generated launch. Logging to stderr only (stdout carries the protocol, and a
   * stale archive must not print a warning there); the serial collector and a bounded heap suit a
   * desktop subprocess: little memory, nothing to gain from a parallel collector. The JIT is left
   * alone: stopping at C1 saves a little start-up but costs most of the throughput.
   */
  public static final List<String> JVM_FLAGS =
      List.of("-Xlog:disable", "-Xlog:all=warning:stderr", "-XX:+UseSerialGC", "-Xmx256m");

  // One short session that loads what answering a client loads: handshake, lists, a tool call.
  private static final String TRAINING_SESSION =
      String.join(
          "\n",
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"train\",\"version\":\"1\"}}}",
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/list\"}",
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/list\"}",
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
              + "\"arguments\":{\"text\":\"warm\"}}}",
          "");

  private static final String CHECK_SESSION =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"check\",\"version\":\"1\"}}}\n";

  private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(2);

  /** The launch and what was done to make it fast. */
  public record Plan(LaunchCommand launch, Path archive, ArchiveKind kind, List<String> notes) {}

  private FastLaunch() {}

  /** The archive's default place: beside the jar, named for the JDK release that can map it. */
  public static Path defaultArchive(Path jar, JavaRuntime java) {
    String name = jar.getFileName().toString().replaceFirst("\\.jar$", "");
    return jar.resolveSibling(
        name + "-jdk" + java.feature() + "." + ArchiveKind.forRelease(java.feature()).extension);
  }

  /** The launch without an archive. */
  public static Plan plain(JavaRuntime java, Path jar, List<String> serverArgs) {
    return new Plan(
        launch(java, jar, List.of(), serverArgs), null, null, List.of("no archive (--no-archive)"));
  }

  /**
   * Records the archive (replacing an older one atomically, so that running servers keep mapping
   * theirs), checks that a start-up really uses it, and returns the launch.
   *
   * @param serverArgs arguments after {@code -jar trident.jar}, {@code --transport stdio} included
   */
  public static Plan prepare(JavaRuntime java, Path jar, Path archive, List<String> serverArgs) {
    ArchiveKind kind = ArchiveKind.forRelease(java.feature());
    List<String> notes = new ArrayList<>();
    Path fresh =
        archive.resolveSibling(archive.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    try {
      Files.createDirectories(archive.toAbsolutePath().getParent());
      record(java, jar, kind, fresh, serverArgs);
      Files.move(
          fresh, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | IllegalStateException e) {
      notes.add(
          "no archive: recording it failed (" + e.getMessage() + "); the launch works without");
      return new Plan(launch(java, jar, List.of(), serverArgs), null, null, notes);
    } finally {
      deleteQuietly(fresh);
      deleteQuietly(Path.of(fresh + ".conf"));
    }
    List<String> use = useFlags(kind, archive);
    ChildProcess.Outcome check =
        ChildProcess.run(
            command(java, jar, concat(use, List.of(strictFlag(kind))), serverArgs),
            CHECK_SESSION.getBytes(StandardCharsets.UTF_8),
            TRAINING_TIMEOUT);
    if (check.exitCode() != 0 || !check.stdout().contains("\"id\":1")) {
      notes.add(
          "no archive: the JVM could not use "
              + archive
              + " (exit "
              + check.exitCode()
              + "): "
              + firstLine(check.stderr()));
      return new Plan(launch(java, jar, List.of(), serverArgs), null, null, notes);
    }
    notes.add(
        (kind == ArchiveKind.CDS ? "class-data archive " : "AOT cache ")
            + archive
            + " (JDK "
            + java.feature()
            + "); a start-up using it answered initialize in "
            + check.took().toMillis()
            + " ms");
    return new Plan(launch(java, jar, use, serverArgs), archive, kind, notes);
  }

  private static void record(
      JavaRuntime java, Path jar, ArchiveKind kind, Path fresh, List<String> serverArgs) {
    byte[] session = TRAINING_SESSION.getBytes(StandardCharsets.UTF_8);
    switch (kind) {
      case AOT_CACHE ->
          train(java, jar, List.of("-XX:AOTCacheOutput=" + fresh), serverArgs, session);
      case CDS ->
          train(java, jar, List.of("-XX:ArchiveClassesAtExit=" + fresh), serverArgs, session);
      case AOT_CACHE_TWO_STEP -> {
        String conf = "-XX:AOTConfiguration=" + fresh + ".conf";
        train(java, jar, List.of("-XX:AOTMode=record", conf), serverArgs, session);
        train(
            java,
            jar,
            List.of("-XX:AOTMode=create", conf, "-XX:AOTCache=" + fresh),
            serverArgs,
            new byte[0]);
      }
    }
    if (!Files.isRegularFile(fresh)) {
      throw new IllegalStateException("the training run wrote no archive");
    }
  }

  private static void train(
      JavaRuntime java, Path jar, List<String> flags, List<String> serverArgs, byte[] session) {
    ChildProcess.Outcome out =
        ChildProcess.run(command(java, jar, flags, serverArgs), session, TRAINING_TIMEOUT);
    if (out.exitCode() != 0) {
      throw new IllegalStateException(
          "training run exited " + out.exitCode() + ": " + firstLine(out.stderr()));
    }
  }

  private static List<String> useFlags(ArchiveKind kind, Path archive) {
    return kind == ArchiveKind.CDS
        ? List.of("-XX:SharedArchiveFile=" + archive)
        : List.of("-XX:AOTCache=" + archive);
  }

  // Makes the check start-up fail, instead of silently starting slow, when the archive is unusable.
  private static String strictFlag(ArchiveKind kind) {
    return kind == ArchiveKind.CDS ? "-Xshare:on" : "-XX:AOTMode=on";
  }

  private static LaunchCommand launch(
      JavaRuntime java, Path jar, List<String> archiveFlags, List<String> serverArgs) {
    List<String> all = command(java, jar, archiveFlags, serverArgs);
    return new LaunchCommand(all.get(0), all.subList(1, all.size()));
  }

  private static List<String> command(
      JavaRuntime java, Path jar, List<String> extraFlags, List<String> serverArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java.executable().toString());
    cmd.addAll(JVM_FLAGS);
    cmd.addAll(extraFlags);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(serverArgs);
    return cmd;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static String firstLine(String text) {
    String trimmed = text.strip();
    int nl = trimmed.indexOf('\n');
    return nl < 0 ? trimmed : trimmed.substring(0, nl);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover temporary file is harmless; the outcome is reported either way.
    }
  }
}
