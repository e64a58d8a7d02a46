package io.threadline.checkpoint.dynamodb;

import io.quarkus.runtime.StartupEvent;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.crypto.DataKeyStore;
import io.threadline.checkpoint.crypto.InMemoryDataKeyStore;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

import java.time.Clock;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Provides the {@link CheckpointStore}, chosen at startup by {@code threadline.store}: {@code dynamodb}
 * for this package's store, {@code memory} for the in-memory one. The choice is made at run time,
 * not build time, because one packaged artifact runs in both modes (Lambda environment variables,
 * {@code infra/local/start}).
 *
 * <p>The DynamoDB client is built from the builder the Quarkus extension configures from
 * {@code quarkus.dynamodb.*} (region, endpoint, credentials, HTTP client and its connect/read timeouts),
 * adding the store's {@link DynamoDbCallLimits}: the SDK's standard retry mode with
 * {@code threadline.dynamodb.max-attempts}, the attempt and call timeouts on a timer executor of its own (shut
 * down with the client), and the cut at the invocation's deadline — a built client cannot take another retry policy
 * or interceptor. It is built only in {@code dynamodb} mode, so {@code memory} mode needs no AWS settings,
 * and it is this store's own: other users of {@code DynamoDbClient} keep the extension's client.
 */
@Singleton
public class DynamoDbStoreProducer {

    static final String MEMORY = "memory";
    static final String DYNAMODB = "dynamodb";

    private final String store;
    private final DynamoDbStoreConfig config;
    private final Instance<DynamoDbClientBuilder> builder;
    private final Clock clock;
    private StoreClient client;
    private InflateThreads inflate;

    /**
     * @param builder        the extension's client builder, resolved only in {@code dynamodb} mode
     * @param clientsMarker  never resolved: the extension creates its client (and builder) beans only
     *                       for applications with a {@code DynamoDbClient} injection point
     */
    DynamoDbStoreProducer(@ConfigProperty(name = "threadline.store", defaultValue = MEMORY) String store,
                          DynamoDbStoreConfig config, Instance<DynamoDbClientBuilder> builder,
                          Instance<DynamoDbClient> clientsMarker, Clock clock) {
        if (!MEMORY.equals(store) && !DYNAMODB.equals(store)) {
            throw new IllegalArgumentException("threadline.store must be '" + MEMORY + "' or '" + DYNAMODB + "', got '"
                    + store + "'");
        }
        this.store = store;
        this.config = config;
        this.builder = builder;
        this.clock = clock;
    }

    /**
     * The store {@code threadline.store} names, as it is: {@code io.threadline.config.CheckpointStores} produces the
     * application's {@link CheckpointStore} from it (encrypted when {@code threadline.encryption.keys} says so).
     */
    public CheckpointStore checkpointStore() {
        if (MEMORY.equals(store)) {
            return new InMemoryCheckpointStore();
        }
        return new DynamoDbCheckpointStore(client(), settings(config),
                new ThreadIndexSettings(config.threadIndexShards(), config.threadIndexGranularity(), config.threadListMaxExamined()),
                inflateThreads(), clock);
    }

    /**
     * Where threads' wrapped data keys are kept: the DynamoDB table {@code table} beside a DynamoDB store (created
     * like the checkpoint table when {@code threadline.dynamodb.create-table} is on: local runs), in memory beside
     * the in-memory store — the keys then live exactly as long as what they encrypt.
     */
    public DataKeyStore dataKeyStore(String table) {
        if (MEMORY.equals(store)) {
            return new InMemoryDataKeyStore();
        }
        if (config.createTable()) {
            // The checkpoint table's definition: its key schema is the data keys' (the index stays empty).
            DynamoDbTables.createIfMissing(client(), table);
        }
        return new DynamoDbDataKeyStore(client(), table);
    }

    /** Local runs only: a deployed table comes from infrastructure code, never from the application. */
    void createTableIfAsked(@Observes StartupEvent startup) {
        if (DYNAMODB.equals(store) && config.createTable()) {
            DynamoDbTables.createIfMissing(client(), config.table());
        }
    }

    /** The store's inflate helpers ({@code threadline.dynamodb.inflate-threads}), this producer's to close. */
    private synchronized InflateThreads inflateThreads() {
        if (inflate == null) {
            inflate = InflateThreads.of(config.inflateThreads());
        }
        return inflate;
    }

    private synchronized DynamoDbClient client() {
        if (client == null) {
            client = StoreClient.build(builder.get(), DynamoDbCallLimits.of(config), config.timerThreads(), config.sdkSpans(), clock);
        }
        return client.client();
    }

    /**
     * The store's DynamoDB client and the executor of its timers ({@link DynamoDbCallLimits#timers(int)}), closed
     * together: the SDK does not shut down an executor it was given.
     */
    record StoreClient(DynamoDbClient client, ScheduledThreadPoolExecutor timers) implements AutoCloseable {

        /**
         * A client from the extension's {@code shared} builder with {@code limits} on timers of its own. The extension
         * shares one builder: its configuration is put back, so the extension's own client (if anything else injects
         * one) keeps the retry policy it was configured with.
         */
        static StoreClient build(DynamoDbClientBuilder shared, DynamoDbCallLimits limits, int timerThreads, boolean sdkSpans,
                                 Clock clock) {
            return build(shared, limits, limits.timers(timerThreads), sdkSpans, clock);
        }

        /** {@link #build(DynamoDbClientBuilder, DynamoDbCallLimits, int, boolean, Clock)} on {@code timers}, which it owns. */
        static StoreClient build(DynamoDbClientBuilder shared, DynamoDbCallLimits limits, ScheduledThreadPoolExecutor timers,
                                 boolean sdkSpans, Clock clock) {
            ClientOverrideConfiguration original = shared.overrideConfiguration();
            try {
                ClientOverrideConfiguration base = sdkSpans ? original : withoutSdkSpans(original);
                // The endpoint rules' answers are kept (CachedEndpoints): the same answers, without evaluating the rule
                // set on every call. The builder has no getter to put its provider back; the extension sets none, and
                // a client it builds later gets the same answers either way.
                return new StoreClient(shared.overrideConfiguration(limits.applyTo(base, clock, timers))
                        .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), timers);
            } catch (RuntimeException | Error e) {
                timers.shutdownNow();
                throw e;
            } finally {
                shared.overrideConfiguration(original);
            }
        }

        /** Closes the client, then drops its pending timers and ends their threads. */
        @Override
        public void close() {
            try {
                client.close();
            } finally {
                timers.shutdownNow();
            }
        }
    }

    /** Package of the AWS SDK's OpenTelemetry instrumentation (its {@code TracingExecutionInterceptor}). */
    static final String SDK_INSTRUMENTATION = "io.opentelemetry.instrumentation.awssdk.";

    /**
     * {@code base} without the SDK's OpenTelemetry interceptor, which the extension adds to the shared builder when
     * {@code quarkus.dynamodb.telemetry.enabled}: the store's calls are traced by Threadline's own spans
     * ({@code threadline.dynamodb.sdk-spans}).
     */
    static ClientOverrideConfiguration withoutSdkSpans(ClientOverrideConfiguration base) {
        return base.toBuilder().executionInterceptors(base.executionInterceptors().stream()
                .filter(i -> !i.getClass().getName().startsWith(SDK_INSTRUMENTATION)).toList()).build();
    }

    /**
     * Closes the store client and its timer executor, and the inflate helpers, on shutdown. {@code client} is kept: a call after this (none is
     * expected once the container is being destroyed) fails on the closed client (IllegalStateException) or the shut
     * down executor (RejectedExecutionException) instead of silently building a new client nothing would close.
     */
    @PreDestroy
    synchronized void close() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (inflate != null) {
                inflate.close(); // reads still in flight inflate their members on the caller
            }
        }
    }

    static DynamoDbStoreSettings settings(DynamoDbStoreConfig config) {
        return new DynamoDbStoreSettings(config.table(), config.compressAboveBytes(), config.maxItemBytes(),
                config.maxCheckpointBytes(), config.checkpointTtl().orElse(null), config.idempotencyTtl(),
                Compression.of(config.compression()), config.zstdAboveBytes(), config.deltasPerPack());
    }

    /** The SDK's standard mode (throttling, 5xx and I/O errors, jittered backoff), {@code maxAttempts} attempts in all. */
    static RetryStrategy standardRetry(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("threadline.dynamodb.max-attempts must be at least 1, got " + maxAttempts);
        }
        return AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build();
    }
}
