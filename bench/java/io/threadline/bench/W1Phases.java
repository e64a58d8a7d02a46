package io.threadline.bench;

import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import io.threadline.graph.CompiledGraph;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import jakarta.validation.Validator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * {@code bench/run W1-phases dynamodb [--from 500] [--to 1100] [--every 10] [--reads 5] [--compression gzip|zstd]
 * [--zstd-above N] [--deltas-per-pack N] [--inflate-threads N]} (issue 22): W1's cold read against the single-item reference at many T across
 * a snapshot cycle, not at W1's one T=1000. A cold read's cost depends on how many delta items follow the last snapshot,
 * so a single T samples one phase of the cycle, and anything that moves the snapshots (the codec, a snapshot's size)
 * moves that phase.
 *
 * <p>One W1 thread per store variant — gzip, zstd above 32 KiB (the default threshold), zstd at any size, all three
 * unpacked, and gzip packed by {@code --deltas-per-pack} (default 32, {@code 0}: no packed thread); or the one
 * {@code --compression}/{@code --zstd-above} names, unpacked and packed — is driven turn by turn, the variants in
 * lockstep, so each sampled T is read for all of them within the same moments of a shared machine. From {@code --from}
 * on, every {@code --every} turns, each variant's latest state is read cold (W1's cold reader: no head cache) alternated
 * with the reference read, {@code --reads} times each. Bare client (W1's {@code --telemetry off}): the cold read and the
 * reference go through the same one.
 */
public final class W1Phases {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private W1Phases() {
    }

    /** A store setting: the codec as {@code --compression} and {@code --zstd-above} name it, and delta packing (0: off). */
    record Variant(String name, Compression compression, int zstdAbove, int deltasPerPack) {
        Variant packedBy(int count) {
            return new Variant(name + "/pack" + count, compression, zstdAbove, count);
        }
    }

    /** One variant's thread: its table's store, the runtime that writes it, W1's cold reader on the same store. */
    record Run(Variant variant, DynamoDbCheckpointStore store, ThreadRuntime<W1.W1State> writer,
               ThreadRuntime<W1.W1State> coldReader, ThreadKey thread, long[] lastStepOfTurn, List<Row> rows,
               TreeSet<Integer> snapshotTurns) {}

    /** One sampled T of one variant. */
    record Row(int t, int snapshotTurn, int deltas, double items, double bytes, double queries, long storedBytes,
               double coldMs, double coldCpuMs, double referenceMs, double wholeMs) {
        double ratio() {
            return coldMs / referenceMs;
        }

        /** Against the same state read whole and decoded ({@link WholeStateRead}). */
        double wholeRatio() {
            return coldMs / wholeMs;
        }
    }

    /** The command line's settings; the defaults are bench/README.md's. */
    record Options(int from, int to, int every, int reads, Compression compression, int zstdAbove, int deltasPerPack,
                   int inflateThreads, SnapshotPolicy snapshotPolicy) {
        static Options parse(String[] args) {
            BenchArgs cli = new BenchArgs("W1-phases",
                    "bench/run W1-phases dynamodb [--from 500] [--to 1100] [--every 10] [--reads 5]"
                            + " [--compression gzip|zstd] [--zstd-above N] [--deltas-per-pack N, default 32] [--inflate-threads N]"
                            + " [--snapshot-ratio R, default 2.0] [--snapshot-read-bytes-per-delta N, default 0]");
            var from = cli.intOption("--from", 500);
            var to = cli.intOption("--to", 1100);
            var every = cli.intOption("--every", 10);
            var reads = cli.intOption("--reads", 5);
            // null: the three codec variants side by side
            var compression = cli.option("--compression", (Compression) null, "gzip|zstd", Compression::of);
            var zstdAbove = cli.intOption("--zstd-above", DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES);
            var deltasPerPack = cli.intOption("--deltas-per-pack", DynamoDbStoreSettings.RECOMMENDED_DELTAS_PER_PACK);
            var inflateThreads = cli.intOption("--inflate-threads", 0);
            // threadline.checkpoint.snapshot-ratio: the trade between what a thread stores and what a cold read applies
            var snapshotRatio = cli.option("--snapshot-ratio", SnapshotPolicy.DEFAULT.ratio(), "R", Double::parseDouble);
            // threadline.checkpoint.snapshot-read-bytes-per-delta: what each delta counts toward the read bound beyond its size
            var perDelta = cli.longOption("--snapshot-read-bytes-per-delta", SnapshotPolicy.DEFAULT.readBytesPerDelta());
            cli.read(args);
            cli.refuseUnless(from.get() >= 1 && to.get() >= from.get() && every.get() >= 1 && reads.get() >= 1,
                    "need 1 <= --from <= --to, --every >= 1, --reads >= 1");
            // without it the variants are gzip, zstd>32768 and zstd>0, each with its own threshold
            cli.refuseUnless(!zstdAbove.given() || compression.get() == Compression.ZSTD, "--zstd-above needs --compression zstd");
            SnapshotPolicy policy;
            try {
                // refused before DynamoDB Local starts, with the settings' own messages
                DynamoDbStoreSettings.defaults("w1-phases").withDeltasPerPack(deltasPerPack.get());
                policy = W1.snapshotPolicy(snapshotRatio.get(), -1, perDelta.get());
            } catch (IllegalArgumentException e) {
                throw cli.refuse(e.getMessage());
            }
            return new Options(from.get(), to.get(), every.get(), reads.get(), compression.get(), zstdAbove.get(),
                    deltasPerPack.get(), inflateThreads.get(), policy);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = BenchArgs.parseOrExit(args, Options::parse);
        List<Variant> variants = new ArrayList<>(o.compression() == null
                ? List.of(new Variant("gzip", Compression.GZIP, o.zstdAbove(), 0),
                        new Variant("zstd>" + DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES, Compression.ZSTD,
                                DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES, 0),
                        new Variant("zstd>0", Compression.ZSTD, 0, 0))
                : List.of(new Variant(o.compression() == Compression.GZIP ? "gzip" : "zstd>" + o.zstdAbove(), o.compression(),
                        o.zstdAbove(), 0)));
        if (o.deltasPerPack() > 0) {
            // The packed thread beside the unpacked ones, in the same sitting: its codec is the first variant's (gzip,
            // the store's default, unless --compression names another).
            variants.add(variants.get(0).packedBy(o.deltasPerPack()));
        }

        DynamoDbLocalServer server = DynamoDbLocalServer.start("-Xmx2g");
        W1DynamoDb.Counter counter = new W1DynamoDb.Counter();
        DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(c -> c.addExecutionInterceptor(counter)).build();
        try {
            System.out.printf("W1 cold read across snapshot cycles, DynamoDB Local 2.6.1 (separate process, in memory, loopback HTTP), "
                    + "bare client (telemetry off); T 1..%d, sampled from %d every %d, %d cold reads alternated with %d reference reads "
                    + "per sample; variants %s%n", o.to(), o.from(), o.every(), o.reads(), o.reads(),
                    variants.stream().map(Variant::name).toList());
            System.out.println(Machine.describe());
            System.out.println("load at start: " + loadAverage());
            SingleItemRead.Reference reference = SingleItemRead.prepare(client, client);
            System.out.println("reference: " + reference.shape());
            RuntimeOptions options = RuntimeOptions.defaults().withSnapshotPolicy(o.snapshotPolicy());
            System.out.printf("snapshot ratio %s, snapshot read bound %d B, read bytes per delta %d%n", options.snapshotPolicy().ratio(),
                    options.snapshotPolicy().maxReadBytes(), options.snapshotPolicy().readBytesPerDelta());
            CompiledGraph<W1.W1State> graph = W1.graph();
            Validator validator = W1.validator();
            StateCodec codec = new StateCodec();
            WholeStateRead whole = new WholeStateRead(client, client, codec);
            List<Run> runs = new ArrayList<>();
            // threadline.dynamodb.inflate-threads: a large snapshot's gzip members or zstd frames decoded in parallel (daemon
            // threads, ended when idle)
            InflateThreads inflate = InflateThreads.of(o.inflateThreads());
            System.out.println("inflate threads " + o.inflateThreads());
            for (Variant v : variants) {
                String table = "w1-phases-" + runs.size();
                DynamoDbTables.createIfMissing(client, table);
                DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table)
                        .withCompression(v.compression()).withZstdAboveBytes(v.zstdAbove()).withDeltasPerPack(v.deltasPerPack()),
                        ThreadIndexSettings.defaults(), inflate, Clock.systemUTC());
                runs.add(new Run(v, store, W1.runtime(graph, store, validator, codec, options),
                        W1.coldReader(graph, store, validator, codec, options), ThreadKey.of("bench", "w1-phases"),
                        new long[o.to() + 1], new ArrayList<>(), new TreeSet<>()));
            }
            boolean warmed = false;
            for (int t = 1; t <= o.to(); t++) {
                List<W1.W1State> states = new ArrayList<>();
                for (Run run : runs) {
                    StepResult<W1.W1State> last = W1.turn(run.writer(), run.thread(), t);
                    run.lastStepOfTurn()[t] = last.checkpoint().step();
                    states.add(last.state());
                    if (t % o.every() == 0 || t == o.to()) {
                        // Where the latest chain's snapshot is (one untimed read): placements between samples.
                        run.snapshotTurns().add(turnOf(run, run.store().loadLatest(run.thread()).orElseThrow(), t));
                    }
                }
                if (t >= o.from() && (t - o.from()) % o.every() == 0) {
                    // The whole state (the variants' states are the same) is written before any variant's timed reads.
                    whole.store(states.get(0));
                    if (!warmed) {
                        warmUp(runs, reference, whole, o.reads());
                        warmed = true;
                    }
                    for (int r = 0; r < runs.size(); r++) {
                        runs.get(r).rows().add(sample(runs.get(r), t, states.get(r), counter, reference, whole, o.reads()));
                    }
                    printRows(runs, runs.get(0).rows().size() - 1);
                }
            }
            System.out.println("load at end: " + loadAverage());
            summary(runs, o.every());
        } finally {
            server.stop();
            client.close();
        }
        System.exit(0);
    }

    /** The cold read's and the reference's first reads (class loading, the JIT's first compiles), kept out of every sample. */
    private static void warmUp(List<Run> runs, SingleItemRead.Reference reference, WholeStateRead whole, int reads) {
        for (int i = 0; i < 2 * reads; i++) {
            for (Run run : runs) {
                run.coldReader().state(run.thread());
                reference.read().getAsInt();
                whole.read(W1.W1State.class);
            }
        }
    }

    private static Row sample(Run run, int t, W1.W1State expected, W1DynamoDb.Counter counter,
                              SingleItemRead.Reference reference, WholeStateRead whole, int reads) {
        CheckpointChain chain = run.store().loadLatest(run.thread()).orElseThrow();
        double[] cold = new double[reads];
        double[] coldCpu = new double[reads];
        double[] ref = new double[reads];
        double[] wholeRead = new double[reads];
        long items = 0;
        long bytes = 0;
        long queries = 0;
        for (int i = 0; i < reads; i++) {
            // Alternated, each of the three reads first in its turn of rounds: the first after a pause runs on a fresh
            // scheduler slice, worth more on a loaded machine than the difference measured.
            for (int k = 0; k < 3; k++) {
                int which = (k + i) % 3;
                if (which == 0) {
                    long items0 = counter.itemsRead();
                    long bytes0 = counter.bytesRead();
                    long queries0 = counter.readRequests();
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    W1.W1State read = run.coldReader().state(run.thread()).state();
                    cold[i] = (System.nanoTime() - w0) / 1e6;
                    coldCpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
                    items += counter.itemsRead() - items0;
                    bytes += counter.bytesRead() - bytes0;
                    queries += counter.readRequests() - queries0;
                    if (!read.equals(expected)) {
                        throw new IllegalStateException(run.variant().name() + ": the latest state read back differs at T=" + t);
                    }
                } else if (which == 1) {
                    long w0 = System.nanoTime();
                    reference.read().getAsInt();
                    ref[i] = (System.nanoTime() - w0) / 1e6;
                } else {
                    long w0 = System.nanoTime();
                    W1.W1State read = whole.read(W1.W1State.class);
                    wholeRead[i] = (System.nanoTime() - w0) / 1e6;
                    if (!read.equals(expected)) {
                        throw new IllegalStateException("the whole state read back differs at T=" + t);
                    }
                }
            }
        }
        return new Row(t, turnOf(run, chain, t), chain.checkpoints().size() - 1, (double) items / reads, (double) bytes / reads,
                (double) queries / reads, run.store().storedBytes(run.thread()), Machine.median(cold), Machine.median(coldCpu),
                Machine.median(ref), Machine.median(wholeRead));
    }

    /** The turn whose steps hold the chain's snapshot. */
    private static int turnOf(Run run, CheckpointChain chain, int t) {
        long step = chain.snapshot().step();
        int turn = t;
        while (turn > 1 && run.lastStepOfTurn()[turn - 1] >= step) {
            turn--;
        }
        return turn;
    }

    private static void printRows(List<Run> runs, int index) {
        for (Run run : runs) {
            Row r = run.rows().get(index);
            System.out.printf(Locale.ROOT, "T=%-5d %-12s snapshot T%-5d deltas %5d  items %7.1f  bytes %,10.0f  queries %.1f  "
                            + "stored %,11d B  cold %6.2f ms (cpu %6.2f)  reference %6.2f ms  ratio %5.2f  whole state %6.2f ms  ratio %5.2f%n",
                    r.t(), run.variant().name(), r.snapshotTurn(), r.deltas(), r.items(), r.bytes(), r.queries(), r.storedBytes(),
                    r.coldMs(), r.coldCpuMs(), r.referenceMs(), r.ratio(), r.wholeMs(), r.wholeRatio());
        }
    }

    private static void summary(List<Run> runs, int every) {
        System.out.println();
        System.out.println("| variant | samples | ratio min | median | p90 | max | cold ms min / median / max | reference ms median "
                + "| items per cold read min / median / max | ms per delta (fit) | CPU ms per delta (fit) | stored B at the last sample "
                + "| snapshots at (turn, seen every " + every + ") |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        StringBuilder against = new StringBuilder();
        StringBuilder results = new StringBuilder();
        for (Run run : runs) {
            List<Row> rows = run.rows();
            double[] ratio = rows.stream().mapToDouble(Row::ratio).toArray();
            double[] cold = rows.stream().mapToDouble(Row::coldMs).toArray();
            double[] items = rows.stream().mapToDouble(Row::items).toArray();
            double[] deltas = rows.stream().mapToDouble(Row::deltas).toArray();
            double[] wallFit = fit(deltas, cold);
            double[] cpuFit = fit(deltas, rows.stream().mapToDouble(Row::coldCpuMs).toArray());
            long stored = rows.get(rows.size() - 1).storedBytes();
            System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f / %.2f / %.2f | %.2f | %.0f / %.0f / %.0f "
                            + "| %.4f (+%.2f ms) | %.4f (+%.2f ms) | %,d | %s |%n",
                    run.variant().name(), rows.size(), min(ratio), Machine.median(ratio), percentile(ratio, 0.9), max(ratio),
                    min(cold), Machine.median(cold), max(cold), Machine.median(rows.stream().mapToDouble(Row::referenceMs).toArray()),
                    min(items), Machine.median(items), max(items), wallFit[0], wallFit[1], cpuFit[0], cpuFit[1], stored,
                    run.snapshotTurns());
            double[] wholeRatio = rows.stream().mapToDouble(Row::wholeRatio).toArray();
            against.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |%n", run.variant().name(), min(wholeRatio),
                    Machine.median(wholeRatio), percentile(wholeRatio, 0.9), max(wholeRatio),
                    Machine.median(rows.stream().mapToDouble(Row::wholeMs).toArray())));
            String p = "w1phases." + run.variant().name().replace(">", "_above_").replace('/', '_');
            results.append(String.format(Locale.ROOT, "RESULT %s.ratio_min %.3f%nRESULT %s.ratio_median %.3f%nRESULT %s.ratio_p90 %.3f%n"
                            + "RESULT %s.ratio_max %.3f%nRESULT %s.ms_per_delta %.4f%nRESULT %s.items_min %.1f%n"
                            + "RESULT %s.items_median %.1f%nRESULT %s.items_max %.1f%nRESULT %s.stored_bytes_last %d%n",
                    p, min(ratio), p, Machine.median(ratio), p, percentile(ratio, 0.9), p, max(ratio), p, wallFit[0],
                    p, min(items), p, Machine.median(items), p, max(items), p, stored));
            results.append(String.format(Locale.ROOT, "RESULT %s.whole_ratio_min %.3f%nRESULT %s.whole_ratio_median %.3f%n"
                            + "RESULT %s.whole_ratio_p90 %.3f%nRESULT %s.whole_ratio_max %.3f%n",
                    p, min(wholeRatio), p, Machine.median(wholeRatio), p, percentile(wholeRatio, 0.9), p, max(wholeRatio)));
        }
        System.out.println();
        System.out.println("Against the same state at each T read whole and decoded (one item's JSON, uncompressed, one Query page; "
                + "the second reference):");
        System.out.println();
        System.out.println("| variant | ratio min | median | p90 | max | whole-state read ms median |");
        System.out.println("|---|---|---|---|---|---|");
        System.out.print(against);
        System.out.print(results);
    }

    /** Least squares {@code y = slope * x + intercept}: {slope, intercept}. */
    private static double[] fit(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        return new double[] {slope, my - slope * mx};
    }

    /** Nearest rank. */
    private static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[Math.max(0, (int) Math.ceil(p * v.length) - 1)];
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
