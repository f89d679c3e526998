package io.trident.model;

import java.util.Map;

/**
 * A {@code completion/complete} request.
 *
 * @param contextArguments values the user already gave for other arguments
 */
public record CompleteRequest(
    CompletionReference ref,
    String argumentName,
    String argumentValue,
    Map<String, String> contextArguments) {

  public CompleteRequest {
    contextArguments = Map.copyOf(contextArguments);
  }
}
