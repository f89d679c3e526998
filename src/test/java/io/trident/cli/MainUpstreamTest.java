package io.trident.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A bad {@code upstreams:} entry stops start-up with exit 2 and a message naming the key. */
class MainUpstreamTest {

  @Test
  void plaintextToANonLoopbackUpstreamIsRefusedAtStartUp(@TempDir Path dir) throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("trident.yaml"),
            "upstreams:\n"
                + "  - name: inventory\n"
                + "    target: upstream.invalid:50051\n"
                + "    descriptorSet: "
                + io.trident.upstream.UpstreamFixture.descriptorSet()
                + "\n"
                + "    insecure: true\n");
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine(new Main(new ByteArrayOutputStream()));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("--config", config.toString(), "--transport", "stdio");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("upstreams[0].insecure: plaintext is allowed only to a loopback target")
        .contains("upstream.invalid");
  }
}
