package io.trident.transport.stdio;

import io.trident.backend.Backend;
import io.trident.backend.BackendProvider;
import io.trident.backend.Tool;
import io.trident.model.CallToolResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A user backend found through ServiceLoader on the test class path, whose tool misbehaves by
 * printing to System.out: the stdio protocol stream must stay clean anyway.
 */
public final class NoisyBackend implements BackendProvider {

  @Override
  public String name() {
    return "noisy";
  }

  @Override
  public void register(Backend backend, Vertx vertx) {
    System.out.println("noisy backend registering");
    backend.addTool(
        Tool.builder("shout")
            .description("prints to System.out, then answers")
            .handler(
                (args, ctx) -> {
                  System.out.println("I AM NOT JSON");
                  System.out.print("partial line without newline");
                  return Future.succeededFuture(CallToolResult.text("done"));
                })
            .build());
  }
}
