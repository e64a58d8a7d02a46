package io.threadline.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each kind of checkpoint a {@link Checkpoint.Draft} makes: its status, and only the facts that kind has. */
class CheckpointDraftTest {

    private static final ThreadKey THREAD = ThreadKey.of("acme", "t-1");
    private static final Instant AT = Instant.parse("2026-12-06T08:00:00Z");
    private static final CheckpointId PARENT = CheckpointId.next(AT.minusMillis(1), () -> 1L, null);
    private static final CheckpointId ID = CheckpointId.next(AT, () -> 2L, PARENT);
    private static final StateChange CHANGE = new StateChange.Delta("[]".getBytes(StandardCharsets.UTF_8));
    private static final StepError ERROR = new StepError("think", "java.lang.IllegalStateException", "boom", null);

    private static Checkpoint.Draft draft() {
        return Checkpoint.draft(ID, THREAD, 2, PARENT).state(3, CHANGE, AT).metadata(Map.of("k", "v"));
    }

    @Test
    void aStepIsRunningWhileNodesAreNextAndDoneAfter() {
        Decision decision = new Decision("think", List.of("act"), "a tool call");
        Checkpoint running = draft().input(StepInput.fromJson("[{\"op\":\"add\",\"path\":\"/n\",\"value\":1}]")).effects(EffectLog.fromJson("[]")).idempotencyKey("k-1")
                .outbox(MemoryOutbox.fromJson("[{\"content\":\"x\"}]")).step(List.of("think"), List.of(decision), List.of("act"));
        assertThat(running).isEqualTo(new Checkpoint(ID, THREAD, 2, PARENT, List.of("think"), List.of(decision), List.of("act"),
                Status.RUNNING, 3, CHANGE, AT, "k-1", Map.of("k", "v"), MemoryOutbox.fromJson("[{\"content\":\"x\"}]"),
                StepInput.fromJson("[{\"op\":\"add\",\"path\":\"/n\",\"value\":1}]"), EffectLog.fromJson("[]"), null, null));
        assertThat(draft().step(List.of("act"), List.of(), List.of()).status()).isEqualTo(Status.DONE);
    }

    @Test
    void aPausedStepWaitsAfterItsNodes() {
        Checkpoint paused = draft().idempotencyKey("k-1").pausedStep(List.of("think"), List.of(), List.of("act"), InterruptPayload.fromJson("{\"node\":\"think\"}"));
        assertThat(paused.status()).isEqualTo(Status.INTERRUPTED);
        assertThat(paused.interrupt().json()).isEqualTo("{\"node\":\"think\"}");
        assertThat(paused.idempotencyKey()).isEqualTo("k-1");
    }

    @Test
    void aFailedOrInterruptedStepKeepsNoDecisionsKeyOrOutbox() {
        Checkpoint failed = draft().input(StepInput.fromJson("[]")).effects(EffectLog.fromJson("[]")).failedStep(List.of("think"), List.of("think"), ERROR);
        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.error()).isEqualTo(ERROR);
        assertThat(failed.decisions()).isEmpty();
        assertThat(failed.idempotencyKey()).isNull();
        Checkpoint interrupted = draft().interruptedStep(List.of("ask"), List.of("ask"), InterruptPayload.fromJson("{\"node\":\"ask\"}"));
        assertThat(interrupted.status()).isEqualTo(Status.INTERRUPTED);
        assertThat(interrupted.next()).containsExactly("ask");

        assertThatThrownBy(() -> draft().idempotencyKey("k-1").failedStep(List.of("think"), List.of("think"), ERROR))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("a failed step has no idempotency key");
        assertThatThrownBy(() -> draft().outbox(MemoryOutbox.fromJson("[1]")).interruptedStep(List.of("ask"), List.of("ask"), InterruptPayload.fromJson("{}")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("an interrupted step has no outbox");
    }

    @Test
    void anExternalWriteStandsWhereItsModelStandsAndRanNothing() {
        Checkpoint failed = draft().input(StepInput.fromJson("[]")).failedStep(List.of("think"), List.of("think"), ERROR);
        Checkpoint rewound = Checkpoint.draft(CheckpointId.next(AT.plusMillis(1), () -> 3L, ID), THREAD, 3, ID)
                .state(3, CHANGE, AT.plusMillis(1)).metadata(Map.of("op", "rewind")).externalWrite(failed);
        assertThat(rewound.nodes()).isEmpty();
        assertThat(rewound.input()).isNull();
        assertThat(List.of(rewound.next(), rewound.status(), rewound.error()))
                .isEqualTo(List.of(failed.next(), failed.status(), failed.error()));

        assertThatThrownBy(() -> draft().effects(EffectLog.fromJson("[{}]")).externalWrite(failed))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("an external write has no effects");
    }

    @Test
    void aDraftWithoutAStateIsRefused() {
        assertThatThrownBy(() -> Checkpoint.draft(ID, THREAD, 2, PARENT).step(List.of("a"), List.of(), List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("call state(...)");
    }
}
