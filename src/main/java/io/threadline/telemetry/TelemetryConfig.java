package io.threadline.telemetry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The {@code threadline.telemetry.*} keys (README.md, "Configuration"). */
@ConfigMapping(prefix = "threadline.telemetry")
public interface TelemetryConfig {

    /** Spans, metrics and log context for steps; off, the runtime observes nothing (no cost at all). */
    @WithDefault("true")
    boolean enabled();

    /**
     * How long an invocation waits, at its end, for its spans and metrics to reach the collector
     * (0 = don't wait; batches go out in the background). Lambda freezes the process after the answer,
     * so template.yaml sets a wait there.
     */
    @WithDefault("PT0S")
    Duration flushTimeout();

    Emf emf();

    interface Emf {
        /** Write one CloudWatch Embedded Metric Format line per step to stdout (Lambda: template.yaml sets it). */
        @WithDefault("false")
        boolean enabled();

        /** The CloudWatch metric namespace of the EMF lines. */
        @WithDefault("Threadline")
        String namespace();

        /** The value of the {@code Service} dimension. */
        @WithDefault("threadline")
        String service();
    }
}
