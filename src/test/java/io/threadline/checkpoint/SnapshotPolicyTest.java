package io.threadline.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When a checkpoint is written whole: by the ratio, the age, and the bound on what a cold read fetches. */
class SnapshotPolicyTest {

    private static final Duration YOUNG = Duration.ZERO;

    @Test
    void theReadBoundWritesASnapshotOnceTheChainPassesItAndTheDeltasHoldTheSnapshotsSize() {
        SnapshotPolicy policy = new SnapshotPolicy(2.0).withMaxReadBytes(1000);

        // snapshot 300 B, deltas 500 B read as 600 B: 900 B in all, within the bound
        assertThat(policy.snapshotDue(300, 500, 600, YOUNG)).isFalse();
        // 300 + 701 > 1000, and 701 >= 300: due (the ratio alone would wait for 600 B of deltas... it is 500 here)
        assertThat(policy.snapshotDue(300, 500, 701, YOUNG)).isTrue();
        assertThat(new SnapshotPolicy(2.0).snapshotDue(300, 500, 701, YOUNG)).isFalse();
        // a snapshot near the bound: not again before the deltas hold its size, so it is not written at every step
        assertThat(policy.snapshotDue(900, 150, 200, YOUNG)).isFalse();
        assertThat(policy.snapshotDue(900, 800, 900, YOUNG)).isTrue();
    }

    @Test
    void theBoundCountsTheSnapshotAsStoredWhenTheStoreSaid() {
        SnapshotPolicy policy = new SnapshotPolicy(2.0).withMaxReadBytes(2000);

        // a 1,500 B state stored compressed in 400 B, deltas read as 1,550 B: 1,950 B fetched, within the bound
        assertThat(policy.snapshotDue(1500, 400, 1400, 1550, YOUNG)).isFalse();
        // counted uncompressed the same chain looks like 3,050 B and would be cut
        assertThat(policy.snapshotDue(1500, 1400, 1550, YOUNG)).isTrue();
        // past the bound as stored: due
        assertThat(policy.snapshotDue(1500, 400, 1400, 1601, YOUNG)).isTrue();
        // the ratio still weighs the state itself, not its stored size
        assertThat(policy.snapshotDue(300, 100, 600, 700, YOUNG)).isTrue();
        assertThat(new SnapshotPolicy(2.0).snapshotDue(300, 100, 599, 1_000_000_000, YOUNG)).isFalse();
    }

    @Test
    void theDefaultBoundKeepsAColdReadWithinOneDynamoDbPageAndANegativeOneIsRefused() {
        assertThat(SnapshotPolicy.DEFAULT.maxReadBytes()).isEqualTo(1_000_000).isLessThan(1 << 20);
        assertThat(SnapshotPolicy.DEFAULT.snapshotDue(10, 15, 1_000_000_000, YOUNG)).isTrue();
        assertThat(SnapshotPolicy.DEFAULT.withMaxReadBytes(0).snapshotDue(10, 15, 1_000_000_000, YOUNG)).isFalse();
        assertThatThrownBy(() -> new SnapshotPolicy(2.0, null, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("read bytes");
        assertThat(new SnapshotPolicy(2.0).withMaxReadBytes(5).withMaxAge(Duration.ofHours(1)).maxReadBytes()).isEqualTo(5);
    }

    @Test
    void aChargePerDeltaCountsInBothSidesOfTheReadBoundAndNowhereElse() {
        SnapshotPolicy bytes = new SnapshotPolicy(2.0).withMaxReadBytes(1000);
        SnapshotPolicy charged = bytes.withReadBytesPerDelta(100);

        // snapshot 300 B stored, deltas 200 B stored in 5 checkpoints: 300 + 200 + 500 = 1,000, not over
        assertThat(charged.snapshotDue(300, 300, 250, 200, 5, YOUNG)).isFalse();
        // a sixth: 300 + 200 + 600 > 1,000, and the deltas count 800 >= 300: due; by bytes alone, not
        assertThat(charged.snapshotDue(300, 300, 250, 200, 6, YOUNG)).isTrue();
        assertThat(bytes.snapshotDue(300, 300, 250, 200, 6, YOUNG)).isFalse();
        // the deltas must still reach the snapshot's size first, the charge counted: 900 B snapshot, 8 deltas of 10 B count 880
        assertThat(charged.snapshotDue(900, 900, 80, 80, 8, YOUNG)).isFalse();
        assertThat(charged.snapshotDue(900, 900, 90, 90, 9, YOUNG)).isTrue();
        // no read bound, no effect; the ratio weighs bytes only
        assertThat(charged.withMaxReadBytes(0).snapshotDue(300, 300, 250, 200, 1000, YOUNG)).isFalse();
        assertThat(charged.withMaxReadBytes(0).snapshotDue(300, 300, 600, 200, 1, YOUNG)).isTrue();
        // the withers keep it; 0 is the default; a negative charge is refused
        assertThat(charged.withMaxAge(Duration.ofHours(1)).withMaxReadBytes(5000).readBytesPerDelta()).isEqualTo(100);
        assertThat(SnapshotPolicy.DEFAULT.readBytesPerDelta()).isZero();
        assertThatThrownBy(() -> bytes.withReadBytesPerDelta(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("per delta");
        // half the bound or more would write a snapshot near the bound at every step
        assertThatThrownBy(() -> bytes.withReadBytesPerDelta(500)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("under half of snapshot read bytes (500)");
        assertThat(bytes.withReadBytesPerDelta(499).readBytesPerDelta()).isEqualTo(499);
        assertThat(bytes.withMaxReadBytes(0).withReadBytesPerDelta(1_000_000).readBytesPerDelta()).as("no bound: no effect")
                .isEqualTo(1_000_000);
        // a charge that overflows a long counts as past the bound, not as nothing
        assertThat(charged.snapshotDue(300, 300, 250, 200, Long.MAX_VALUE / 50, YOUNG)).isTrue();
    }

    @Test
    void aDeltaIsReadAsItsChangeWhatItsEnvelopeCarriesAndAHeader() {
        ThreadKey thread = ThreadKey.of("acme", "t");
        Instant at = Instant.parse("2026-12-06T08:00:00Z");
        CheckpointId parent = CheckpointId.next(at, () -> 1L, null);
        byte[] change = "[{\"op\":\"add\",\"path\":\"/n/-\",\"value\":2}]".getBytes(StandardCharsets.UTF_8);
        String input = "[{\"op\":\"add\",\"path\":\"/in\",\"value\":1}]";
        Checkpoint delta = Checkpoint.draft(CheckpointId.next(at, () -> 2L, parent), thread, 2, parent)
                .state(1, new StateChange.Delta(change), at)
                .input(StepInput.fromJson(input))
                .step(List.of("a"), List.of(), List.of());

        assertThat(SnapshotPolicy.readBytes(delta)).isEqualTo(SnapshotPolicy.HEADER_BYTES + change.length + input.length());
        // The estimate is not below the envelope the stores keep for it (DynamoDB adds its keys, within the header).
        assertThat(SnapshotPolicy.readBytes(delta)).isGreaterThanOrEqualTo(CheckpointCodec.encode(delta).length);
    }
}
