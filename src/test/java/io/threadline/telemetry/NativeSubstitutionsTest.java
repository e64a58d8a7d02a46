package io.threadline.telemetry;

import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.threadline.clients.ClassAbsent;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The native-image substitutions' conditions and bodies, as far as a JVM can run them: each applies only while
 * its library is absent from the class path (it is today: pom.xml excludes okhttp), and
 * the substituted X-Ray sampler fails with a message that says what to do. That native-image then leaves the
 * original code out is checked by infra/native/check (MissingClasses).
 */
class NativeSubstitutionsTest {

    @Test
    void aClassOnTheClassPathIsNotAbsent() {
        assertThat(new ClassAbsent("java.lang.String") { }.getAsBoolean()).isFalse();
    }


    @Test
    void appliesWhileOkHttpIsAbsent() {
        assertThat(new NativeSubstitutions.OkHttpAbsent().getAsBoolean()).isTrue();
    }

    @Test
    void theXraySamplerSubstituteRefusesWithAReason() {
        var provider = new NativeSubstitutions.Target_AwsXrayRemoteSamplerProvider();

        assertThatThrownBy(() -> provider.createSampler(DefaultConfigProperties.createFromMap(Map.of())))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("otel.traces.sampler=xray")
                .hasMessageContaining("okhttp");
    }
}
