package io.threadline.telemetry;

import com.oracle.svm.core.annotate.Substitute;
import com.oracle.svm.core.annotate.TargetClass;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.trace.samplers.Sampler;

import java.util.function.BooleanSupplier;

/**
 * Native-image substitutions that keep code of our libraries out of the native analysis when the classes it
 * needs are left out of the build (issue 23). native-image finds them by their {@code @TargetClass}; the JVM
 * ignores them. Each applies only while its library is absent ({@code onlyWith}), so adding that library to
 * pom.xml brings the original code back. {@code infra/native/check} (MissingClasses) reads them too.
 *
 * <p>Quarkus links everything at build time ({@code --link-at-build-time}) and initialises classes at build
 * time, so a reachable method that names a class missing from the class path stops the build.
 */
final class NativeSubstitutions {

    private NativeSubstitutions() {
    }

    /** True while a class is not on the class path (the image's, when native-image evaluates it). */
    abstract static class Absent implements BooleanSupplier {
        private final String className;

        Absent(String className) {
            this.className = className;
        }

        @Override
        public boolean getAsBoolean() {
            try {
                Class.forName(className, false, NativeSubstitutions.class.getClassLoader());
                return false;
            } catch (ClassNotFoundException | LinkageError e) {
                return true;
            }
        }
    }

    /** okhttp, left out of opentelemetry-aws-xray in pom.xml: only its remote sampler uses it. */
    public static final class OkHttpAbsent extends Absent {
        public OkHttpAbsent() {
            super("okhttp3.OkHttpClient");
        }
    }

    /** zstd-jni, an optional dependency of httpclient5 (OpenSearch's transport) that we do not add. */
    public static final class ZstdAbsent extends Absent {
        public ZstdAbsent() {
            super("com.github.luben.zstd.ZstdDecompressCtx");
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

    /**
     * httpclient5's async client registers a zstd response decoder when {@code ZstdRuntime.available()} finds
     * zstd-jni by {@code Class.forName}, which the native analysis cannot fold: it parses the branch and meets
     * {@code InflatingZstdDataConsumer}, whose code names {@code com.github.luben.zstd.ZstdDecompressCtx}. A
     * constant {@code false} is inlined before analysis, so the branch is never parsed. OpenSearch answers
     * gzip or deflate only, and the client then asks for no zstd: the same behaviour as on the JVM without
     * zstd-jni.
     */
    @TargetClass(className = "org.apache.hc.client5.http.impl.ZstdRuntime", onlyWith = ZstdAbsent.class)
    static final class Target_ZstdRuntime {
        @Substitute
        public static boolean available() {
            return false;
        }
    }
}
