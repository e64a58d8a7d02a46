package io.threadline.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The {@code threadline.*} keys of application.properties (documented in README.md). */
@ConfigMapping(prefix = "threadline")
public interface ThreadlineConfig {

    /** Where checkpoints live: {@code memory} (local runs, tests) or {@code dynamodb}. */
    @WithDefault("memory")
    String store();

    CheckpointConfig checkpoint();

    RuntimeConfig runtime();

    AgentsConfig agents();

    /** Which of the application's agents ({@code ThreadlineAgent} beans) this deployment serves. */
    interface AgentsConfig {
        /**
         * The agent a request that names none goes to. Unset: the only agent served, if there is exactly
         * one; with several, a request must name its agent.
         */
        @WithName("default")
        Optional<String> defaultAgent();

        /** Agents not served by this deployment (e.g. {@code reference}, the example agent). */
        Optional<List<String>> disabled();
    }

    interface CheckpointConfig {
        /** Write a snapshot when the deltas since the last one reach this multiple of its size. */
        @WithDefault("2.0")
        double snapshotRatio();

        /**
         * Write a snapshot when the latest is older than this. Unset: half of
         * {@code threadline.dynamodb.checkpoint-ttl} when checkpoints expire, else no limit.
         */
        Optional<Duration> maxSnapshotAge();

        /**
         * Write a snapshot when a cold read of the latest state (the snapshot and the delta checkpoints since it)
         * would fetch more than this many bytes, once the deltas hold at least the snapshot's size; 0: no bound.
         */
        @WithDefault("1000000")
        long snapshotReadBytes();

        /**
         * Bytes each delta checkpoint counts toward {@link #snapshotReadBytes} beyond its own, for the work a cold read
         * does per delta whatever its size; 0: bytes only.
         */
        @WithDefault("0")
        long snapshotReadBytesPerDelta();
    }

    interface RuntimeConfig {
        /** Threads whose latest decoded state each runtime keeps in memory; 0 turns the cache off. */
        @WithDefault("1024")
        int headCacheThreads();

        /** Commit warm steps on the cached head without reading the store's head first (one call a step). */
        @WithDefault("false")
        boolean trustHeadCache();

        /** Stack frames a FAILED checkpoint keeps of its error. */
        @WithDefault("40")
        int errorStackFrames();
    }
}
