package io.trident.observe;

import io.trident.store.RedisConnector;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Whether this instance should get traffic (SPEC.md §12.3): its listeners are bound and not
 * draining, and what it depends on answers (Redis when configured, each upstream). {@code GET
 * /readyz} and the gRPC health service report the same {@link #check}.
 */
public final class Readiness {

  /** How long one dependency may take to answer before it counts as not ready. */
  static final long PROBE_TIMEOUT_MS = 1000;

  private record Check(String name, Supplier<Future<?>> probe) {}

  private final List<Check> checks = new CopyOnWriteArrayList<>();
  private volatile String listeners = "starting";

  private Readiness() {}

  /** Ready, with nothing to check: embedded servers and tests that set up no readiness. */
  public static Readiness create() {
    Readiness r = new Readiness();
    r.listeners = null;
    return r;
  }

  /** Not ready until {@link #listening()}: the process is still starting. */
  public static Readiness starting() {
    return new Readiness();
  }

  /** Every listener is bound. */
  public Readiness listening() {
    listeners = null;
    return this;
  }

  /** A shutdown began: load balancers should stop sending new work. */
  public Readiness draining() {
    listeners = "draining";
    return this;
  }

  /** Adds a dependency: ready while {@code probe} succeeds within {@link #PROBE_TIMEOUT_MS}. */
  public Readiness require(String name, Supplier<Future<?>> probe) {
    checks.add(new Check(name, probe));
    return this;
  }

  /** Redis answers {@code PING}. */
  public Readiness requireRedis(RedisConnector connector) {
    return require("redis", () -> connector.send(Request.cmd(Command.PING)));
  }

  /** The upstream accepts a TCP connection (one client for every probe). */
  public Readiness requireUpstream(Vertx vertx, String name, String host, int port) {
    NetClient client =
        vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) PROBE_TIMEOUT_MS));
    return require(
        "upstream:" + name, () -> client.connect(port, host).compose(socket -> socket.close()));
  }

  /** One verdict, with a line per check. */
  public record Report(boolean ready, Map<String, String> checks) {
    public JsonObject toJson() {
      JsonObject c = new JsonObject();
      checks.forEach(c::put);
      return new JsonObject().put("status", ready ? "ready" : "not ready").put("checks", c);
    }
  }

  /** Runs every check at once; never fails. */
  public Future<Report> check() {
    List<Future<String>> results = new ArrayList<>();
    for (Check check : checks) {
      Future<?> probe;
      try {
        probe = check.probe().get();
      } catch (RuntimeException e) {
        probe = Future.failedFuture(e);
      }
      results.add(
          probe
              .timeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
              .transform(
                  ar ->
                      Future.succeededFuture(
                          ar.succeeded() ? "ok" : "not ready: " + describe(ar.cause()))));
    }
    String listening = listeners;
    return Future.join(results)
        .transform(
            ignored -> {
              Map<String, String> out = new java.util.LinkedHashMap<>();
              out.put("listeners", listening == null ? "ok" : "not ready: " + listening);
              boolean ready = listening == null;
              for (int i = 0; i < checks.size() && i < results.size(); i++) {
                String verdict = results.get(i).result();
                out.put(checks.get(i).name(), verdict);
                ready &= "ok".equals(verdict);
              }
              return Future.succeededFuture(new Report(ready, out));
            });
  }

  /** A short, safe reason: the exception's class and message, never a credential. */
  private static String describe(Throwable cause) {
    if (cause instanceof java.util.concurrent.TimeoutException || cause == null) {
      return "no answer within " + PROBE_TIMEOUT_MS + " ms";
    }
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }
}
