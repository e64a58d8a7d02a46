package io.threadline.checkpoint;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds chains of checkpoints for store tests: a thread whose state is {@code {"n": [..]}} and each
 * step appends its step number, as a snapshot or as a JSON Patch delta.
 */
final class CheckpointFixtures {

    private final SplittableRandom random = new SplittableRandom(42);
    private Instant clock = Instant.parse("2026-01-01T00:00:00Z");

    Checkpoint first(ThreadKey thread) {
        return snapshot(thread, 1, null);
    }

    Checkpoint next(Checkpoint parent, boolean snapshot) {
        return next(parent, snapshot, null);
    }

    Checkpoint next(Checkpoint parent, boolean snapshot, String idempotencyKey) {
        long step = parent.step() + 1;
        StateChange change = snapshot ? new StateChange.Snapshot(stateJson(step))
                : new StateChange.Delta(("[{\"op\":\"add\",\"path\":\"/n/-\",\"value\":" + step + "}]").getBytes(StandardCharsets.UTF_8));
        return checkpoint(parent.thread(), step, parent.id(), change, idempotencyKey);
    }

    Checkpoint snapshot(ThreadKey thread, long step, CheckpointId parent) {
        return checkpoint(thread, step, parent, new StateChange.Snapshot(stateJson(step)), null);
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

    /** The same step carrying an outbox. */
    static Checkpoint withOutbox(Checkpoint cp, String outbox) {
        return Checkpoint.draft(cp.id(), cp.thread(), cp.step(), cp.parent())
                .state(cp.schemaVersion(), cp.change(), cp.createdAt())
                .metadata(cp.metadata())
                .input(cp.input())
                .effects(cp.effects())
                .idempotencyKey(cp.idempotencyKey())
                .outbox(MemoryOutbox.fromJson(outbox))
                .step(cp.nodes(), cp.decisions(), cp.next());
    }

    /** The JSON of the state after {@code step} steps: {"n":[1,2,...,step]}. */
    static byte[] stateJson(long step) {
        List<String> items = new ArrayList<>();
        for (long i = 1; i <= step; i++) {
            items.add(Long.toString(i));
        }
        return ("{\"n\":[" + String.join(",", items) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A thread's first checkpoint committed at {@code at}, of {@code agent} (null: none), standing at {@code status}
     * (RUNNING, DONE, INTERRUPTED waiting in node "ask", or FAILED).
     */
    Checkpoint listed(ThreadKey thread, Instant at, String agent, Status status) {
        Checkpoint.Draft draft = Checkpoint.draft(CheckpointId.next(at, random::nextLong, null), thread, 1, null)
                .state(1, new StateChange.Snapshot(stateJson(1)), at)
                .metadata(agent == null ? Map.of() : Map.of("agent", agent));
        return switch (status) {
            case RUNNING -> draft.step(List.of("a"), List.of(), List.of("b"));
            case DONE -> draft.step(List.of("a"), List.of(), List.of());
            case INTERRUPTED -> draft.interruptedStep(List.of("ask"), List.of("ask"), InterruptPayload.of("ask", "inside",
                    JsonNodeFactory.instance.objectNode().put("question", "refund 120 EUR?")));
            case FAILED -> draft.failedStep(List.of("a"), List.of("a"), new StepError("a", "java.lang.IllegalStateException", "boom", ""));
            default -> throw new IllegalArgumentException("no fixture for " + status);
        };
    }
}
