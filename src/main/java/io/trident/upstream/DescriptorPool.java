package io.trident.upstream;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One upstream's own descriptors, built from its descriptor set: a private pool, so that one
 * upstream's definitions can never shadow or poison another's (nor Trident's own). Keeps the proto
 * comments when the set carries source info, for tool and field descriptions.
 */
final class DescriptorPool {

  /** Larger descriptor sets are refused: a bound on what start-up parses and holds. */
  static final long MAX_BYTES = 64L * 1024 * 1024;

  private final List<FileDescriptor> files;
  private final JsonFormat.TypeRegistry types;
  private final Map<String, Map<List<Integer>, String>> comments = new HashMap<>();

  private DescriptorPool(List<FileDescriptor> files) {
    this.files = List.copyOf(files);
    JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
    for (FileDescriptor f : files) {
      registry.add(f.getMessageTypes());
      SourceCodeInfo info = f.toProto().getSourceCodeInfo();
      Map<List<Integer>, String> byPath = new HashMap<>();
      for (SourceCodeInfo.Location l : info.getLocationList()) {
        String text =
            l.getLeadingComments().isBlank() ? l.getTrailingComments() : l.getLeadingComments();
        if (!text.isBlank()) {
          byPath.put(List.copyOf(l.getPathList()), clean(text));
        }
      }
      comments.put(f.getName(), byPath);
    }
    this.types = registry.build();
  }

  /**
   * Reads a {@code protoc --include_imports --descriptor_set_out} file.
   *
   * @throws IllegalArgumentException saying what is wrong with the file (for the start-up error)
   */
  static DescriptorPool load(Path file) {
    FileDescriptorSet set;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes");
      }
      try (InputStream in = Files.newInputStream(file)) {
        set = FileDescriptorSet.parseFrom(in);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a FileDescriptorSet (" + e.getMessage() + ")");
    }
    return build(set.getFileList());
  }

  /** Builds the files in dependency order, whatever order they come in. */
  static DescriptorPool build(List<FileDescriptorProto> protos) {
    Map<String, FileDescriptorProto> byName = new LinkedHashMap<>();
    for (FileDescriptorProto p : protos) {
      if (byName.putIfAbsent(p.getName(), p) != null && !byName.get(p.getName()).equals(p)) {
        throw new IllegalArgumentException("two different files named " + p.getName());
      }
    }
    if (byName.isEmpty()) {
      throw new IllegalArgumentException("the descriptor set holds no files");
    }
    Map<String, FileDescriptor> built = new LinkedHashMap<>();
    for (String name : byName.keySet()) {
      buildFile(name, byName, built, new HashSet<>());
    }
    return new DescriptorPool(new ArrayList<>(built.values()));
  }

  private static FileDescriptor buildFile(
      String name,
      Map<String, FileDescriptorProto> byName,
      Map<String, FileDescriptor> built,
      Set<String> inProgress) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = byName.get(name);
    if (proto == null) {
      throw new IllegalArgumentException(
          "imported file " + name + " is missing (run protoc with --include_imports)");
    }
    if (!inProgress.add(name)) {
      throw new IllegalArgumentException("import cycle through " + name);
    }
    List<FileDescriptor> deps = new ArrayList<>();
    for (String dep : proto.getDependencyList()) {
      deps.add(buildFile(dep, byName, built, inProgress));
    }
    try {
      FileDescriptor fd = FileDescriptor.buildFrom(proto, deps.toArray(new FileDescriptor[0]));
      built.put(name, fd);
      return fd;
    } catch (DescriptorValidationException e) {
      throw new IllegalArgumentException("invalid file " + name + ": " + e.getMessage());
    } finally {
      inProgress.remove(name);
    }
  }

  List<ServiceDescriptor> services() {
    List<ServiceDescriptor> out = new ArrayList<>();
    files.forEach(f -> out.addAll(f.getServices()));
    return out;
  }

  /** Every message type, for {@code Any} in JSON. */
  JsonFormat.TypeRegistry typeRegistry() {
    return types;
  }

  /** The comment on a method, or null. */
  String comment(MethodDescriptor m) {
    return comment(m.getFile(), List.of(6, m.getService().getIndex(), 2, m.getIndex()));
  }

  /** The comment on a field, or null. */
  String comment(FieldDescriptor f) {
    if (f.isExtension()) {
      return null;
    }
    List<Integer> path = new ArrayList<>(messagePath(f.getContainingType()));
    path.add(2);
    path.add(f.getIndex());
    return comment(f.getFile(), path);
  }

  /** The comment on a message, or null. */
  String comment(Descriptor d) {
    return comment(d.getFile(), messagePath(d));
  }

  private String comment(FileDescriptor file, List<Integer> path) {
    Map<List<Integer>, String> byPath = comments.get(file.getName());
    return byPath == null ? null : byPath.get(path);
  }

  private static List<Integer> messagePath(Descriptor d) {
    List<Integer> path = new ArrayList<>();
    if (d.getContainingType() == null) {
      path.add(4);
      path.add(d.getIndex());
    } else {
      path.addAll(messagePath(d.getContainingType()));
      path.add(3);
      path.add(d.getIndex());
    }
    return path;
  }

  private static String clean(String comment) {
    StringBuilder out = new StringBuilder();
    for (String line : comment.strip().split("\n")) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(line.strip());
    }
    return out.toString();
  }
}
