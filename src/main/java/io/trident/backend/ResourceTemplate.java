package io.trident.backend;

import io.trident.model.ResourceTemplateInfo;
import java.util.Map;
import java.util.Objects;

/** A family of resources addressed by a URI template, with optional completion per variable. */
public record ResourceTemplate(
    ResourceTemplateInfo info,
    UriTemplate template,
    ResourceReader reader,
    Map<String, Completer> completers) {

  public ResourceTemplate {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(reader, "reader");
    completers = Map.copyOf(completers);
  }

  /**
   * @throws IllegalArgumentException when the URI template is not supported
   */
  public static ResourceTemplate of(
      ResourceTemplateInfo info, ResourceReader reader, Map<String, Completer> completers) {
    return new ResourceTemplate(info, UriTemplate.parse(info.uriTemplate()), reader, completers);
  }
}
