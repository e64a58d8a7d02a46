package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ChainCollector} keeps what it reads in one list ordered at the end, where it kept a map by step (and one of
 * stored sizes by step) and put each checkpoint in as read, the first read of a step kept. On reads of every shape — a
 * pack after its members' own items, the same step read twice as different checkpoints, gaps, a read above the ones
 * before, checkpoints above the target, snapshots anywhere — it makes the chain, or the error, the maps made.
 */
class ChainCollectorTest {

    private static final ThreadKey THREAD = ThreadKey.of("acme", "t-1");
    private static final Instant AT = Instant.parse("2026-12-07T23:00:00Z");

    @Test
    void collectsWhatTheMapsByStepCollected() {
        Random random = new Random(40);
        int completed = 0;
        int refused = 0;
        int overlapping = 0;
        for (int trial = 0; trial < 3000; trial++) {
            int steps = 1 + random.nextInt(80);
            List<Checkpoint> versionA = checkpoints(steps, random, "a");
            List<Checkpoint> versionB = checkpoints(steps, random, "b"); // the same steps and ids, other checkpoints
            int targetStep = 1 + random.nextInt(steps);
            CheckpointId target = versionA.get(targetStep - 1).id();
            ChainCollector collector = new ChainCollector(THREAD, InflateThreads.NONE, target);
            Reference reference = new Reference(target);
            List<List<Checkpoint>> reads = reads(versionA, versionB, random);
            for (List<Checkpoint> read : reads) {
                long bytes = 1 + random.nextInt(100_000);
                boolean more = reference.collect(read, bytes);
                assertThat(collector.collect(read, bytes)).as("trial %d", trial).isEqualTo(more);
                assertThat(collector.isEmpty()).isEqualTo(!reference.found);
                if (!more) {
                    break;
                }
            }
            String expected = outcome(reference::finish);
            assertThat(outcome(collector::finish)).as("trial %d", trial).isEqualTo(expected);
            if (expected.startsWith("chain")) {
                completed++;
            } else {
                refused++;
            }
            overlapping += reference.overlaps > 0 ? 1 : 0;
        }
        // every kind of outcome was tried
        assertThat(completed).isGreaterThan(300);
        assertThat(refused).isGreaterThan(300);
        assertThat(overlapping).isGreaterThan(300);
    }

    /** Steps 1..n, ids rising with the step; some snapshots, the changes of varied sizes (their share of a pack's bytes). */
    private static List<Checkpoint> checkpoints(int n, Random random, String version) {
        Random ids = new Random(n); // the same ids for both versions of a step
        List<Checkpoint> out = new ArrayList<>();
        CheckpointId parent = null;
        for (int step = 1; step <= n; step++) {
            CheckpointId id = CheckpointId.next(AT.plusMillis(step), ids::nextLong, parent);
            byte[] change = (version + "x".repeat(random.nextInt(300))).getBytes(StandardCharsets.UTF_8);
            boolean snapshot = step == 1 || random.nextInt(6) == 0;
            out.add(Checkpoint.draft(id, THREAD, step, parent)
                    .state(1, snapshot ? new StateChange.Snapshot(change) : new StateChange.Delta(change), AT)
                    .step(List.of(version), List.of(), List.of()));
            parent = id;
        }
        return out;
    }

    /**
     * Reads newest first, in blocks (a single item, or a pack: its checkpoints oldest first), of either version; some
     * blocks are read again lower down (a pack after its members' items), some steps skipped, some blocks out of order.
     */
    private static List<List<Checkpoint>> reads(List<Checkpoint> a, List<Checkpoint> b, Random random) {
        List<List<Checkpoint>> out = new ArrayList<>();
        int top = a.size();
        while (top >= 1 && out.size() < 200) {
            int size = random.nextInt(3) == 0 ? 1 + random.nextInt(Math.min(top, 8)) : 1;
            int from = top - size + 1;
            List<Checkpoint> version = random.nextBoolean() ? a : b;
            out.add(new ArrayList<>(version.subList(from - 1, top)));
            switch (random.nextInt(10)) {
                case 0 -> top = Math.min(a.size(), top + random.nextInt(4)); // overlaps what was read, or above it
                case 1 -> top = from - 2; // a gap
                default -> top = from - 1;
            }
        }
        return out;
    }

    private interface Finish {
        CheckpointChain get();
    }

    private static String outcome(Finish finish) {
        try {
            CheckpointChain chain = finish.get();
            return "chain " + chain.checkpoints() + " " + chain.storedBytes();
        } catch (ThreadlineException e) {
            return e.code() + ": " + e.getMessage() + " " + e.details();
        }
    }

    /** The collector as it was: a map by step, a map of stored sizes by step, each checkpoint put as read. */
    private static final class Reference {
        private final TreeMap<Long, Checkpoint> byStep = new TreeMap<>();
        private final Map<Long, Long> storedByStep = new HashMap<>();
        private final CheckpointId target;
        private boolean found;
        private boolean complete;
        int overlaps;

        Reference(CheckpointId target) {
            this.target = target;
        }

        boolean collect(List<Checkpoint> read, long bytes) {
            long weights = 0;
            for (Checkpoint cp : read) {
                weights += cp.change().size() + 1L;
            }
            for (Checkpoint cp : read) {
                if (cp.id().compareTo(target) > 0) {
                    continue;
                }
                found |= cp.id().equals(target);
                if (byStep.putIfAbsent(cp.step(), cp) == null) {
                    storedByStep.put(cp.step(), read.size() == 1 ? bytes : bytes * (cp.change().size() + 1L) / weights);
                } else {
                    overlaps++;
                }
            }
            complete = found && byStep.firstEntry().getValue().isSnapshot();
            return !complete;
        }

        CheckpointChain finish() {
            if (!complete) {
                throw broken(byStep.isEmpty()
                        ? "checkpoint " + target + " is not stored"
                        : "no snapshot is stored at or before step " + byStep.firstKey()
                        + " (expired by TTL, or removed outside prune)");
            }
            List<Checkpoint> chain = new ArrayList<>(byStep.values());
            List<Long> stored = new ArrayList<>(chain.size());
            chain.forEach(cp -> stored.add(storedByStep.get(cp.step())));
            try {
                return new CheckpointChain(chain, stored);
            } catch (IllegalArgumentException e) {
                throw broken(e.getMessage());
            }
        }

        private ThreadlineException broken(String why) {
            return new ThreadlineException(ErrorCode.INTERNAL, "the checkpoint chain of " + THREAD + " up to " + target
                    + " is incomplete: " + why, Map.of("thread", THREAD.threadId(), "checkpointId", target.value()));
        }
    }
}
