package io.trident.backend;

import io.trident.model.ResourceInfo;
import java.util.Objects;

/** A concrete resource: its listing and how to read it. */
public record Resource(ResourceInfo info, ResourceReader reader, String requiredScope) {

  public Resource {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(reader, "reader");
    if (info.uri() == null || info.name() == null) {
      throw new IllegalArgumentException("a resource needs a uri and a name");
    }
  }

  public static Resource of(ResourceInfo info, ResourceReader reader) {
    return new Resource(info, reader, null);
  }

  public String uri() {
    return info.uri();
  }
}
