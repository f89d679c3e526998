package io.trident.backend;

import io.trident.model.PromptInfo;
import java.util.Map;
import java.util.Objects;

/** A prompt: its listing, how to render it, and optional completion per argument. */
public record Prompt(PromptInfo info, PromptHandler handler, Map<String, Completer> completers) {

  public Prompt {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(handler, "handler");
    completers = Map.copyOf(completers);
    if (info.description() == null || info.description().isBlank()) {
      throw new IllegalArgumentException("prompt " + info.name() + " needs a description");
    }
  }

  public static Prompt of(PromptInfo info, PromptHandler handler) {
    return new Prompt(info, handler, Map.of());
  }

  public String name() {
    return info.name();
  }
}
