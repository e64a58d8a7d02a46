package io.threadline.config;

import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreConfig;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.StepObserver;
import io.threadline.state.StateCodec;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;

/** Wires the core from configuration (the checkpoint store comes from {@code DynamoDbStoreProducer}). */
public class CoreProducers {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    RuntimeOptions runtimeOptions(ThreadlineConfig config, DynamoDbStoreConfig dynamoDb, Clock clock,
                                  StepObserver observer) {
        // Expiring checkpoints need a snapshot younger than their expiry: by default, half the TTL.
        Duration maxSnapshotAge = config.checkpoint().maxSnapshotAge().orElse(
                "dynamodb".equals(config.store()) ? dynamoDb.checkpointTtl().map(ttl -> ttl.dividedBy(2)).orElse(null) : null);
        return RuntimeOptions.defaults().withClock(clock)
                .withSnapshotPolicy(new SnapshotPolicy(config.checkpoint().snapshotRatio(), maxSnapshotAge,
                        config.checkpoint().snapshotReadBytes(), config.checkpoint().snapshotReadBytesPerDelta()))
                .withHeadCacheThreads(config.runtime().headCacheThreads())
                .withTrustHeadCache(config.runtime().trustHeadCache())
                .withErrorStackFrames(config.runtime().errorStackFrames())
                .withObserver(observer);
    }

    @Produces
    @Singleton
    StateCodec stateCodec() {
        return new StateCodec();
    }
}
