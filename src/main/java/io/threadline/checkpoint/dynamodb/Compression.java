package io.threadline.checkpoint.dynamodb;

import java.util.Locale;

/**
 * How the store compresses a checkpoint's envelope (or a large pending effect) that is worth compressing
 * ({@code threadline.dynamodb.compression}). Only the writer chooses: a read tells the codec from the stored bytes'
 * magic, so a thread whose older items are gzip and newer ones zstd (or the reverse) reads as one, whichever is
 * configured now. A version before zstd was added reads gzip only (README, Configuration: how to switch).
 */
public enum Compression {

    /** RFC 1952 gzip through the JDK's zlib, as every version of the store writes and reads it; the default. */
    GZIP,

    /**
     * Zstandard (RFC 8878) in pure Java (aircompressor): on W1's 0.9 MB state about 1.7× faster to read and 1.6× to
     * write than gzip once the JIT has compiled it, and ~3% smaller; far slower in a JVM's first reads (bench/README.md).
     */
    ZSTD;

    /** The value of {@code threadline.dynamodb.compression}: {@code gzip} or {@code zstd}, in any case. */
    public static Compression of(String name) {
        for (Compression c : values()) {
            if (c.name().equalsIgnoreCase(name.strip())) {
                return c;
            }
        }
        throw new IllegalArgumentException("threadline.dynamodb.compression must be 'gzip' or 'zstd', got '" + name + "'");
    }

    /** The configuration value that names it. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
