package io.threadline.examples.reference;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The reference agent's own settings: {@code threadline.reference-agent.*}. */
@ConfigMapping(prefix = "threadline.reference-agent")
public interface ReferenceAgentConfig {

    /** Ask a human to approve every tool call before it runs (the thread waits, INTERRUPTED, for a resume). */
    @WithDefault("false")
    boolean approveTools();
}
