package io.trident.cli;

import io.trident.config.ConfigLoader;
import io.trident.config.Durations;
import io.trident.config.TridentConfig;
import io.trident.store.RedisConnector;
import io.trident.store.RedisRevocationStore;
import io.trident.store.RedisSettings;
import io.trident.store.Revocation;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code trident revoke}: writes a revocation to Redis and publishes it, so that every instance
 * sharing that Redis ends the affected streams at once and refuses the credential from then on.
 * Prints one JSON line to stdout: what was revoked and how many instances heard it.
 */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Revokes a token (by jti) or every token of a subject issued before a time, on every"
            + " instance sharing the Redis.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:revoked and published",
      "1:Redis could not be reached or refused",
      "2:bad flags or configuration"
    })
final class RevokeCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  static final class Target {
    @Option(names = "--jti", paramLabel = "ID", description = "the token id to revoke")
    String jti;

    @Option(
        names = "--sub",
        paramLabel = "SUBJECT",
        description = "revoke every token of this subject issued before --before")
    String subject;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  @Option(
      names = "--before",
      paramLabel = "RFC3339",
      description = "with --sub: tokens issued before this instant (default: now)")
  String before;

  @Option(
      names = "--redis",
      paramLabel = "URL",
      description = "the Redis the instances share (default: redis.url of --config)")
  String redisUrl;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "configuration file for redis.* and revocation.tokenLifetime")
  Path config;

  @Option(
      names = "--keep",
      paramLabel = "DURATION",
      description = "how long the revocation is kept (default: revocation.tokenLifetime, 24h)")
  String keep;

  @Override
  public Integer call() {
    TridentConfig cfg = loadConfig();
    RedisSettings redis;
    Duration keepFor;
    long beforeMillis;
    try {
      redis = (redisUrl != null ? cfg.redis().withUrl(redisUrl) : cfg.redis()).complete();
      keepFor = keep != null ? Durations.parse(keep) : cfg.revocation().tokenLifetimeDuration();
      beforeMillis = before == null ? System.currentTimeMillis() : instant(before);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (redis.timeoutDuration().toMillis() < 5_000) {
      // A cold JVM's first round trips are slow; an operator's command can afford to wait.
      redis = redis.withTimeout("5s");
    }
    if (!redis.configured()) {
      throw new ParameterException(spec.commandLine(), "--redis URL (or redis.url) is required");
    }
    if (before != null && target.subject == null) {
      throw new ParameterException(spec.commandLine(), "--before goes with --sub");
    }
    Revocation revocation;
    try {
      revocation =
          target.jti != null
              ? Revocation.token(target.jti)
              : Revocation.subject(target.subject, beforeMillis);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Vertx vertx = Vertx.vertx();
    try {
      RedisConnector connector = RedisConnector.create(vertx, redis);
      long wait = redis.timeoutDuration().toMillis() * 3 + 1000;
      // Connect (and authenticate) first, so that sentAtMillis is when the revocation left.
      connector
          .batch(java.util.List.of(Request.cmd(io.vertx.redis.client.Command.PING)))
          .toCompletionStage()
          .toCompletableFuture()
          .get(wait, TimeUnit.MILLISECONDS);
      long sentAt = System.currentTimeMillis();
      long heard =
          RedisRevocationStore.publish(connector, revocation, keepFor)
              .toCompletionStage()
              .toCompletableFuture()
              .get(wait, TimeUnit.MILLISECONDS);
      spec.commandLine()
          .getOut()
          .println(
              new JsonObject()
                  .put("revoked", revocation.toJson())
                  .put("instances", heard)
                  .put("sentAtMillis", sentAt)
                  .put("publishedAtMillis", System.currentTimeMillis())
                  .encode());
      spec.commandLine().getOut().flush();
      return 0;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println(
          "revoke: Redis " + redis.safeUrl() + " did not take the revocation: " + cause);
      return 1;
    } finally {
      vertx.close();
    }
  }

  private TridentConfig loadConfig() {
    if (config == null) {
      return TridentConfig.defaults();
    }
    if (!Files.isRegularFile(config)) {
      throw new ParameterException(spec.commandLine(), "config file not found: " + config);
    }
    try {
      return ConfigLoader.load(config);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static long instant(String text) {
    try {
      return OffsetDateTime.parse(text).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--before is not an RFC 3339 instant: " + text);
    }
  }
}
