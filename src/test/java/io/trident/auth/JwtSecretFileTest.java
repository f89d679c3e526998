package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT secret files: raw bytes as they are, text without its trailing newline. */
class JwtSecretFileTest {

  @TempDir Path dir;

  @Test
  void rawRandomBytesAreTheSecretByteForByte() throws Exception {
    byte[] random = new byte[48];
    new SecureRandom().nextBytes(random);
    random[0] = (byte) 0xff; // never valid UTF-8, as most random files are not
    random[47] = '\n'; // a final 0x0a of a binary secret is part of it
    Path file = Files.write(dir.resolve("secret.bin"), random);
    assertThat(JwtKeys.readSecret(file)).isEqualTo(random);
  }

  @Test
  void aTextSecretLosesItsTrailingNewline() throws Exception {
    String text = "a-text-secret-of-more-than-thirty-two-bytes";
    Path file = Files.writeString(dir.resolve("secret.txt"), text + "\n");
    assertThat(JwtKeys.readSecret(file)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aShortSecretIsRefusedNamingTheFile() throws Exception {
    Path file = Files.write(dir.resolve("short.bin"), new byte[] {(byte) 0xff, 1, 2});
    assertThatThrownBy(() -> JwtKeys.readSecret(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("32 bytes");
  }
}
