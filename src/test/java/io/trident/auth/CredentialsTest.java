package io.trident.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CredentialsTest {

  @Test
  void bearerSchemeIsCaseInsensitive() {
    assertThat(Credentials.fromAuthorizationHeader("Bearer abc")).isEqualTo("abc");
    assertThat(Credentials.fromAuthorizationHeader("bearer abc")).isEqualTo("abc");
    assertThat(Credentials.fromAuthorizationHeader("BEARER  abc ")).isEqualTo("abc");
  }

  @Test
  void absentHeaderIsNoCredentialButOtherSchemesAreMalformed() {
    assertThat(Credentials.fromAuthorizationHeader(null)).isNull();
    assertThat(Credentials.fromAuthorizationHeader("Basic dXNlcjpwdw==")).isEmpty();
    assertThat(Credentials.fromAuthorizationHeader("Bearer")).isEmpty();
    assertThat(Credentials.fromAuthorizationHeader("Bearer ")).isEmpty();
    assertThat(Credentials.fromAuthorizationHeader("Bearer a b")).isEmpty();
    assertThat(Credentials.fromAuthorizationHeader("abc")).isEmpty();
  }

  @Test
  void emptyMeansNothingPresented() {
    assertThat(Credentials.none().isEmpty()).isTrue();
    assertThat(Credentials.of(null, null, java.util.List.of()).isEmpty()).isTrue();
    assertThat(Credentials.of("Basic x", null, null).isEmpty()).isFalse();
  }
}
