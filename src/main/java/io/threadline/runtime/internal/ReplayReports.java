package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.MemoryOutbox;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.effects.NonDeterministicException;
import io.threadline.effects.internal.EffectJournal;
import io.threadline.graph.internal.StepOutcome;
import io.threadline.runtime.ReplayReport;
import io.threadline.state.Redaction;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;
import io.threadline.state.internal.JsonDiff;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Compares what a replay produced with what the step recorded, and says so in a report. */
final class ReplayReports {

    private static final JsonNode MASK = TextNode.valueOf(Redaction.MASK);

    private ReplayReports() {
    }

    static <S> ReplayReport of(Checkpoint cp, StateSchema<S> schema, StateCodec codec, S recorded, S withInput,
                               StepOutcome<S> outcome, StepError replayedError, InterruptPayload replayedInterrupt, EffectJournal journal,
                               int effectsRecorded,
                               MemoryOutbox replayedOutbox) {
        NonDeterministicException.Divergence divergence = journal.divergence() == null ? null : journal.divergence().divergence();
        int served = journal.log().size();
        if (divergence != null) {
            return new ReplayReport(cp.thread().threadId(), cp.id().value(), cp.step(), cp.nodes(),
                    ReplayReport.Verdict.NON_DETERMINISTIC, "NON_DETERMINISTIC: " + divergence.message(), cp.status(), null,
                    List.of(), codec.mapper().createArrayNode(), cp.decisions(), null, cp.next(), null, cp.error(), null,
                    divergence, effectsRecorded, served, false);
        }
        // A failed replay changed nothing but the input; the recorded FAILED state is that too.
        S replayedState = outcome == null ? withInput : outcome.applied().state();
        JsonNode before = codec.toTree(recorded);
        JsonNode after = codec.toTree(replayedState);
        List<ReplayReport.FieldDifference> fields = new ArrayList<>();
        for (String field : schema.fieldNames()) {
            JsonNode r = before.get(field);
            JsonNode p = after.get(field);
            if (!Objects.equals(r, p)) {
                // Compared on the real values, shown masked: a report is read by people, like history.
                boolean masked = schema.sensitiveFields().contains(field);
                fields.add(new ReplayReport.FieldDifference(field, masked ? MASK : r, masked ? MASK : p));
            }
        }
        List<Decision> decisions = outcome == null ? List.of() : StepOnHead.decisions(outcome);
        List<String> next = outcome == null ? cp.next() : outcome.next();
        Status status = replayedInterrupt != null ? Status.INTERRUPTED : outcome == null ? Status.FAILED
                : next.isEmpty() ? Status.DONE : Status.RUNNING;
        boolean memorySame = outcome == null ? cp.outbox() == null : Objects.equals(cp.outbox(), replayedOutbox);

        List<String> differences = new ArrayList<>();
        if (status != cp.status()) {
            differences.add("status " + cp.status() + " → " + status);
        }
        if (cp.status() == Status.FAILED || replayedError != null) {
            if (!sameError(cp.error(), replayedError)) {
                differences.add("error " + describe(cp.error()) + " → " + describe(replayedError));
            }
        }
        if (!Objects.equals(cp.interrupt() == null ? null : cp.interrupt().tree(),
                replayedInterrupt == null ? null : replayedInterrupt.tree())) {
            differences.add("interrupt " + cp.interrupt() + " → " + replayedInterrupt);
        }
        for (ReplayReport.FieldDifference f : fields) {
            differences.add("field '" + f.field() + "' " + abbreviate(f.recorded()) + " → " + abbreviate(f.replayed()));
        }
        if (outcome != null && !decisions.equals(cp.decisions())) {
            differences.add("decisions " + cp.decisions() + " → " + decisions);
        }
        if (!next.equals(cp.next())) {
            differences.add("next " + cp.next() + " → " + next);
        }
        if (!memorySame) {
            differences.add("memory writes differ");
        }
        boolean same = differences.isEmpty();
        String lost = served < effectsRecorded
                ? " (" + (effectsRecorded - served) + " call(s) of an attempt cut off by a dying process cannot be replayed)" : "";
        String summary = (same
                ? "SAME: the code produces the recorded " + (cp.status() == Status.FAILED ? "error" : "change") + " on "
                        + served + " recorded call(s)"
                : "DIFFERENT: " + String.join("; ", differences)) + lost;
        return new ReplayReport(cp.thread().threadId(), cp.id().value(), cp.step(), cp.nodes(),
                same ? ReplayReport.Verdict.SAME : ReplayReport.Verdict.DIFFERENT, summary, cp.status(), status, fields,
                Redaction.patch(schema, JsonDiff.diff(before, after)), cp.decisions(), decisions, cp.next(), next, cp.error(), replayedError, null,
                effectsRecorded, served, memorySame);
    }

    private static boolean sameError(StepError recorded, StepError replayed) {
        if (recorded == null || replayed == null) {
            return recorded == replayed;
        }
        return recorded.node().equals(replayed.node()) && recorded.type().equals(replayed.type())
                && Objects.equals(recorded.message(), replayed.message());
    }

    private static String describe(StepError e) {
        return e == null ? "none" : e.type() + (e.message() == null ? "" : "('" + e.message() + "')") + " in " + e.node();
    }

    private static String abbreviate(JsonNode value) {
        String s = String.valueOf(value);
        return s.length() <= 160 ? s : s.substring(0, 160) + "…";
    }
}
