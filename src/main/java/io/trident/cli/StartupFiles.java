package io.trident.cli;

import io.trident.auth.AuthSettings;
import io.trident.config.SecretFiles;
import io.trident.store.RedisSettings;
import io.trident.transport.grpc.GrpcTransportOptions;
import io.trident.transport.http.HttpTransportOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Every file the server will read, checked before anything starts, so that a wrong path is one line
 * naming its key rather than a failure deep in start-up; and the secret files among them that other
 * users can read, as warnings.
 */
final class StartupFiles {

  private StartupFiles() {}

  /**
   * @return warnings about secret files readable by other users
   * @throws IllegalArgumentException for the first file that is missing or unreadable
   */
  static List<String> check(
      AuthSettings auth,
      HttpTransportOptions http,
      GrpcTransportOptions grpc,
      RedisSettings redis) {
    List<String> warnings = new ArrayList<>();
    AuthSettings.Jwt jwt = auth.jwt();
    if (jwt.secretFile() != null) {
      secret("auth.jwt.secretFile", jwt.secretFile(), warnings);
    }
    for (int i = 0; i < jwt.publicKeyFiles().size(); i++) {
      SecretFiles.checkReadable("auth.jwt.publicKeyFiles[" + i + "]", jwt.publicKeyFiles().get(i));
    }
    if (jwt.jwksFile() != null) {
      SecretFiles.checkReadable("auth.jwt.jwksFile", jwt.jwksFile());
    }
    if (auth.apiKeys().configured()) {
      secret("auth.apiKeys.file", auth.apiKeys().file(), warnings);
    }
    // Certificates and CAs are checked by ServerTls; only the keys are secrets.
    if (http != null && http.tls()) {
      secret("http.tlsKey", http.tlsKeyPath(), warnings);
    }
    if (grpc != null
        && grpc.tls()
        && (http == null || !grpc.tlsKeyPath().equals(http.tlsKeyPath()))) {
      secret("grpc.tlsKey", grpc.tlsKeyPath(), warnings);
    }
    if (redis.configured() && redis.passwordFile() != null) {
      secret("redis.passwordFile", redis.passwordFile(), warnings);
    }
    return warnings;
  }

  private static void secret(String key, String path, List<String> warnings) {
    SecretFiles.checkReadable(key, path);
    SecretFiles.exposure(key, path).ifPresent(warnings::add);
  }
}
