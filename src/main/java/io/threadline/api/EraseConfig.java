package io.threadline.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** The {@code threadline.erase.*} keys (README "Erasing a data subject"). */
@ConfigMapping(prefix = "threadline.erase")
public interface EraseConfig {

    /**
     * The HMAC-SHA256 key (base64, at least 32 bytes) that signs erasure reports; a secret. Without it {@code erase}
     * answers MISCONFIGURED and erases nothing.
     */
    Optional<String> reportKey();

    /** Threads read per listing page while erasing. */
    @WithDefault("50")
    int pageSize();

    /** Threads one {@code erase} call deletes at most; a call that stops there answers {@code complete: false}. */
    @WithDefault("200")
    int maxThreadsPerCall();

    /**
     * Whether each {@code erase} call also reads the tenant's whole thread index for deletes cut by releases before
     * the delete markers (tombstones with no {@code DEL#<tenant>} marker), which the marker read alone would miss. On
     * by default for this release; README says when to turn it off.
     */
    @WithDefault("true")
    boolean legacyTombstoneScan();
}
