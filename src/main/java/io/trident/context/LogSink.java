package io.trident.context;

/**
 * Sends log messages to the client ({@code notifications/message}), filtered by the level the
 * client set. Never pass credentials or internal details: the client may show these to a user.
 */
@FunctionalInterface
public interface LogSink {

  LogSink NONE = (level, logger, data) -> {};

  /**
   * @param level an RFC 5424 level name: debug, info, notice, warning, error, critical, alert,
   *     emergency
   * @param logger optional logger name
   * @param data any JSON value (String, JsonObject, ...)
   */
  void log(String level, String logger, Object data);

  default void info(Object data) {
    log("info", null, data);
  }
}
