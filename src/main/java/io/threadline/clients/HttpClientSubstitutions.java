package io.threadline.clients;

import com.oracle.svm.core.annotate.Substitute;
import com.oracle.svm.core.annotate.TargetClass;

/**
 * Native-image substitutions for the HTTP clients' code (issue 23): httpclient5, which OpenSearch's transport
 * sends with. native-image finds them by their {@code @TargetClass}; the JVM ignores them; each applies only while
 * its library is absent ({@code onlyWith}). {@code infra/native/check} (MissingClasses) reads them too.
 *
 * <p>Quarkus links everything at build time ({@code --link-at-build-time}), so a reachable method that names a
 * class missing from the class path stops the build.
 */
final class HttpClientSubstitutions {

    private HttpClientSubstitutions() {
    }

    /** zstd-jni, an optional dependency of httpclient5 (OpenSearch's transport) that we do not add. */
    public static final class ZstdAbsent extends ClassAbsent {
        public ZstdAbsent() {
            super("com.github.luben.zstd.ZstdDecompressCtx");
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
