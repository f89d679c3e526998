package io.trident.config;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileProps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Polls a few files' modification time and size (asynchronously, never blocking the event loop) and
 * reports when they changed and then held still for one more poll, so that a rotation writing a
 * certificate and then its key is seen once, complete. A file that vanishes counts as a change.
 */
public final class FileWatcher {

  private final Vertx vertx;
  private final List<String> files;
  private final Handler<Void> changed;
  private List<String> seen;
  private List<String> pending;
  private long timer = -1;

  private FileWatcher(Vertx vertx, List<String> files, Handler<Void> changed) {
    this.vertx = vertx;
    this.files = List.copyOf(files);
    this.changed = changed;
  }

  /**
   * Starts watching {@code files} every {@code interval}; {@code changed} runs on the caller's
   * context. Completes once the current state is known, so that only later changes are reported.
   */
  public static Future<FileWatcher> start(
      Vertx vertx, List<String> files, Duration interval, Handler<Void> changed) {
    FileWatcher watcher = new FileWatcher(vertx, files, changed);
    return watcher
        .stamps()
        .map(
            now -> {
              watcher.seen = now;
              watcher.timer = vertx.setPeriodic(interval.toMillis(), id -> watcher.poll());
              return watcher;
            });
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void poll() {
    stamps()
        .onSuccess(
            now -> {
              if (now.equals(seen)) {
                pending = null;
              } else if (now.equals(pending)) {
                seen = now;
                pending = null;
                changed.handle(null);
              } else {
                pending = now;
              }
            });
  }

  /** One "mtime:size" per file, or "missing". */
  private Future<List<String>> stamps() {
    List<Future<String>> each = new ArrayList<>();
    for (String file : files) {
      each.add(vertx.fileSystem().props(file).map(FileWatcher::stamp).otherwise(e -> "missing"));
    }
    return Future.all(each).map(all -> each.stream().map(Future::result).toList());
  }

  private static String stamp(FileProps props) {
    return props.lastModifiedTime() + ":" + props.size();
  }
}
