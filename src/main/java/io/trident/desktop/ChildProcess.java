package io.trident.desktop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived child process to completion with a given stdin, collecting both outputs. Used
 * by a command-line tool only (it blocks), never by the server.
 */
final class ChildProcess {

  record Outcome(int exitCode, String stdout, String stderr, Duration took) {}

  private ChildProcess() {}

  /**
   * @throws IllegalStateException when the process cannot start or outlives {@code timeout} (it is
   *     killed)
   */
  static Outcome run(List<String> command, byte[] stdin, Duration timeout) {
    long started = System.nanoTime();
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
    }
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    try (OutputStream in = process.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // The child may exit before reading everything; its exit code tells what happened.
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            command.get(0) + " did not finish within " + timeout.toSeconds() + " s");
      }
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      return new Outcome(process.exitValue(), out.join(), err.join(), took);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (stream) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                stream.transferTo(bytes);
                text.complete(bytes.toString(StandardCharsets.UTF_8));
              } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
              }
            },
            "child-output");
    reader.setDaemon(true);
    reader.start();
    return text;
  }
}
