package io.threadline.config;

import io.quarkus.arc.DefaultBean;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.state.StateCodec;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/** Wires the core from configuration; adapters replace the default beans (e.g. the checkpoint store). */
public class CoreProducers {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    RuntimeOptions runtimeOptions(ThreadlineConfig config, Clock clock) {
        return RuntimeOptions.defaults().withClock(clock)
                .withSnapshotPolicy(new SnapshotPolicy(config.checkpoint().snapshotRatio()))
                .withHeadCacheThreads(config.runtime().headCacheThreads());
    }

    @Produces
    @Singleton
    StateCodec stateCodec() {
        return new StateCodec();
    }

    /** The in-memory store until a durable store is configured. */
    @Produces
    @Singleton
    @DefaultBean
    CheckpointStore inMemoryCheckpointStore() {
        return new InMemoryCheckpointStore();
    }
}
