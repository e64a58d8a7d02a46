package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checkpoints for the DynamoDB tests: the state is {@code {"n":[1..step]}} (a snapshot, or a JSON
 * Patch appending the step) unless a test gives its own state JSON. Time starts where the test says,
 * so TTL attributes can be checked exactly. Not thread-safe: one instance per writer.
 */
public final class Steps {

    private final SplittableRandom random;
    private Instant clock;

    public Steps(Instant start) {
        this(start, 7);
    }

    /** Different seeds give different ids for the same parent (racing writers). */
    Steps(Instant start, long seed) {
        this.clock = start.truncatedTo(ChronoUnit.MILLIS);
        this.random = new SplittableRandom(seed);
    }

    public Checkpoint first(ThreadKey thread) {
        return checkpoint(thread, 1, null, new StateChange.Snapshot(state(1)), null);
    }

    Checkpoint first(ThreadKey thread, byte[] stateJson) {
        return checkpoint(thread, 1, null, new StateChange.Snapshot(stateJson), null);
    }

    public Checkpoint next(Checkpoint parent, boolean snapshot) {
        return next(parent, snapshot, null);
    }

    Checkpoint next(Checkpoint parent, boolean snapshot, String key) {
        long step = parent.step() + 1;
        StateChange change = snapshot ? new StateChange.Snapshot(state(step))
                : new StateChange.Delta(("[{\"op\":\"add\",\"path\":\"/n/-\",\"value\":" + step + "}]").getBytes(StandardCharsets.UTF_8));
        return checkpoint(parent.thread(), step, parent.id(), change, key);
    }

    Checkpoint nextWith(Checkpoint parent, StateChange change) {
        return checkpoint(parent.thread(), parent.step() + 1, parent.id(), change, null);
    }

    private Checkpoint checkpoint(ThreadKey thread, long step, CheckpointId parent, StateChange change, String key) {
        clock = clock.plusMillis(1);
        return Checkpoint.draft(CheckpointId.next(clock, random::nextLong, parent), thread, step, parent)
                .state(1, change, clock)
                .metadata(Map.of("k", "v" + step))
                .idempotencyKey(key)
                .step(List.of("n" + step), List.of(new Decision("n" + step, List.of("n" + (step + 1)), "because " + step)),
                        List.of("n" + (step + 1)));
    }

    /** {"n":[1,2,...,step]} */
    static byte[] state(long step) {
        StringBuilder sb = new StringBuilder("{\"n\":[");
        for (long i = 1; i <= step; i++) {
            sb.append(i == 1 ? "" : ",").append(i);
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static long[] upTo(long step) {
        long[] n = new long[(int) step];
        for (int i = 0; i < n.length; i++) {
            n[i] = i + 1;
        }
        return n;
    }
}
