package io.trident.desktop;

import java.util.List;

/** A process a desktop client spawns: the executable and its arguments, in order. */
public record LaunchCommand(String command, List<String> args) {

  public LaunchCommand {
    args = List.copyOf(args);
  }
}
