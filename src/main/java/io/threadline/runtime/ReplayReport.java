package io.threadline.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.effects.NonDeterministicException;

import java.util.List;
import java.util.Objects;

/**
 * What re-running a recorded step on its recorded effects showed: whether today's code produces
 * the same change — state field by field, routing decisions, next nodes, memory writes — and, for a
 * FAILED step, the same error; or where it stopped asking for what was recorded.
 *
 * @param verdict          {@code SAME}, {@code DIFFERENT}, {@code NON_DETERMINISTIC} or {@code GRAPH_CHANGED}
 * @param summary          one readable paragraph: what differs, or where the replay left the record
 * @param fields           the top-level state fields that differ, recorded against replayed value
 * @param patch            JSON Patch from the recorded state to the replayed one ({@code []} when equal)
 * @param divergence       the first call that differs from the record, or {@code null}
 * @param effectsRecorded  calls the step recorded (not counting the failures that ended attempts)
 * @param effectsServed    recorded calls the replay consumed
 * @param memoryWritesSame whether the replay asked to remember exactly what the step did
 * @param recordedGraph    the fingerprint of the graph that recorded the step, or {@code null} when it was not recorded
 * @param replayedGraph    the fingerprint of the graph that replayed it
 */
public record ReplayReport(
        String threadId,
        String checkpointId,
        long step,
        List<String> nodes,
        Verdict verdict,
        String summary,
        Status recordedStatus,
        Status replayedStatus,
        List<FieldDifference> fields,
        JsonNode patch,
        List<Decision> recordedDecisions,
        List<Decision> replayedDecisions,
        List<String> recordedNext,
        List<String> replayedNext,
        StepError recordedError,
        StepError replayedError,
        NonDeterministicException.Divergence divergence,
        int effectsRecorded,
        int effectsServed,
        boolean memoryWritesSame,
        String recordedGraph,
        String replayedGraph) {

    /** The outcome of a replay. */
    public enum Verdict {
        /** Same state, decisions, next nodes, memory writes (and the same error for a failed step). */
        SAME,
        /** The code consumed the same effects but produced something else. */
        DIFFERENT,
        /** The code asked for other effects than were recorded: see {@link #divergence()}. */
        NON_DETERMINISTIC,
        /**
         * Another graph than the one that recorded the step replayed it ({@link #recordedGraph()} ≠
         * {@link #replayedGraph()}), and the step did not come out the same — or could not run at all, a node it ran
         * or was scheduled for being gone. A version difference, not a regression of the same graph: the summary says
         * which graphs, and what differs.
         */
        GRAPH_CHANGED
    }

    /** A report that does not say which graphs recorded and replayed the step (as reports were before graphs had fingerprints). */
    public ReplayReport(String threadId, String checkpointId, long step, List<String> nodes, Verdict verdict, String summary,
                        Status recordedStatus, Status replayedStatus, List<FieldDifference> fields, JsonNode patch,
                        List<Decision> recordedDecisions, List<Decision> replayedDecisions, List<String> recordedNext,
                        List<String> replayedNext, StepError recordedError, StepError replayedError,
                        NonDeterministicException.Divergence divergence, int effectsRecorded, int effectsServed, boolean memoryWritesSame) {
        this(threadId, checkpointId, step, nodes, verdict, summary, recordedStatus, replayedStatus, fields, patch, recordedDecisions,
                replayedDecisions, recordedNext, replayedNext, recordedError, replayedError, divergence, effectsRecorded, effectsServed,
                memoryWritesSame, null, null);
    }

    /** This report, naming the graph that recorded the step and the one that replayed it. */
    public ReplayReport withGraphs(String recorded, String replayed) {
        return new ReplayReport(threadId, checkpointId, step, nodes, verdict, summary, recordedStatus, replayedStatus, fields, patch,
                recordedDecisions, replayedDecisions, recordedNext, replayedNext, recordedError, replayedError, divergence,
                effectsRecorded, effectsServed, memoryWritesSame, recorded, replayed);
    }

    /** This report with another verdict and summary (a replay under another graph turns DIFFERENT into GRAPH_CHANGED). */
    public ReplayReport withVerdict(Verdict verdict, String summary) {
        return new ReplayReport(threadId, checkpointId, step, nodes, verdict, summary, recordedStatus, replayedStatus, fields, patch,
                recordedDecisions, replayedDecisions, recordedNext, replayedNext, recordedError, replayedError, divergence,
                effectsRecorded, effectsServed, memoryWritesSame, recordedGraph, replayedGraph);
    }

    /** One state field whose replayed value is not the recorded one. */
    public record FieldDifference(String field, JsonNode recorded, JsonNode replayed) {}

    public ReplayReport {
        Objects.requireNonNull(verdict, "verdict");
        nodes = List.copyOf(nodes);
        fields = List.copyOf(fields);
        recordedDecisions = List.copyOf(recordedDecisions);
        replayedDecisions = replayedDecisions == null ? List.of() : List.copyOf(replayedDecisions);
        recordedNext = List.copyOf(recordedNext);
        replayedNext = replayedNext == null ? List.of() : List.copyOf(replayedNext);
    }

    /** For tests: passes when the replay is {@link Verdict#SAME}, else fails with the summary. */
    public ReplayReport assertSame() {
        if (verdict != Verdict.SAME) {
            throw new AssertionError("replay of step " + step + " (" + checkpointId + ") of thread " + threadId + ": " + summary);
        }
        return this;
    }
}
