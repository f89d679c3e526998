package io.trident.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilesTest {

  @TempDir Path dir;

  @Test
  void aSecretOthersCanReadIsWarnedAbout() throws Exception {
    Path file = Files.writeString(dir.resolve("secret"), "x");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(SecretFiles.exposure("auth.jwt.secretFile", file.toString()))
        .hasValueSatisfying(
            w ->
                assertThat(w)
                    .contains("auth.jwt.secretFile")
                    .contains(file.toString())
                    .contains("rw-r--r--")
                    .contains("chmod 600"));
  }

  @Test
  void aSecretOnlyItsOwnerReadsIsNot() throws Exception {
    Path file = Files.writeString(dir.resolve("secret"), "x");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThat(SecretFiles.exposure("auth.jwt.secretFile", file.toString())).isEmpty();
  }

  @Test
  void missingAndDirectoryPathsAreNamed() {
    assertThatThrownBy(() -> SecretFiles.checkReadable("k.file", dir.resolve("x").toString()))
        .hasMessageContaining("k.file: file not found");
    assertThatThrownBy(() -> SecretFiles.checkReadable("k.file", dir.toString()))
        .hasMessageContaining("is a directory");
  }
}
