package io.threadline.telemetry;

import com.oracle.svm.core.annotate.Substitute;
import com.oracle.svm.core.annotate.TargetClass;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.threadline.clients.ClassAbsent;

/**
 * Native-image substitutions that keep code of the telemetry's libraries out of the native analysis when the
 * classes it needs are left out of the build (issue 23; the HTTP clients' are in
 * {@code io.threadline.clients.HttpClientSubstitutions}). native-image finds them by their {@code @TargetClass};
 * the JVM ignores them. Each applies only while its library is absent ({@code onlyWith}), so adding that library
 * to pom.xml brings the original code back. {@code infra/native/check} (MissingClasses) reads them too.
 *
 * <p>Quarkus links everything at build time ({@code --link-at-build-time}) and initialises classes at build
 * time, so a reachable method that names a class missing from the class path stops the build.
 */
final class NativeSubstitutions {

    private NativeSubstitutions() {
    }

    /** okhttp, left out of opentelemetry-aws-xray in pom.xml: only its remote sampler uses it. */
    public static final class OkHttpAbsent extends ClassAbsent {
        public OkHttpAbsent() {
            super("okhttp3.OkHttpClient");
        }
    }

    /**
     * opentelemetry-aws-xray's remote sampler ({@code otel.traces.sampler=xray}), which Quarkus registers from its
     * service file: its builder reaches {@code XraySamplerClient} (initialised at build time, whose static
     * initialiser calls {@code okhttp3.MediaType}) and {@code new okhttp3.OkHttpClient}. Threadline samples
     * locally (parent-based, always on) and never selects it; selecting it now fails with this message.
     */
    @TargetClass(className = "io.opentelemetry.contrib.awsxray.AwsXrayRemoteSamplerProvider", onlyWith = OkHttpAbsent.class)
    static final class Target_AwsXrayRemoteSamplerProvider {
        @Substitute
        public Sampler createSampler(ConfigProperties config) {
            throw new UnsupportedOperationException("the X-Ray remote sampler (otel.traces.sampler=xray) needs okhttp, "
                    + "which this build leaves out (pom.xml); use a local sampler");
        }
    }
}
