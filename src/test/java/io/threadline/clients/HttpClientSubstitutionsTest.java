package io.threadline.clients;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP clients' native-image substitution, as far as a JVM can run it: it applies while zstd-jni is absent
 * from the class path (it is today: pom.xml has no zstd-jni), and the substitute says zstd is unavailable. That
 * native-image then leaves httpclient5's zstd decoder out is checked by infra/native/check (MissingClasses).
 */
class HttpClientSubstitutionsTest {

    @Test
    void appliesWhileZstdIsAbsent() {
        assertThat(new HttpClientSubstitutions.ZstdAbsent().getAsBoolean()).isTrue();
    }

    @Test
    void theZstdSubstituteSaysAbsent() {
        assertThat(HttpClientSubstitutions.Target_ZstdRuntime.available()).isFalse();
    }
}
