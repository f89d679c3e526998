package io.trident.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.MethodDescriptor;
import io.trident.backend.Backend;
import io.trident.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up checks of {@code upstreams:}, and the naming and schema rules of the tools. */
class UpstreamSettingsTest {

  private static List<UpstreamSettings> parse(String entry) {
    return UpstreamFixture.settings("upstreams:\n  - name: inv\n    descriptorSet: @DS@\n" + entry);
  }

  private static void refused(String entry, String message) {
    assertThatThrownBy(() -> parse(entry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Nested
  class Validation {
    @Test
    void plaintextToANonLoopbackTargetIsRefusedSayingWhy() {
      refused(
          "    target: upstream.invalid:50051\n    insecure: true\n",
          "upstreams[0].insecure: plaintext is allowed only to a loopback target");
      refused("    target: 10.0.0.1:50051\n    insecure: true\n", "is not one");
    }

    @Test
    void plaintextToLoopbackIsAllowedAndTlsIsTheDefault() {
      UpstreamSettings plain = parse("    target: 127.0.0.1:50051\n    insecure: true\n").get(0);
      assertThat(plain.insecure()).isTrue();
      assertThat(plain.tls()).isNull();
      UpstreamSettings remote = parse("    target: upstream.invalid:443\n").get(0);
      assertThat(remote.insecure()).isFalse();
      assertThat(remote.tls()).isNotNull();
      assertThat(remote.timeout()).isEqualTo(UpstreamSettings.DEFAULT_TIMEOUT);
    }

    @Test
    void everyBadKeyIsNamed() {
      refused("    insecure: true\n", "upstreams[0].target: required");
      refused("    target: nohost\n", "upstreams[0].target: expected host:port");
      refused("    target: a.invalid:99999\n", "upstreams[0].target: port must be 1-65535");
      refused(
          "    target: a.invalid:1\n    timeout: soon\n", "upstreams[0].timeout: not a duration");
      refused(
          "    target: a.invalid:1\n    forwardMetadata: [traceparent, Authorization]\n",
          "upstreams[0].forwardMetadata[1]: 'authorization' carries the caller's credential");
      refused("    target: a.invalid:1\n    forwardMetadata: [cookie]\n", "forwardMetadata[0]");
      refused(
          "    target: a.invalid:1\n    metadata: { grpc-timeout: '1S' }\n",
          "upstreams[0].metadata.grpc-timeout: 'grpc-timeout' is reserved");
      refused(
          "    target: a.invalid:1\n    callerIdentity: 'bad key'\n",
          "upstreams[0].callerIdentity: not a metadata key");
      refused(
          "    target: a.invalid:1\n    tls: { caFile: /nonexistent/ca.pem }\n",
          "upstreams[0].tls.caFile: cannot read");
      refused(
          "    target: a.invalid:1\n    reflection: true\n",
          "upstreams[0].reflection: set together with descriptorSet; choose one");
      assertThatThrownBy(
              () ->
                  UpstreamFixture.settings("upstreams:\n  - name: inv\n    target: a.invalid:1\n"))
          .hasMessageContaining("upstreams[0].descriptorSet: required");
      assertThat(
              UpstreamFixture.settings(
                      "upstreams:\n  - name: inv\n    target: a.invalid:1\n    reflection: true\n")
                  .get(0)
                  .reflection())
          .isTrue();
      refused(
          "    target: a.invalid:1\n    colour: blue\n", "unknown key 'colour' at upstreams[0]");
      refused(
          "    target: a.invalid:1\n    forwardMetadata: [x-sub]\n    callerIdentity: x-sub\n",
          "upstreams[0].callerIdentity: 'x-sub' is also in forwardMetadata");
      refused(
          "    target: a.invalid:1\n    forwardCallerToken: true\n"
              + "    metadata: { authorization: 'Bearer svc' }\n",
          "upstreams[0].forwardCallerToken: metadata.authorization is set too");
      assertThatThrownBy(
              () ->
                  UpstreamFixture.settings(
                      "upstreams:\n  - name: 9lives\n    target: a.invalid:1\n    descriptorSet: @DS@\n"))
          .hasMessageContaining("upstreams[0].name");
    }

    @Test
    void metadataValuesComeFromTheEnvironmentAndAreNeverPrinted() {
      UpstreamSettings s =
          parse(
                  "    target: a.invalid:1\n    metadata: { x-service-token: '${NO_SUCH_VAR_X:-s3cret}' }\n")
              .get(0);
      assertThat(s.metadata()).containsEntry("x-service-token", "s3cret");
      assertThat(new OutgoingMetadata(s).describe())
          .contains("x-service-token")
          .doesNotContain("s3cret");
    }

    @Test
    void aDescriptorSetThatCannotBeLoadedIsAStartUpError(@TempDir Path dir) throws Exception {
      Path junk = Files.writeString(dir.resolve("junk.binpb"), "not a descriptor set at all");
      Vertx vertx = Vertx.vertx();
      try {
        List<UpstreamSettings> s =
            UpstreamSettings.fromConfig(
                ConfigLoader.parse(
                        "upstreams:\n  - name: inv\n    target: a.invalid:1\n    descriptorSet: "
                            + junk
                            + "\n",
                        "test")
                    .upstreams());
        assertThatThrownBy(() -> new UpstreamTools(s).register(new Backend(), vertx))
            .hasMessageStartingWith("upstreams[0].descriptorSet: cannot load");
        refused(
            "    target: a.invalid:1\n    descriptorSet: " + dir.resolve("missing.binpb") + "\n",
            "cannot read");
      } finally {
        vertx.close();
      }
    }

    @Test
    void filtersAndOverridesThatNameNothingAreStartUpErrors() {
      Vertx vertx = Vertx.vertx();
      try {
        assertThatThrownBy(
                () ->
                    new UpstreamTools(parse("    target: a.invalid:1\n    services: [no.Such]\n"))
                        .register(new Backend(), vertx))
            .hasMessageContaining("upstreams[0].services[0]: no service no.Such");
        assertThatThrownBy(
                () ->
                    new UpstreamTools(
                            parse(
                                "    target: a.invalid:1\n    tools: { Nope: { description: x } }\n"))
                        .register(new Backend(), vertx))
            .hasMessageContaining("upstreams[0].tools.Nope");
      } finally {
        vertx.close();
      }
    }
  }

  @Nested
  class NamesAndSchemas {
    private Vertx vertx;

    @BeforeEach
    void vertx() {
      vertx = Vertx.vertx();
    }

    @AfterEach
    void close() {
      vertx.close();
    }

    @Test
    void longNamesAreCutWithAStableHash() {
      DescriptorPool pool = DescriptorPool.load(UpstreamFixture.descriptorSet());
      MethodDescriptor m = pool.services().get(0).getMethods().get(0);
      String long1 = ToolNames.assign("x".repeat(60), List.of(m)).get(m);
      String long2 = ToolNames.assign("x".repeat(60), List.of(m)).get(m);
      assertThat(long1).hasSize(ToolNames.MAX).isEqualTo(long2).matches("[A-Za-z0-9_-]+");
      assertThat(ToolNames.sanitize("a.b/c d")).isEqualTo("a_b_c_d");
    }

    @Test
    void schemasFollowTheJsonMapping() {
      Backend backend =
          UpstreamFixture.backend(
              vertx,
              "upstreams:\n  - name: inv\n    target: 127.0.0.1:1\n    insecure: true\n"
                  + "    descriptorSet: @DS@\n");
      JsonObject in = backend.tool("inv_Inventory_Echo").orElseThrow().info().inputSchema();
      JsonObject out = backend.tool("inv_Inventory_Echo").orElseThrow().info().outputSchema();
      JsonObject p = in.getJsonObject("properties");
      assertThat(in.getString("$schema")).isEqualTo("https://json-schema.org/draft/2020-12/schema");
      assertThat(p.getJsonObject("big").getValue("type").toString()).contains("string", "integer");
      assertThat(out.getJsonObject("properties").getJsonObject("big").getString("type"))
          .isEqualTo("string");
      assertThat(p.getJsonObject("shade").getJsonArray("enum").getList())
          .containsExactly("SHADE_UNSPECIFIED", "SHADE_DARK", "SHADE_LIGHT");
      assertThat(p.getJsonObject("createdAt").getString("format")).isEqualTo("date-time");
      assertThat(p.getJsonObject("ttl").getString("pattern")).isEqualTo(ProtoJsonSchema.DURATION);
      assertThat(p.getJsonObject("attributes").getString("type")).isEqualTo("object");
      assertThat(p.getJsonObject("stockBySite").getJsonObject("additionalProperties")).isNotNull();
      assertThat(p.getJsonObject("boxesById").getJsonObject("propertyNames")).isNotNull();
      assertThat(p.getJsonObject("maybeFlag").getValue("type").toString()).contains("null");
      assertThat(p.getJsonObject("extra").getJsonArray("required").getList()).contains("@type");
      // one real oneof (choice); the proto3 optional fields are plain properties
      assertThat(in.getJsonArray("allOf")).hasSize(1);
      assertThat(in.getJsonArray("allOf").encode())
          .contains("choiceText")
          .doesNotContain("nickname");
      assertThat(p.containsKey("nickname")).isTrue();
      assertThat(out.containsKey("required")).isFalse();
      // recursion is cut: Node inside Node inside Node ... ends in an open object
      String tree = p.getJsonObject("tree").encode();
      assertThat(tree).contains("nested too deep");
      // the mapping's field names are json_name (lowerCamelCase), not the proto names
      assertThat(p.fieldNames())
          .contains("unsignedBig", "stockBySite")
          .doesNotContain("unsigned_big");
      assertThat(in.getBoolean("additionalProperties")).isFalse();
    }
  }
}
