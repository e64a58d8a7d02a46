package io.threadline.bench;

import io.opentelemetry.instrumentation.awssdk.v2_2.AwsSdkTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.dynamodb.CachedEndpoints;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.DynamoDbCallLimits;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.state.StateCodec;
import io.threadline.telemetry.ThreadlineTelemetry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * {@code bench/run W1 dynamodb}: W1 on DynamoDB Local (a separate process on a free port), with
 * DynamoDB calls per step by kind and consumed capacity per step, counted by an SDK interceptor
 * that asks every read and write request the store sends for its consumed capacity.
 */
public final class W1DynamoDb {

    private W1DynamoDb() {
    }

    /**
     * Counts calls by operation and sums consumed read/write capacity. Every write the store can send is asked for its
     * capacity, not only the commit's TransactWriteItems: a packing commit (threadline.dynamodb.deltas-per-pack) also
     * writes its pack with a PutItem and deletes the packed items with BatchWriteItem, which a figure of transactions
     * alone would leave out.
     */
    static final class Counter implements ExecutionInterceptor, W1.Probe {
        private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
        private final DoubleAdder reads = new DoubleAdder();
        private final DoubleAdder writes = new DoubleAdder();
        private final LongAdder itemBytesRead = new LongAdder();
        private final LongAdder readRequests = new LongAdder();
        private final LongAdder itemsRead = new LongAdder();
        private final DoubleAdder tableWrites = new DoubleAdder();
        private final DoubleAdder indexWrites = new DoubleAdder();
        /** Write units of the writes outside a commit's transaction: a pack's PutItem, its deletes' BatchWriteItem. */
        private final DoubleAdder putItemWrites = new DoubleAdder();
        private final DoubleAdder batchWrites = new DoubleAdder();
        /** Write requests other than TransactWriteItems, never reset (callers take differences). */
        private final LongAdder writesBeside = new LongAdder();
        /** While non-null, every Query request sent (as sent, with the counter's change) is added here. */
        private volatile List<QueryRequest> recording;

        /** While non-null, every Query's HTTP request as sent (signed, with its body) is added here. */
        private volatile List<SingleItemRead.RawRequest> recordingHttp;

        /** Runs {@code read} and returns the HTTP requests of its Query calls as sent, to be replayed without the SDK. */
        List<SingleItemRead.RawRequest> httpQueriesOf(Runnable read) {
            return during(read, list -> recordingHttp = list);
        }

        /** Runs {@code read} with a fresh list handed to {@code recorder} (null again after) and returns what it got. */
        private static <T> List<T> during(Runnable read, Consumer<List<T>> recorder) {
            List<T> got = new CopyOnWriteArrayList<>();
            recorder.accept(got);
            try {
                read.run();
                return List.copyOf(got);
            } finally {
                recorder.accept(null);
            }
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            List<SingleItemRead.RawRequest> http = recordingHttp;
            if (http != null && context.request() instanceof QueryRequest) {
                http.add(SingleItemRead.RawRequest.of(context.httpRequest(), context.requestBody().orElseThrow()));
            }
        }

        /** Runs {@code read} and returns the Query requests it sent, to be replayed without the store around them. */
        List<QueryRequest> queriesOf(Runnable read) {
            return during(read, list -> recording = list);
        }

        @Override
        public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            SdkRequest r = context.request();
            if (r instanceof QueryRequest q) {
                QueryRequest counted = q.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
                List<QueryRequest> queries = recording;
                if (queries != null) {
                    queries.add(counted);
                }
                return counted;
            }
            if (r instanceof GetItemRequest g) {
                return g.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
            }
            // Writes: INDEXES, the table's and each index's units apart (their sum is what TOTAL reports).
            if (r instanceof TransactWriteItemsRequest t) {
                return t.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build();
            }
            if (r instanceof PutItemRequest p) {
                return p.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build();
            }
            if (r instanceof BatchWriteItemRequest b) {
                return b.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build();
            }
            if (r instanceof DeleteItemRequest d) {
                return d.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build();
            }
            if (r instanceof UpdateItemRequest u) {
                return u.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build();
            }
            return r;
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            calls.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), k -> new LongAdder()).increment();
            SdkResponse r = context.response();
            if (r instanceof QueryResponse q) {
                add(q.consumedCapacity(), true);
                readRequests.increment();
                itemsRead.add(q.count());
                q.items().forEach(item -> itemBytesRead.add(ItemBytes.of(item)));
            } else if (r instanceof GetItemResponse g) {
                add(g.consumedCapacity(), true);
                readRequests.increment();
                if (g.hasItem()) {
                    itemsRead.increment();
                    itemBytesRead.add(ItemBytes.of(g.item()));
                }
            } else if (r instanceof TransactWriteItemsResponse t && t.hasConsumedCapacity()) {
                written(t.consumedCapacity());
            } else if (r instanceof PutItemResponse p) {
                writesBeside.increment();
                putItemWrites.add(p.consumedCapacity() == null ? 0 : written(List.of(p.consumedCapacity())));
            } else if (r instanceof BatchWriteItemResponse b) {
                writesBeside.increment();
                batchWrites.add(b.hasConsumedCapacity() ? written(b.consumedCapacity()) : 0);
            } else if (r instanceof DeleteItemResponse d) {
                writesBeside.increment();
                if (d.consumedCapacity() != null) {
                    written(List.of(d.consumedCapacity()));
                }
            } else if (r instanceof UpdateItemResponse u) {
                writesBeside.increment();
                if (u.consumedCapacity() != null) {
                    written(List.of(u.consumedCapacity()));
                }
            }
        }

        /** Adds a write's consumed capacity (one entry per table) to the totals and returns its units. */
        private double written(Collection<ConsumedCapacity> capacity) {
            double units = 0;
            for (ConsumedCapacity c : capacity) {
                add(c, false);
                units += c.capacityUnits() == null ? 0 : c.capacityUnits();
                if (c.table() != null && c.table().capacityUnits() != null) {
                    tableWrites.add(c.table().capacityUnits());
                }
                if (c.globalSecondaryIndexes() != null) {
                    c.globalSecondaryIndexes().values().forEach(i -> indexWrites.add(i.capacityUnits() == null ? 0 : i.capacityUnits()));
                }
            }
            return units;
        }

        private void add(ConsumedCapacity c, boolean read) {
            if (c == null || c.capacityUnits() == null) {
                return;
            }
            (read ? reads : writes).add(c.capacityUnits());
        }

        @Override
        public long bytesRead() {
            return itemBytesRead.sum();
        }

        @Override
        public long readRequests() {
            return readRequests.sum();
        }

        @Override
        public long writesBesideCommits() {
            return writesBeside.sum();
        }

        @Override
        public long itemsRead() {
            return itemsRead.sum();
        }

        @Override
        public void reset() {
            calls.clear();
            reads.reset();
            writes.reset();
            tableWrites.reset();
            indexWrites.reset();
            putItemWrites.reset();
            batchWrites.reset();
        }

        @Override
        public Map<String, Double> perStep(long steps) {
            Map<String, Double> out = new TreeMap<>();
            long total = 0;
            for (Map.Entry<String, LongAdder> e : calls.entrySet()) {
                out.put("calls_" + e.getKey(), e.getValue().doubleValue() / steps);
                total += e.getValue().sum();
            }
            out.put("calls_per_step", (double) total / steps);
            out.put("rcu_per_step", reads.sum() / steps);
            out.put("wcu_per_step", writes.sum() / steps);
            out.put("wcu_table_per_step", tableWrites.sum() / steps);
            out.put("wcu_index_per_step", indexWrites.sum() / steps);
            // Parts of wcu_per_step: what packing adds (always present, so every T's row has the columns).
            out.put("wcu_putitem_per_step", putItemWrites.sum() / steps);
            out.put("wcu_batchwrite_per_step", batchWrites.sum() / steps);
            return out;
        }
    }

    /** The command line's settings; the store's own defaults unless an option says. */
    record Options(int turns, boolean trustHeadCache, boolean telemetry, boolean sdkSpans, SnapshotPolicy snapshotPolicy,
                   int compressAbove, int inflateThreads, Compression compression, int zstdAbove, int deltasPerPack) {
        static Options parse(String[] args) {
            BenchArgs cli = new BenchArgs("W1 dynamodb",
                    "bench/run W1 dynamodb [turns, default 1000] [--trust-head-cache] [--snapshot-read-bytes N] [--snapshot-ratio R]"
                            + " [--snapshot-read-bytes-per-delta N]"
                            + " [--compress-above N] [--inflate-threads N] [--compression gzip|zstd] [--zstd-above N] [--deltas-per-pack N]"
                            + " [--telemetry on|off] [--sdk-spans]");
            var turns = cli.intPositional("turns", 1000);
            var trust = cli.flag("--trust-head-cache");
            var telemetry = cli.choiceOption("--telemetry", "on", "on", "off");
            var sdkSpans = cli.flag("--sdk-spans");
            // -1: the runtime's default
            var readBytes = cli.longOption("--snapshot-read-bytes", -1);
            // threadline.checkpoint.snapshot-ratio: what a thread stores against what a cold read applies
            var snapshotRatio = cli.option("--snapshot-ratio", SnapshotPolicy.DEFAULT.ratio(), "R", Double::parseDouble);
            // threadline.checkpoint.snapshot-read-bytes-per-delta: what each delta counts toward the read bound beyond its size
            var perDelta = cli.longOption("--snapshot-read-bytes-per-delta", SnapshotPolicy.DEFAULT.readBytesPerDelta());
            // -1: the store's default
            var compressAbove = cli.intOption("--compress-above", -1);
            // threadline.dynamodb.inflate-threads: helpers that inflate a large snapshot's gzip members in parallel
            var inflateThreads = cli.intOption("--inflate-threads", 0);
            // threadline.dynamodb.compression: the codec of the stored checkpoint items (reads take either)
            var compression = cli.option("--compression", Compression.GZIP, "gzip|zstd", Compression::of);
            // threadline.dynamodb.zstd-above-bytes: under zstd, envelopes up to this are still gzipped (0: none)
            var zstdAbove = cli.intOption("--zstd-above", DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES);
            // threadline.dynamodb.deltas-per-pack: the commit ending each block of N steps packs its deltas (0: off)
            var deltasPerPack = cli.intOption("--deltas-per-pack", DynamoDbStoreSettings.DEFAULT_DELTAS_PER_PACK);
            cli.read(args);
            SnapshotPolicy policy;
            try {
                // refused before DynamoDB Local and the warm-up, rather than by the first store the run builds
                DynamoDbStoreSettings.defaults("w1-settings").withDeltasPerPack(deltasPerPack.get());
                policy = W1.snapshotPolicy(snapshotRatio.get(), readBytes.get(), perDelta.get());
            } catch (IllegalArgumentException e) {
                throw cli.refuse(e.getMessage());
            }
            return new Options(turns.get(), trust.get(), telemetry.get().equals("on"), sdkSpans.get(), policy,
                    compressAbove.get(), inflateThreads.get(), compression.get(), zstdAbove.get(), deltasPerPack.get());
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = BenchArgs.parseOrExit(args, Options::parse);
        RuntimeOptions options = RuntimeOptions.defaults().withTrustHeadCache(o.trustHeadCache())
                .withSnapshotPolicy(o.snapshotPolicy());
        DynamoDbLocalServer server = DynamoDbLocalServer.start("-Xmx2g");
        int port = server.port;

        Counter counter = new Counter();
        // Telemetry on (the default) is the client and runtime as the application runs them: the store's call limits
        // (standard retries, attempt and call timeouts, the invocation-deadline interceptor) and ThreadlineTelemetry's
        // spans, metrics and MDC on a real OpenTelemetry SDK whose exporters count and discard (as bench/run W1
        // telemetry); --sdk-spans adds the SDK's own OpenTelemetry interceptor (threadline.dynamodb.sdk-spans=true).
        // Off: a bare client.
        OpenTelemetrySdk otel = o.telemetry() ? W1Telemetry.productionLikeSdk() : null;
        ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder();
        ScheduledThreadPoolExecutor timers = null;
        if (o.telemetry()) {
            // The application's limits are 2 s per attempt and 8 s per call; on this shared machine DynamoDB Local
            // sometimes stalls longer, so the bench keeps the same machinery (retry strategy, timers, interceptor:
            // what costs CPU) with limits a stall does not reach.
            DynamoDbCallLimits limits = new DynamoDbCallLimits(4, Duration.ofSeconds(30), Duration.ofSeconds(120));
            timers = limits.timers(2); // the store's (threadline.dynamodb.timer-threads=2)
            override = limits.applyTo(override.build(), Clock.systemUTC(), timers).toBuilder();
            if (o.sdkSpans()) {
                override.addExecutionInterceptor(AwsSdkTelemetry.create(otel).newExecutionInterceptor());
            }
            options = options.withObserver(ThreadlineTelemetry.of(otel));
        }
        DynamoDbClientBuilder clientBuilder = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(2)).build())
                .overrideConfiguration(override.addExecutionInterceptor(counter).build());
        if (o.telemetry()) {
            // As the application's store client (DynamoDbStoreProducer): the endpoint rules' answers kept.
            clientBuilder.endpointProvider(CachedEndpoints.ofDefaultRules());
        }
        DynamoDbClient client = clientBuilder.build();
        // Tables are made by a client without the call limits: under load DynamoDB Local takes longer than the 8 s a
        // store call may to create one, and creating tables is no part of what is measured.
        DynamoDbClient admin = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        AtomicInteger tables = new AtomicInteger();
        InflateThreads inflate = InflateThreads.of(o.inflateThreads());
        Compression codec = o.compression();
        int zstdAboveBytes = o.zstdAbove();
        int packBlock = o.deltasPerPack();
        W1 w1 = new W1("dynamodb", () -> {
            String table = "w1-" + tables.incrementAndGet();
            DynamoDbTables.createIfMissing(admin, table);
            counter.reset();
            DynamoDbStoreSettings settings = DynamoDbStoreSettings.defaults(table);
            if (o.compressAbove() >= 0) {
                settings = settings.withSizes(o.compressAbove(), settings.maxItemBytes(), settings.maxCheckpointBytes());
            }
            return new DynamoDbCheckpointStore(client, settings.withCompression(codec).withZstdAboveBytes(zstdAboveBytes)
                    .withDeltasPerPack(packBlock), ThreadIndexSettings.defaults(), inflate, Clock.systemUTC());
        }, o.turns(), counter, options).inflatingOn(inflate).compressingWith(codec, zstdAboveBytes)
                .storeSettings("compression " + codec.configName()
                        + (codec == Compression.ZSTD ? " above " + zstdAboveBytes + " B" : "")
                        + ", deltas per pack " + packBlock + (packBlock == 0 ? " (off)" : ""),
                        Map.of("deltas_per_pack", (double) packBlock));
        w1.run("DynamoDB Local 2.6.1 (separate process, in memory, loopback HTTP), telemetry " + (o.telemetry()
                        ? "on (call limits, ThreadlineTelemetry" + (o.sdkSpans() ? ", the SDK's OpenTelemetry interceptor" : "") + "; exporters discard)" : "off (bare client)")
                + ", inflate threads " + o.inflateThreads() + ", compression " + codec.configName()
                + (codec == Compression.ZSTD ? " above " + zstdAboveBytes + " B (gzip up to it)" : "")
                + ", deltas per pack " + packBlock + (packBlock == 0 ? " (off)" : ""));
        SingleItemRead.reference(client, admin, counter, w1.lastColdRead(), counter::queriesOf,
                new SingleItemRead.Split(w1.lastStoreRead(), counter::httpQueriesOf),
                new SingleItemRead.Whole(new WholeStateRead(client, admin, new StateCodec()), w1.lastState()));
        try {
            SdkFloor.measure(client, admin, timers);
        } finally {
            server.stop();
            client.close();
            inflate.close();
            if (timers != null) {
                timers.shutdownNow(); // the SDK does not shut down an executor it was given
            }
            if (otel != null) {
                otel.close();
            }
        }
    }
}
