package io.threadline.bench;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointCodec;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import io.threadline.checkpoint.dynamodb.internal.CheckpointItems;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import io.threadline.checkpoint.dynamodb.internal.StoredPayload;
import io.threadline.checkpoint.dynamodb.internal.ThreadReader;
import io.threadline.graph.CompiledGraph;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.runtime.internal.StateLoader;
import io.threadline.state.StateCodec;
import io.threadline.state.internal.TypedPatch;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code bench/run pack-read dynamodb [--min-deltas 1200] [--reps 40] [--deltas-per-pack 32] [--loop-seconds 0] [--loop-part 0]}
 * (issue 22): where a packed cold read's time per delta goes. A W1 thread is written on DynamoDB Local, packed by
 * {@code --deltas-per-pack} (gzip), until its latest chain holds at least {@code --min-deltas} deltas after its
 * snapshot (late in a snapshot cycle). Its chain's items are then read once, and each part of the cold read is timed on
 * them in process, {@code --reps} times (median wall and CPU): the whole cold read (W1's cold reader), the store's
 * {@code loadLatest}, the items into checkpoints, the packs alone (their inflate, their envelopes' decode), and the
 * state folded from the chain (with and without its deltas). {@code --loop-seconds N} then runs one part (the table's
 * row {@code --loop-part}, 0: the whole cold read) for N seconds, for a profiler attached through BENCH_JAVA_OPTS.
 */
public final class PackedColdRead {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private PackedColdRead() {
    }

    /** The command line's settings; the defaults are bench/README.md's. */
    record Options(int minDeltas, int reps, int deltasPerPack, int loopSeconds, int loopPart) {
        static Options parse(String[] args) {
            BenchArgs cli = new BenchArgs("pack-read",
                    "bench/run pack-read dynamodb [--min-deltas 1200] [--reps 40] [--deltas-per-pack 32]"
                            + " [--loop-seconds 0] [--loop-part 0]");
            var minDeltas = cli.intOption("--min-deltas", 1200);
            var reps = cli.intOption("--reps", 40);
            var deltasPerPack = cli.intOption("--deltas-per-pack", DynamoDbStoreSettings.RECOMMENDED_DELTAS_PER_PACK);
            var loopSeconds = cli.intOption("--loop-seconds", 0);
            var loopPart = cli.intOption("--loop-part", 0);
            cli.read(args);
            return new Options(minDeltas.get(), reps.get(), deltasPerPack.get(), loopSeconds.get(), loopPart.get());
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = BenchArgs.parseOrExit(args, Options::parse);
        DynamoDbLocalServer server = DynamoDbLocalServer.start("-Xmx2g");
        DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).build();
        try {
            System.out.println(Machine.describe());
            System.out.println("load at start: " + loadAverage());
            String table = "pack-read";
            DynamoDbTables.createIfMissing(client, table);
            DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table)
                    .withCompression(Compression.GZIP).withDeltasPerPack(o.deltasPerPack()),
                    ThreadIndexSettings.defaults(), InflateThreads.NONE, Clock.systemUTC());
            CompiledGraph<W1.W1State> graph = W1.graph();
            StateCodec codec = new StateCodec();
            RuntimeOptions options = RuntimeOptions.defaults();
            ThreadRuntime<W1.W1State> writer = W1.runtime(graph, store, W1.validator(), codec, options);
            ThreadRuntime<W1.W1State> cold = W1.coldReader(graph, store, W1.validator(), codec, options);
            ThreadKey thread = ThreadKey.of("bench", "pack-read");
            int t = 0;
            W1.W1State expected;
            CheckpointChain chain;
            do {
                expected = W1.turn(writer, thread, ++t).state();
                chain = store.loadLatest(thread).orElseThrow();
            } while (chain.checkpoints().size() - 1 < o.minDeltas() || t < 600);
            CheckpointChain read = chain;
            int deltas = read.checkpoints().size() - 1;
            List<Map<String, AttributeValue>> items = chainItems(client, table, thread);
            long packs = items.stream().filter(CheckpointItems::isPack).count();
            System.out.printf(Locale.ROOT, "T=%d: %d deltas after the snapshot of step %d (%,d B of state), %d items read (%d packs)%n",
                    t, deltas, chain.snapshot().step(), chain.snapshotBytes(), items.size(), packs);
            System.out.println("load before timing: " + loadAverage());

            StateLoader<W1.W1State> loader = new StateLoader<>(graph.schema(), codec, Map.of());
            CheckpointChain snapshotOnly = new CheckpointChain(List.of(chain.snapshot()));
            List<Map<String, AttributeValue>> packItems = items.stream().filter(CheckpointItems::isPack).toList();
            List<byte[]> packEnvelopes = new ArrayList<>();
            for (Map<String, AttributeValue> pack : packItems) {
                packEnvelopes.addAll(split(StoredPayload.envelope(List.of(pack.get("data").b().asByteArrayUnsafe()),
                        pack.containsKey("z"))));
            }
            List<byte[]> changes = chain.checkpoints().subList(1, chain.checkpoints().size()).stream()
                    .map(cp -> cp.change().json()).toList();
            W1.W1State want = expected;
            List<Phase> phases = List.of(
                    new Phase("cold read (runtime.state, no head cache)", 1, () -> check(cold.state(thread).state(), want)),
                    new Phase("store.loadLatest", 1, () -> store.loadLatest(thread)),
                    new Phase("items into checkpoints (CheckpointItems)", 1, () -> decodeAll(thread, items)),
                    new Phase("  packs into checkpoints, per delta in packs", packEnvelopes.size(), () -> decodeAll(thread, packItems)),
                    new Phase("  packs inflated, per delta", packEnvelopes.size(), () -> inflate(packItems)),
                    new Phase("  envelopes decoded (CheckpointCodec), per delta", packEnvelopes.size(), () -> decodeEnvelopes(thread, packEnvelopes)),
                    new Phase("state of the chain (StateLoader)", 1, () -> check(loader.state(read), want)),
                    new Phase("state of the snapshot alone", 1, () -> loader.state(snapshotOnly)),
                    new Phase("  deltas applied (TypedPatch), per delta", deltas, () -> applyAll(graph, codec, read.snapshot(), changes)));
            for (Phase p : phases) {
                for (int i = 0; i < 10; i++) {
                    p.run().get();
                }
            }
            double[][] wall = new double[phases.size()][o.reps()];
            double[][] cpu = new double[phases.size()][o.reps()];
            for (int r = 0; r < o.reps(); r++) {
                // interleaved: each round times every phase once, so a load change touches all alike
                for (int k = 0; k < phases.size(); k++) {
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    phases.get(k).run().get();
                    wall[k][r] = (System.nanoTime() - w0) / 1e3 / phases.get(k).per();
                    cpu[k][r] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e3 / phases.get(k).per();
                }
            }
            System.out.println();
            System.out.printf("| part (T=%d, %d deltas, %d packs) | wall µs (median of %d) | CPU µs |%n", t, deltas, packs, o.reps());
            System.out.println("|---|---|---|");
            for (int k = 0; k < phases.size(); k++) {
                System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f |%n", phases.get(k).name(), Machine.median(wall[k]), Machine.median(cpu[k]));
            }
            System.out.println("load at end: " + loadAverage());
            if (o.loopSeconds() > 0) {
                long end = System.nanoTime() + o.loopSeconds() * 1_000_000_000L;
                int n = 0;
                while (System.nanoTime() < end) {
                    phases.get(o.loopPart()).run().get();
                    n++;
                }
                System.out.println("looped " + n + " times: " + phases.get(o.loopPart()).name() + "; load " + loadAverage());
            }
        } finally {
            server.stop();
            client.close();
        }
        System.exit(0);
    }

    record Phase(String name, int per, Supplier<Object> run) {}

    private static Object check(W1.W1State read, W1.W1State expected) {
        if (!read.equals(expected)) {
            throw new IllegalStateException("the state read back differs");
        }
        return read;
    }

    /** The chain's items as the store's read gets them: newest first, from the newest checkpoint down to the snapshot. */
    private static List<Map<String, AttributeValue>> chainItems(DynamoDbClient client, String table, ThreadKey thread) {
        List<Map<String, AttributeValue>> all = new ArrayList<>();
        new ThreadReader(client, table).forEachWithPrefix(thread, "CP#", all::add);
        Collections.reverse(all);
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        CheckpointItems items = new CheckpointItems(thread);
        for (Map<String, AttributeValue> item : all) {
            out.add(item);
            List<Checkpoint> read = items.accept(item);
            if (!read.isEmpty() && read.get(0).isSnapshot()) {
                break;
            }
        }
        return out;
    }

    private static Object decodeAll(ThreadKey thread, List<Map<String, AttributeValue>> items) {
        CheckpointItems reader = new CheckpointItems(thread);
        int n = 0;
        for (Map<String, AttributeValue> item : items) {
            n += reader.accept(item).size();
        }
        return n;
    }

    private static Object inflate(List<Map<String, AttributeValue>> packs) {
        long n = 0;
        for (Map<String, AttributeValue> pack : packs) {
            n += StoredPayload.envelope(List.of(pack.get("data").b().asByteArrayUnsafe()), pack.containsKey("z")).length;
        }
        return n;
    }

    private static Object decodeEnvelopes(ThreadKey thread, List<byte[]> envelopes) {
        long n = 0;
        for (byte[] envelope : envelopes) {
            n += CheckpointCodec.decode(thread, envelope).step();
        }
        return n;
    }

    private static Object applyAll(CompiledGraph<W1.W1State> graph, StateCodec codec, Checkpoint snapshot, List<byte[]> changes) {
        TypedPatch<W1.W1State> patch = TypedPatch.from(graph.schema(), codec,
                codec.decode(snapshot.change().json(), W1.W1State.class));
        for (byte[] change : changes) {
            if (!patch.apply(change)) {
                throw new IllegalStateException("a delta left to the tree way");
            }
        }
        return patch.state();
    }

    /** DeltaPackFormat's layout (a version byte, then each envelope after its 4-byte length). */
    private static List<byte[]> split(byte[] pack) {
        ByteBuffer in = ByteBuffer.wrap(pack, 1, pack.length - 1);
        List<byte[]> out = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] envelope = new byte[in.getInt()];
            in.get(envelope);
            out.add(envelope);
        }
        return out;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
