package io.threadline.config;

import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.state.StateCodec;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/** Wires the core from configuration (the checkpoint store comes from {@code DynamoDbStoreProducer}). */
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
                .withHeadCacheThreads(config.runtime().headCacheThreads())
                .withTrustHeadCache(config.runtime().trustHeadCache());
    }

    @Produces
    @Singleton
    StateCodec stateCodec() {
        return new StateCodec();
    }
}
