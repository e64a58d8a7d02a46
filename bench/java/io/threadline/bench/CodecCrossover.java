package io.threadline.bench;

import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointCodec;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.internal.StoredPayload;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench/run codecs dynamodb}: where zstd starts to beat gzip as the DynamoDB store compresses an envelope
 * ({@code threadline.dynamodb.zstd-above-bytes}), in this process, no table. W1's envelopes as the store would
 * get them: a delta, and whole states from a few hundred bytes up to T=1000's (a run whose every checkpoint is a
 * snapshot). Per envelope: the stored size with each codec, and the calling thread's CPU to compress and to read
 * back ({@link StoredPayload#envelope}, no helpers), medians of batches after the JIT has compiled both codecs.
 */
public final class CodecCrossover {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Envelope sizes measured: the nearest whole state at or above each (and one W1 delta). */
    private static final int[] SIZES = {1_000, 2_000, 4_000, 8_000, 12_000, 16_000, 20_000, 24_000, 28_000, 32_000, 40_000,
            48_000, 64_000, 100_000, 131_072, 140_000, 200_000, 262_144, 400_000, 600_000, 900_000};
    private static final int BATCHES = Integer.getInteger("codecs.batches", 15);

    private CodecCrossover() {
    }

    public static void main(String[] args) {
        BenchArgs.parseOrExit(args, new BenchArgs("codecs dynamodb", "bench/run codecs dynamodb (no options)")::read);
        List<byte[]> envelopes = envelopes();
        System.out.println("codec crossover: W1 envelopes, gzip (level 6, members of 128 KiB) against zstd (frames of 128 KiB),"
                + " StoredPayload as the store calls it; CPU of the calling thread, median of " + BATCHES + " batches");
        System.out.println(Machine.describe());
        // Both codecs on every size until C2 has compiled them (the store's steady state in a warm Lambda container).
        long warmUntil = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            for (byte[] e : envelopes) {
                for (Compression c : Compression.values()) {
                    StoredPayload p = StoredPayload.of(e, 0, c, 0);
                    StoredPayload.envelope(List.of(p.bytes()), p.compressed());
                }
            }
        }
        System.out.println("| envelope (B) | gzip stored (B) | zstd stored (B) | zstd/gzip size | compress gzip / zstd (us) "
                + "| read gzip / zstd (us) | zstd/gzip compress | zstd/gzip read |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (byte[] e : envelopes) {
            int reps = Math.max(1, 2_000_000 / e.length); // ~2 MB of input a batch: small envelopes timed in bulk
            double[][] compress = new double[2][BATCHES];
            double[][] read = new double[2][BATCHES];
            int[] stored = new int[2];
            for (int b = 0; b < BATCHES; b++) {
                for (int k = 0; k < 2; k++) {
                    // gzip first in even batches, zstd first in odd ones
                    Compression c = Compression.values()[(k + b) % 2];
                    int i = c.ordinal();
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    StoredPayload p = null;
                    for (int r = 0; r < reps; r++) {
                        p = StoredPayload.of(e, 0, c, 0);
                    }
                    long c1 = THREADS.getCurrentThreadCpuTime();
                    byte[] back = null;
                    for (int r = 0; r < reps; r++) {
                        back = StoredPayload.envelope(List.of(p.bytes()), p.compressed());
                    }
                    long c2 = THREADS.getCurrentThreadCpuTime();
                    if (!Arrays.equals(back, e)) {
                        throw new IllegalStateException(c + " does not read back an envelope of " + e.length + " B");
                    }
                    stored[i] = p.size();
                    compress[i][b] = (c1 - c0) / 1e3 / reps;
                    read[i][b] = (c2 - c1) / 1e3 / reps;
                }
            }
            double gc = Machine.median(compress[0]);
            double zc = Machine.median(compress[1]);
            double gr = Machine.median(read[0]);
            double zr = Machine.median(read[1]);
            System.out.printf(Locale.ROOT, "| %,d | %,d | %,d | %.3f | %.1f / %.1f | %.1f / %.1f | %.2f | %.2f |%n", e.length,
                    stored[0], stored[1], (double) stored[1] / stored[0], gc, zc, gr, zr, zc / gc, zr / gr);
        }
    }

    /** Two W1 deltas' envelopes (turn 20's three steps), then the whole states nearest above each of {@link #SIZES}. */
    private static List<byte[]> envelopes() {
        List<byte[]> chosen = new ArrayList<>();
        List<byte[]> deltas = latest(RuntimeOptions.defaults(), 20, false);
        chosen.add(deltas.get(deltas.size() - 1));
        // Every checkpoint a snapshot, older ones pruned as it goes: the states of T=1..1000 as envelopes.
        List<byte[]> states = latest(RuntimeOptions.defaults().withSnapshotPolicy(new SnapshotPolicy(1e-12)), 1000, true);
        for (int size : SIZES) {
            states.stream().filter(s -> s.length >= size).findFirst().ifPresent(chosen::add);
        }
        chosen.add(states.get(states.size() - 1));
        return chosen.stream().distinct().sorted((a, b) -> Integer.compare(a.length, b.length)).toList();
    }

    /** The envelope of a W1 thread's latest checkpoint after each of {@code turns} turns. */
    private static List<byte[]> latest(RuntimeOptions options, int turns, boolean prune) {
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        ThreadRuntime<W1.W1State> rt = ThreadRuntime.builder(W1.graph()).store(store).validator(W1.validator())
                .codec(new StateCodec()).options(options).build();
        ThreadKey thread = ThreadKey.of("bench", "crossover");
        List<byte[]> envelopes = new ArrayList<>();
        for (int t = 1; t <= turns; t++) {
            W1.turn(rt, thread, t);
            CheckpointChain chain = store.loadLatest(thread).orElseThrow();
            envelopes.add(CheckpointCodec.encode(chain.target()));
            if (prune) {
                store.prune(thread, new RetentionPolicy(1), Instant.now());
            }
        }
        return envelopes;
    }
}
