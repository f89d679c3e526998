package io.trident.context;

/**
 * Where a request reports how far it has got. Reports after the request ended, or that do not
 * increase, are dropped: the spec requires strictly increasing progress and silence after the end.
 */
@FunctionalInterface
public interface ProgressSink {

  ProgressSink NONE = (progress, total, message) -> {};

  /**
   * @param progress work done so far
   * @param total total work, or null when unknown
   * @param message human readable status, or null
   */
  void report(double progress, Double total, String message);
}
