package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.Steps;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link RecentDeltas} gives the packer: a block exactly as read back, or nothing when it does not know all of it. */
class RecentDeltasTest {

    private static final int BLOCK = 4;
    private static final ThreadKey THREAD = ThreadKey.of("t", "recent");

    private final Steps steps = new Steps(Instant.now());
    private final RecentDeltas recent = new RecentDeltas(BLOCK);

    /** Commits steps 1..count of {@code thread} (1 and those in {@code snapshots} are snapshots, {@code chunked} deltas span two items). */
    private List<Checkpoint> commit(ThreadKey thread, int count, List<Integer> snapshots, List<Integer> chunked) {
        List<Checkpoint> chain = new ArrayList<>();
        Checkpoint cp = steps.first(thread);
        chain.add(cp);
        record(cp, false);
        for (int s = 2; s <= count; s++) {
            cp = steps.next(cp, snapshots.contains(s));
            chain.add(cp);
            record(cp, chunked.contains(s));
        }
        return chain;
    }

    private void record(Checkpoint cp, boolean chunked) {
        record(cp, chunked, new byte[]{(byte) cp.step()});
    }

    private void record(Checkpoint cp, boolean chunked, byte[] envelope) {
        Map<String, AttributeValue> item = Map.of(Keys.SK, AttributeValue.fromS(Keys.checkpoint(cp.id())),
                Keys.DATA, AttributeValue.fromB(SdkBytes.fromByteArray(envelope)));
        List<Map<String, AttributeValue>> items = chunked ? List.of(item, Map.of()) : List.of(item);
        recent.committed(cp.thread(), cp, envelope, items);
    }

    private static List<Long> steps(List<RecentDeltas.Member> block) {
        return block.stream().map(RecentDeltas.Member::step).toList();
    }

    @Test
    void theBlockEndingAtACommitIsItsDeltasOldestFirstEachTheParentOfTheNext() {
        List<Checkpoint> chain = commit(THREAD, 8, List.of(), List.of());
        List<RecentDeltas.Member> block = recent.block(THREAD, chain.get(7), 4);
        assertThat(steps(block)).containsExactly(4L, 5L, 6L, 7L);
        assertThat(block.get(0).parent()).isEqualTo(chain.get(2).id());
        assertThat(block.get(3).id()).isEqualTo(chain.get(6).id());
        assertThat(block.get(3).envelope()).containsExactly(7);
    }

    @Test
    void aSnapshotOrAChunkedDeltaCutsTheBlockShortAsTheReadBackDoes() {
        List<Checkpoint> chain = commit(THREAD, 8, List.of(5), List.of());
        assertThat(steps(recent.block(THREAD, chain.get(7), 4))).containsExactly(6L, 7L);
        List<Checkpoint> other = commit(ThreadKey.of("t", "chunked"), 8, List.of(), List.of(6));
        assertThat(steps(recent.block(other.get(0).thread(), other.get(7), 4))).containsExactly(7L);
    }

    @Test
    void aBlockNotAllCommittedHereIsNotKnown() {
        List<Checkpoint> chain = commit(THREAD, 8, List.of(), List.of());
        assertThat(recent.block(ThreadKey.of("t", "never"), chain.get(7), 4)).isNull();
        // a checkpoint this writer did not commit: the parent named is not the one kept
        Checkpoint elsewhere = steps.next(steps.next(chain.get(6), false), false);
        assertThat(recent.block(THREAD, elsewhere, 5)).isNull();
        // older than what is kept (a block and the commit ending it)
        assertThat(recent.block(THREAD, chain.get(7), 3)).isNull();
    }

    @Test
    void aThreadWrittenAgainFromItsStartForgetsItsFormerCheckpoints() {
        commit(THREAD, 8, List.of(), List.of());
        List<Checkpoint> again = commit(THREAD, 3, List.of(), List.of());
        Checkpoint eighth = again.get(2);
        for (int s = 4; s <= 8; s++) {
            eighth = steps.next(eighth, false);
        }
        // steps 4-7 of the former thread are not this one's: not known, so read back
        assertThat(recent.block(THREAD, eighth, 4)).isNull();
        assertThat(steps(recent.block(THREAD, steps.next(again.get(2), false), 1))).containsExactly(2L, 3L);
    }

    @Test
    void anItemIsKeptWithoutItsDataAPackHoldsTheEnvelopes() {
        List<Checkpoint> chain = commit(THREAD, 3, List.of(), List.of());
        RecentDeltas.Member member = recent.block(THREAD, steps.next(chain.get(2), false), 1).get(1);
        assertThat(member.item()).containsOnlyKeys(Keys.SK);
        assertThat(member.envelope()).containsExactly(3);
    }

    @Test
    void pastItsByteBoundTheLeastRecentlyCommittedThreadsThenAThreadsOldestMembersGo() {
        int size = (int) (RecentDeltas.MAX_BYTES / 5); // a block and its commit (5 members) are over the bound
        Checkpoint other = steps.first(ThreadKey.of("t", "other"));
        record(other, false);
        record(steps.next(other, false), false, new byte[size]);
        Checkpoint cp = steps.first(THREAD);
        record(cp, false);
        for (int s = 2; s <= 7; s++) {
            cp = steps.next(cp, false);
            record(cp, false, new byte[size]);
        }
        assertThat(recent.bytes()).isLessThanOrEqualTo(RecentDeltas.MAX_BYTES);
        assertThat(recent.holds(other.thread())).as("the thread committed to least recently goes first").isFalse();
        assertThat(steps(recent.block(THREAD, steps.next(cp, false), 4))).containsExactly(4L, 5L, 6L, 7L);
        // one thread alone over the bound keeps its newest members: a block reaching further is read back
        for (int s = 8; s <= 10; s++) {
            cp = steps.next(cp, false);
            record(cp, false, new byte[size * 2]);
        }
        assertThat(recent.bytes()).isLessThanOrEqualTo(RecentDeltas.MAX_BYTES);
        assertThat(steps(recent.block(THREAD, steps.next(cp, false), 9))).containsExactly(9L, 10L);
        assertThat(recent.block(THREAD, steps.next(cp, false), 8)).isNull();
        recent.forget(THREAD);
        assertThat(recent.bytes()).isZero();
    }

    @Test
    void forgottenOrLeastRecentlyCommittedThreadsAreDropped() {
        List<Checkpoint> chain = commit(THREAD, 8, List.of(), List.of());
        recent.forget(THREAD);
        assertThat(recent.block(THREAD, chain.get(7), 4)).isNull();
        List<Checkpoint> first = commit(ThreadKey.of("t", "first"), 8, List.of(), List.of());
        for (int i = 0; i < RecentDeltas.THREADS; i++) {
            commit(ThreadKey.of("t", "other-" + i), 2, List.of(), List.of());
        }
        assertThat(recent.block(first.get(0).thread(), first.get(7), 4)).isNull();
    }
}
