package io.threadline.bench;

import com.sun.management.OperatingSystemMXBean;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import io.threadline.checkpoint.dynamodb.internal.StoredPayload;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * W1 — conversation growth (../shared/bench-workload.md) — through {@link ThreadRuntime} with Bean
 * Validation, on any checkpoint store. {@link W1Memory} and {@link W1DynamoDb} run it.
 */
final class W1 {

    public record Msg(@NotBlank String role, @NotNull String content) {}

    public record W1State(@NotNull List<@NotNull @Valid Msg> messages, @PositiveOrZero int turn) {
        public static final ListChannel<W1State, Msg> MESSAGES = Channel.appending("messages");
        public static final ValueChannel<W1State, Integer> TURN = Channel.overwriting("turn");
    }

    static final int[] SAMPLES = {10, 100, 1000};
    /** 3 as the workload defines it; {@code -Dw1.repetitions=N} (through BENCH_JAVA_OPTS) for a quick look while working. */
    static final int REPETITIONS = Integer.getInteger("w1.repetitions", 3);
    /** {@code -Dw1.throughput=false} skips the throughput runs (a quick look at the growth table only). */
    static final boolean THROUGHPUT = !"false".equals(System.getProperty("w1.throughput"));
    static final int WARMUP_NODE_STEPS = 10_000;
    static final int[] WORKERS = {1, 2, 8};
    static final long THROUGHPUT_NANOS = 10_000_000_000L;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String label;
    private final Supplier<CheckpointStore> stores;
    private final int turns;
    /** The store's inflate helpers (W1 dynamodb --inflate-threads), for the split's read through the store's gzip. */
    private InflateThreads inflate = InflateThreads.NONE;
    /** The store's codec (W1 dynamodb --compression), for the split's read of the state as the store stores it. */
    private Compression compression = Compression.GZIP;
    /** The store's {@code zstd-above-bytes} (W1 dynamodb --zstd-above): the largest envelope still gzipped under zstd. */
    private int zstdAboveBytes;

    /** Extra lines each store adds to the growth table (e.g. DynamoDB calls per step); keyed like RESULT lines. */
    interface Probe {
        void reset();

        Map<String, Double> perStep(long steps);

        /** Bytes of items the store has read so far (a remote store's answers), or -1 where nothing is counted. */
        default long bytesRead() {
            return -1;
        }

        /** Read requests (queries, gets) the store has sent so far, or -1 where nothing is counted. */
        default long readRequests() {
            return -1;
        }

        /** Items the store's reads (queries, gets) have returned so far, or -1 where nothing is counted. */
        default long itemsRead() {
            return -1;
        }

        /**
         * Write requests the store has sent so far besides its commits' transactions (a DynamoDB pack's put and deletes),
         * or -1 where nothing is counted: a turn that sent one is a packing turn.
         */
        default long writesBesideCommits() {
            return -1;
        }
    }

    private final Probe probe;

    /** The store's settings as the tables' heading says them (e.g. W1 dynamodb's codec and packing); empty: none. */
    private String storeSettings = "";
    /** The same settings as RESULT values ({@code w1.<label>.<key>}). */
    private Map<String, Double> storeSettingValues = Map.of();

    private final RuntimeOptions options;

    /** A cold read of the last growth run's thread at its end (read by a runtime with no head cache), for comparisons. */
    private Runnable lastColdRead;

    /** See {@link #lastColdRead}; null before {@link #run}. */
    Runnable lastColdRead() {
        return lastColdRead;
    }

    /** The store's part of {@link #lastColdRead}: {@code loadLatest} alone (the query, the items into checkpoints). */
    private Runnable lastStoreRead;

    /** See {@link #lastStoreRead}; null before {@link #run}. */
    Runnable lastStoreRead() {
        return lastStoreRead;
    }

    /** The last growth run's final state, for the whole-state reference ({@link WholeStateRead}); null before {@link #run}. */
    private W1State lastState;

    /** See {@link #lastState}. */
    W1State lastState() {
        return lastState;
    }

    /**
     * The snapshot policy of a W1 run from the bench's options: the application's defaults but for {@code ratio},
     * {@code readBytes} (below 0: the default bound) and {@code readBytesPerDelta}. Built while the command line is
     * read, so a charge the bound refuses is refused there, before anything starts.
     */
    static SnapshotPolicy snapshotPolicy(double ratio, long readBytes, long readBytesPerDelta) {
        SnapshotPolicy defaults = SnapshotPolicy.DEFAULT;
        return new SnapshotPolicy(ratio, defaults.maxAge(), readBytes >= 0 ? readBytes : defaults.maxReadBytes(), readBytesPerDelta);
    }

    W1(String label, Supplier<CheckpointStore> stores, int turns, Probe probe, RuntimeOptions options) {
        this.label = label;
        this.stores = stores;
        this.turns = turns;
        this.probe = probe;
        this.options = options;
    }

    static CompiledGraph<W1State> graph() {
        return StateGraph.of(W1State.class)
                .node("process", (s, ctx) -> Update.of(W1State.MESSAGES.append(new Msg("system", content("system", s.turn())))))
                .node("execute", (s, ctx) -> Update.of(W1State.MESSAGES.append(new Msg("tool", content("tool", s.turn())))))
                .node("respond", (s, ctx) -> Update.of(W1State.MESSAGES.append(new Msg("assistant", content("assistant", s.turn()))),
                        W1State.TURN.set(s.turn() + 1)))
                .chain(START, "process", "execute", "respond", END)
                .compile();
    }

    /** Exactly 200 characters, distinct per role and turn, deterministic. */
    static String content(String role, int turn) {
        StringBuilder b = new StringBuilder(200).append(role).append(" turn ").append(turn).append(": ");
        long x = (role.hashCode() * 0x9E3779B97F4A7C15L) ^ (turn * 0xBF58476D1CE4E5B9L);
        while (b.length() < 200) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            int r = (int) Math.floorMod(x, 27L);
            b.append(r == 26 ? ' ' : (char) ('a' + r));
        }
        return b.toString();
    }

    static Validator validator() {
        return Validation.byDefaultProvider().configure().messageInterpolator(new ParameterMessageInterpolator())
                .buildValidatorFactory().getValidator();
    }

    static ThreadRuntime<W1State> runtime(CompiledGraph<W1State> graph, CheckpointStore store, Validator validator,
                                          StateCodec codec, RuntimeOptions options) {
        return ThreadRuntime.builder(graph).store(store).validator(validator).codec(codec).options(options).build();
    }

    /**
     * What W1's cold read reads through: a runtime on the same store with no head cache, so each {@code state(thread)}
     * asks the store for the latest chain (its Query, the items into checkpoints, the state folded and decoded).
     */
    static ThreadRuntime<W1State> coldReader(CompiledGraph<W1State> graph, CheckpointStore store, Validator validator,
                                             StateCodec codec, RuntimeOptions options) {
        return runtime(graph, store, validator, codec, options.withHeadCacheThreads(0));
    }

    /** One turn: the user message, then process, execute, respond, one committed step each. */
    static StepResult<W1State> turn(ThreadRuntime<W1State> rt, ThreadKey thread, int turn) {
        rt.step(thread, Update.of(W1State.MESSAGES.append(new Msg("user", content("user", turn)))), null);
        rt.step(thread);
        return rt.step(thread);
    }

    record Sample(int t, double stepMicros, double cpuMicros, long checkpoints, long storedBytes, long finalBytes,
                  double readMillis, Map<String, Double> extra) {
        double ratio() {
            return (double) storedBytes / finalBytes;
        }
    }

    /** The split reads the state through the store's gzip on {@code helpers} too, as the store built by {@code stores} does. */
    W1 inflatingOn(InflateThreads helpers) {
        this.inflate = helpers;
        return this;
    }

    /** The split reads the state as the store built by {@code stores} stores it: compressed with {@code codec}. */
    W1 compressingWith(Compression codec, int zstdAboveBytes) {
        this.compression = codec;
        this.zstdAboveBytes = zstdAboveBytes;
        return this;
    }

    /** The store's settings, printed above the tables and as RESULT lines, so a table is never read without them. */
    W1 storeSettings(String heading, Map<String, Double> values) {
        this.storeSettings = heading;
        this.storeSettingValues = values;
        return this;
    }

    void run(String description) throws Exception {
        Validator validator = validator();
        StateCodec codec = new StateCodec();
        CompiledGraph<W1State> graph = graph();
        System.out.println("W1 conversation growth, " + description + ", ThreadRuntime with Bean Validation");
        System.out.println(Machine.describe());
        System.out.printf("settings: T up to %d, samples at %s, %d repetitions, warm-up %d node steps, snapshot ratio %s, "
                        + "snapshot read bound %d B (0: none), read bytes per delta %d, head cache %d threads, trust head cache %s%n",
                turns, Arrays.toString(SAMPLES), REPETITIONS, WARMUP_NODE_STEPS,
                options.snapshotPolicy().ratio(), options.snapshotPolicy().maxReadBytes(),
                options.snapshotPolicy().readBytesPerDelta(), options.headCacheThreads(),
                options.trustHeadCache());

        warmUp(graph, validator, codec);

        List<List<Sample>> reps = new ArrayList<>();
        for (int rep = 1; rep <= REPETITIONS; rep++) {
            reps.add(growth(graph, validator, codec, rep));
        }
        List<double[]> throughput = new ArrayList<>();
        for (int rep = 1; THROUGHPUT && rep <= REPETITIONS; rep++) {
            double[] row = new double[WORKERS.length * 2];
            for (int i = 0; i < WORKERS.length; i++) {
                double[] r = throughput(graph, validator, codec, WORKERS[i]);
                row[2 * i] = r[0];
                row[2 * i + 1] = r[1];
            }
            throughput.add(row);
        }
        report(reps, throughput);
    }

    private void warmUp(CompiledGraph<W1State> graph, Validator validator, StateCodec codec) {
        ThreadRuntime<W1State> rt = runtime(graph, stores.get(), validator, codec, options);
        int steps = 0;
        for (int conversation = 0; steps < WARMUP_NODE_STEPS; conversation++) {
            ThreadKey thread = ThreadKey.of("warmup", "w" + conversation);
            for (int t = 0; t < 100 && steps < WARMUP_NODE_STEPS; t++) {
                turn(rt, thread, t);
                steps += 3;
            }
        }
    }

    private List<Sample> growth(CompiledGraph<W1State> graph, Validator validator, StateCodec codec, int rep) {
        CheckpointStore store = stores.get();
        ThreadRuntime<W1State> rt = runtime(graph, store, validator, codec, options);
        ThreadRuntime<W1State> coldReader = coldReader(graph, store, validator, codec, options);
        ThreadKey thread = ThreadKey.of("bench", "w1-rep" + rep);
        long[] wall = new long[turns + 1];
        long[] cpu = new long[turns + 1];
        long[] others = new long[turns + 1];
        boolean[] packing = new boolean[turns + 1];
        List<Sample> samples = new ArrayList<>();
        probe.reset();
        W1State finalState = null;
        for (int t = 1; t <= turns; t++) {
            Map<Long, Long> p0 = Machine.otherThreadsCpu();
            long besides0 = probe.writesBesideCommits();
            long c0 = THREADS.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            StepResult<W1State> last = turn(rt, thread, t);
            finalState = last.state();
            wall[t] = System.nanoTime() - w0;
            cpu[t] = THREADS.getCurrentThreadCpuTime() - c0;
            others[t] = Machine.cpuBetween(p0, Machine.otherThreadsCpu());
            packing[t] = probe.writesBesideCommits() > besides0;
            if (last.state().messages().size() != 4 * t) {
                throw new IllegalStateException("after turn " + t + " the thread holds " + last.state().messages().size() + " messages");
            }
            for (int sampleT : SAMPLES) {
                if (t == sampleT && sampleT <= turns) {
                    Map<String, Double> extra = probe.perStep(3L * t);
                    int w = Math.max(5, t / 10);
                    double[] stepWall = new double[w];
                    double[] stepCpu = new double[w];
                    double callingSum = 0;
                    double othersSum = 0;
                    for (int i = 0; i < w; i++) {
                        stepWall[i] = wall[t - i] / 3.0 / 1000;
                        stepCpu[i] = cpu[t - i] / 3.0 / 1000;
                        callingSum += cpu[t - i] / 3.0 / 1000;
                        othersSum += others[t - i] / 3.0 / 1000;
                    }
                    // Every Java thread (the calling one, telemetry's exporters, the SDK's timers), per step: work moved
                    // off the calling thread is still counted here. Other threads' CPU cannot be split per turn (a timer
                    // fires in the next turn), so it is a mean over the window; the calling thread's mean goes beside it,
                    // since its median (the growth table) leaves out the window's snapshot-writing turn (tens of ms of
                    // deflate on the calling thread at T=1000): "other threads" is mean(all) - mean(calling), never
                    // mean(all) - median(calling).
                    extra = new TreeMap<>(extra);
                    extra.put("calling_thread_cpu_mean_us", callingSum / w);
                    extra.put("all_threads_cpu_us", (callingSum + othersSum) / w);
                    extra.put("other_threads_cpu_us", othersSum / w);
                    // The window's costliest turn, whole (not per step): where a snapshot is written, that turn (its
                    // deflate, most of it), which the median leaves out and the mean spreads over the window.
                    long maxTurn = 0;
                    for (int i = 0; i < w; i++) {
                        maxTurn = Math.max(maxTurn, cpu[t - i]);
                    }
                    extra.put("max_turn_cpu_us", maxTurn / 1000.0);
                    if (besides0 >= 0) {
                        // The turns that packed (a write besides the commit's transaction), per step: the median leaves
                        // them out when they are fewer than half the window, so their cost is shown apart.
                        double[] packed = new double[w];
                        int n = 0;
                        for (int i = 0; i < w; i++) {
                            if (packing[t - i]) {
                                packed[n++] = cpu[t - i] / 3.0 / 1000;
                            }
                        }
                        extra.put("packing_turns", (double) n);
                        extra.put("packing_turn_cpu_us", n == 0 ? 0 : Machine.median(Arrays.copyOf(packed, n)));
                    }
                    double[] reads = new double[5];
                    long bytes0 = probe.bytesRead();
                    long requests0 = probe.readRequests();
                    long items0 = probe.itemsRead();
                    for (int i = 0; i < reads.length; i++) {
                        long r0 = System.nanoTime();
                        W1State read = coldReader.state(thread).state();
                        reads[i] = (System.nanoTime() - r0) / 1e6;
                        if (!read.equals(last.state())) {
                            throw new IllegalStateException("the latest state read back differs at T=" + t);
                        }
                    }
                    if (bytes0 >= 0) {
                        // What one cold read of the latest state fetched: item bytes and requests (the same each time).
                        extra = new TreeMap<>(extra);
                        extra.put("cold_read_bytes", (double) (probe.bytesRead() - bytes0) / reads.length);
                        extra.put("cold_read_requests", (double) (probe.readRequests() - requests0) / reads.length);
                        extra.put("cold_read_items", (double) (probe.itemsRead() - items0) / reads.length);
                    }
                    long checkpoints = last.checkpoint().step();
                    samples.add(new Sample(t, Machine.median(stepWall), Machine.median(stepCpu), checkpoints,
                            store.storedBytes(thread), codec.encode(last.state()).length, Machine.median(reads), extra));
                }
            }
        }
        lastColdRead = () -> coldReader.state(thread);
        lastStoreRead = () -> store.loadLatest(thread).orElseThrow();
        lastState = finalState;
        if (rep == REPETITIONS) {
            // After the last repetition: run earlier, its warm loop would warm the decode path for the next repetition's
            // cold reads.
            decodeSplit(codec, rt.state(thread).state(), inflate, compression, zstdAboveBytes);
        }
        System.out.printf("repetition %d:%n", rep);
        for (Sample s : samples) {
            System.out.printf(Locale.ROOT, "  T=%-5d step %7.1f us  cpu %7.1f us  checkpoints %5d  stored %,11d B  final %,10d B  ratio %5.2f  read %6.2f ms %s%n",
                    s.t(), s.stepMicros(), s.cpuMicros(), s.checkpoints(), s.storedBytes(), s.finalBytes(), s.ratio(), s.readMillis(),
                    s.extra().isEmpty() ? "" : s.extra());
        }
        return samples;
    }

    /**
     * The client's part of a cold read, piece by piece, on the final state in this process (no store): inflating the
     * state's gzip (the snapshot's stored form) and decoding its JSON into the record. Medians of 21 after 10 warm, so
     * the figures are the JIT's steady state, which a cold read run a few dozen times in the bench does not reach.
     */
    private static void decodeSplit(StateCodec codec, W1State state, InflateThreads helpers, Compression compression,
                                    int zstdAboveBytes) {
        byte[] json = codec.encode(state);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] gzipped = gz.toByteArray();
        double[] inflate = new double[21];
        double[] decode = new double[21];
        // zstd in pure Java as one frame, straight through aircompressor (the figure sessions 33-35 printed as a candidate
        // codec; the store's own zstd, threadline.dynamodb.compression=zstd, is the store line above under --compression
        // zstd). A pure-Java decoder is fast only once C2 has compiled it: this warm figure is its best case.
        ZstdCompressor zc = new ZstdCompressor();
        byte[] zbuf = new byte[zc.maxCompressedLength(json.length)];
        byte[] zstd = Arrays.copyOf(zbuf, zc.compress(json, 0, json.length, zbuf, 0, zbuf.length));
        ZstdDecompressor zd = new ZstdDecompressor();
        double[] unzstd = new double[21];
        // The store's own compression of the state (gzip since session 34 as members of 128 KiB, or zstd as indexed
        // frames of 128 KiB: --compression), read back as a cold read reads it: wall, and CPU of every thread (the
        // helpers' too).
        StoredPayload stored = StoredPayload.of(json, DynamoDbStoreSettings.DEFAULT_COMPRESS_ABOVE_BYTES, compression, zstdAboveBytes);
        double[] storeWall = new double[21];
        double[] storeCpu = new double[21];
        double[] inflateWall = new double[21];
        for (int i = -10; i < inflate.length; i++) {
            // The store's read and the one-member inflate each go first in turn: the first after a pause runs on a
            // fresh scheduler slice, which on a loaded machine is worth more than the difference measured.
            byte[] fromStore = null;
            long sw0 = 0, sw1 = 0, s0 = 0, s1 = 0, others = 0;
            long w0 = 0, c0 = 0, c1 = 0, w1 = 0;
            byte[] fromZstd = new byte[json.length];
            byte[] out = new byte[json.length];
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) == ((i & 1) == 0)) {
                    w0 = System.nanoTime();
                    c0 = THREADS.getCurrentThreadCpuTime();
                    Inflater inflater = new Inflater(true);
                    inflater.setInput(gzipped, 10, gzipped.length - 18); // raw deflate between the 10-byte header and the trailer
                    try {
                        int n = 0;
                        while (n < out.length) {
                            n += inflater.inflate(out, n, out.length - n);
                        }
                    } catch (DataFormatException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        inflater.end();
                    }
                    c1 = THREADS.getCurrentThreadCpuTime();
                    w1 = System.nanoTime();
                } else {
                    Predicate<String> helper = name -> name.startsWith("threadline-inflate-");
                    Map<Long, Long> o0 = Machine.otherThreadsCpu(helper);
                    s0 = THREADS.getCurrentThreadCpuTime();
                    sw0 = System.nanoTime();
                    fromStore = StoredPayload.envelope(List.of(stored.bytes()), stored.compressed(), helpers);
                    sw1 = System.nanoTime();
                    s1 = THREADS.getCurrentThreadCpuTime();
                    others = Machine.cpuBetween(o0, Machine.otherThreadsCpu(helper));
                }
            }
            long d0 = THREADS.getCurrentThreadCpuTime();
            W1State decoded = codec.decode(out, W1State.class);
            long c2 = THREADS.getCurrentThreadCpuTime();
            int z = zd.decompress(zstd, 0, zstd.length, fromZstd, 0, fromZstd.length);
            long c3 = THREADS.getCurrentThreadCpuTime();
            if (!Arrays.equals(fromStore, json)) {
                throw new IllegalStateException("the store's gzip of the final state does not read back");
            }
            if (i >= 0) {
                storeWall[i] = (sw1 - sw0) / 1e6;
                storeCpu[i] = (s1 - s0 + others) / 1e6;
                inflateWall[i] = (w1 - w0) / 1e6;
                inflate[i] = (c1 - c0) / 1e6;
                decode[i] = (c2 - d0) / 1e6;
                unzstd[i] = (c3 - c2) / 1e6;
            } else if (!decoded.equals(state) || z != json.length || !Arrays.equals(fromZstd, json)) {
                throw new IllegalStateException("the final state does not decode to itself");
            }
        }
        System.out.printf(Locale.ROOT, "cold read, client pieces on the final state (%,d B JSON, %,d B gzipped), warm: inflate %.2f ms, "
                + "decode %.2f ms of CPU%n", json.length, gzipped.length, Machine.median(inflate), Machine.median(decode));
        System.out.printf(Locale.ROOT, "RESULT w1.%s.final_state_inflate_cpu_ms %.3f%nRESULT w1.%s.final_state_decode_cpu_ms %.3f%n",
                "state", Machine.median(inflate), "state", Machine.median(decode));
        System.out.printf(Locale.ROOT, "  one member inflated on the calling thread: %.2f ms wall; the store's %s (%,d B) read back by the store "
                + "(StoredPayload.envelope): %.2f ms wall, %.2f ms of CPU (calling thread + its inflate helpers)%n", Machine.median(inflateWall),
                compression.configName(), stored.size(), Machine.median(storeWall), Machine.median(storeCpu));
        System.out.printf(Locale.ROOT, "RESULT w1.state.final_state_inflate_wall_ms %.3f%nRESULT w1.state.final_state_store_gunzip_wall_ms %.3f%n"
                + "RESULT w1.state.final_state_store_gunzip_cpu_ms %.3f%nRESULT w1.state.final_state_store_bytes %d%n",
                Machine.median(inflateWall), Machine.median(storeWall), Machine.median(storeCpu), stored.size());
        System.out.printf(Locale.ROOT, "zstd in one frame, aircompressor directly: %,d B, decompress %.2f ms of CPU%n",
                zstd.length, Machine.median(unzstd));
        System.out.printf(Locale.ROOT, "RESULT w1.state.final_state_zstd_bytes %d%nRESULT w1.state.final_state_zstd_decompress_cpu_ms %.3f%n",
                zstd.length, Machine.median(unzstd));
    }

    /** Node steps per wall second and per process CPU second with {@code workers} threads for 10 s. */
    private double[] throughput(CompiledGraph<W1State> graph, Validator validator, StateCodec codec, int workers)
            throws InterruptedException {
        ThreadRuntime<W1State> rt = runtime(graph, stores.get(), validator, codec, options);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong steps = new AtomicLong();
        CountDownLatch done = new CountDownLatch(workers);
        OperatingSystemMXBean os =
                (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long w0 = System.nanoTime();
        for (int i = 0; i < workers; i++) {
            int worker = i;
            Thread th = new Thread(() -> {
                long conversation = 0;
                while (!stop.get()) {
                    ThreadKey thread = ThreadKey.of("tp", "w" + worker + "-" + workers + "-" + conversation++);
                    for (int t = 1; t <= 10 && !stop.get(); t++) {
                        turn(rt, thread, t);
                        steps.addAndGet(3);
                    }
                }
                done.countDown();
            });
            th.start();
        }
        Thread.sleep(THROUGHPUT_NANOS / 1_000_000);
        stop.set(true);
        done.await();
        double wallSeconds = (System.nanoTime() - w0) / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
        double[] r = {steps.get() / wallSeconds, steps.get() / cpuSeconds};
        System.out.printf(Locale.ROOT, "  throughput, %d workers: %,.0f node steps/s wall, %,.0f per CPU-second%n", workers, r[0], r[1]);
        return r;
    }

    private void report(List<List<Sample>> reps, List<double[]> throughput) {
        System.out.println();
        if (!storeSettings.isEmpty()) {
            System.out.println("store settings: " + storeSettings);
            System.out.println();
        }
        System.out.println("| T | time per node step (µs) | CPU per step (µs) | checkpoints | stored bytes | final state bytes | stored/final | read latest (ms) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int i = 0; i < reps.get(0).size(); i++) {
            int k = i;
            double step = median(reps, s -> s.get(k).stepMicros());
            double cpu = median(reps, s -> s.get(k).cpuMicros());
            double stored = median(reps, s -> s.get(k).storedBytes());
            double fin = median(reps, s -> s.get(k).finalBytes());
            double ratio = median(reps, s -> s.get(k).ratio());
            double read = median(reps, s -> s.get(k).readMillis());
            System.out.printf(Locale.ROOT, "| %d | %.1f %s | %.1f | %d | %,.0f | %,.0f | %.2f | %.2f |%n", reps.get(0).get(k).t(), step,
                    each(reps, s -> s.get(k).stepMicros()), cpu, reps.get(0).get(k).checkpoints(), stored, fin, ratio, read);
        }
        System.out.println();
        System.out.println("| workers | node steps/s (wall) | node steps per CPU-second |");
        System.out.println("|---|---|---|");
        for (int i = 0; !throughput.isEmpty() && i < WORKERS.length; i++) {
            int k = i;
            double[] wall = throughput.stream().mapToDouble(r -> r[2 * k]).toArray();
            double[] perCpu = throughput.stream().mapToDouble(r -> r[2 * k + 1]).toArray();
            System.out.printf(Locale.ROOT, "| %d | %,.0f %s | %,.0f |%n", WORKERS[i], Machine.median(wall),
                    Arrays.toString(Arrays.stream(wall).mapToLong(Math::round).toArray()), Machine.median(perCpu));
        }
        if (!reps.get(0).get(0).extra().isEmpty()) {
            System.out.println();
            // Every key any sample has (a call a later T makes first, e.g. a pack's PutItem, still gets its column).
            List<String> keys = new ArrayList<>(reps.stream().flatMap(List::stream).flatMap(s -> s.extra().keySet().stream())
                    .collect(Collectors.toCollection(TreeSet::new)));
            System.out.println("| T | " + String.join(" | ", keys) + " |");
            System.out.println("|---|" + "---|".repeat(keys.size()));
            for (int i = 0; i < reps.get(0).size(); i++) {
                int k = i;
                StringBuilder row = new StringBuilder("| " + reps.get(0).get(k).t() + " |");
                for (String key : keys) {
                    row.append(String.format(Locale.ROOT, " %.2f |", median(reps, s -> s.get(k).extra().getOrDefault(key, 0.0))));
                }
                System.out.println(row);
            }
        }
        System.out.println();
        for (int i = 0; i < reps.get(0).size(); i++) {
            int k = i;
            String p = "w1." + label + ".T" + reps.get(0).get(k).t();
            System.out.printf(Locale.ROOT, "RESULT %s.step_us %.1f%n", p, median(reps, s -> s.get(k).stepMicros()));
            System.out.printf(Locale.ROOT, "RESULT %s.cpu_us %.1f%n", p, median(reps, s -> s.get(k).cpuMicros()));
            System.out.printf(Locale.ROOT, "RESULT %s.stored_bytes %.0f%n", p, median(reps, s -> s.get(k).storedBytes()));
            System.out.printf(Locale.ROOT, "RESULT %s.final_bytes %.0f%n", p, median(reps, s -> s.get(k).finalBytes()));
            System.out.printf(Locale.ROOT, "RESULT %s.ratio %.3f%n", p, median(reps, s -> s.get(k).ratio()));
            System.out.printf(Locale.ROOT, "RESULT %s.read_ms %.3f%n", p, median(reps, s -> s.get(k).readMillis()));
            for (String key : reps.get(0).get(k).extra().keySet()) {
                System.out.printf(Locale.ROOT, "RESULT %s.%s %.3f%n", p, key, median(reps, s -> s.get(k).extra().getOrDefault(key, 0.0)));
            }
        }
        storeSettingValues.forEach((key, value) -> System.out.printf(Locale.ROOT, "RESULT w1.%s.%s %.0f%n", label, key, value));
        List<Sample> last = reps.stream().map(r -> r.get(r.size() - 1)).toList();
        if (last.get(0).extra().containsKey("calls_per_step")) {
            System.out.printf(Locale.ROOT, "RESULT w1.%s.calls_per_step %.3f%n", label,
                    Machine.median(last.stream().mapToDouble(x -> x.extra().get("calls_per_step")).toArray()));
        }
        for (int i = 0; !throughput.isEmpty() && i < WORKERS.length; i++) {
            int k = i;
            System.out.printf(Locale.ROOT, "RESULT w1.%s.throughput.%d %.0f%n", label, WORKERS[i],
                    Machine.median(throughput.stream().mapToDouble(r -> r[2 * k]).toArray()));
        }
    }

    static double median(List<List<Sample>> reps, ToDoubleFunction<List<Sample>> f) {
        return Machine.median(reps.stream().mapToDouble(f).toArray());
    }

    private static String each(List<List<Sample>> reps, ToDoubleFunction<List<Sample>> f) {
        StringBuilder b = new StringBuilder("[");
        for (List<Sample> r : reps) {
            b.append(b.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.1f", f.applyAsDouble(r)));
        }
        return b.append(']').toString();
    }
}
