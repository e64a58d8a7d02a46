package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Payload;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.NonDeterministicException;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Redaction;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;

import java.util.HashSet;
import java.util.Set;

/**
 * A thread's recorded parts as history and replay show them to a caller: the values of the schema's
 * {@code @Sensitive} fields masked wherever they appear. The thread itself keeps the real values.
 */
final class SensitiveMasking {

    private SensitiveMasking() {
    }

    /** A checkpoint's stored change as history shows it: {@code @Sensitive} fields masked. */
    static JsonNode change(ThreadRuntime<?> runtime, Checkpoint cp, StateCodec codec) {
        JsonNode change = codec.readTree(cp.change().json());
        StateSchema<?> schema = runtime.graph().schema();
        return cp.isSnapshot() ? Redaction.state(schema, change) : Redaction.patch(schema, change);
    }

    /**
     * A checkpoint's recorded effects or outbox as history shows them: a node may have copied a
     * {@code @Sensitive} value into a prompt, a tool's arguments or a memory it wrote, so the values
     * those fields held before and after the step are masked wherever they appear. Costs two state
     * reads per entry, only for schemas that mark fields sensitive.
     */
    static JsonNode stored(ThreadRuntime<?> runtime, ThreadKey thread, Checkpoint cp, Payload stored, StateCodec codec) {
        JsonNode tree = stored == null ? null : stored.tree();
        if (tree == null || runtime.graph().schema().sensitiveFields().isEmpty()) {
            return tree;
        }
        return Redaction.mask(tree, values(runtime, thread, cp.id(), cp.parent(), codec));
    }

    /**
     * A replay report as the caller may see it: field differences are masked by the runtime; a divergence
     * quotes the calls themselves (a prompt may carry a {@code @Sensitive} value), so those values are masked
     * there too, as in history's effects.
     */
    static ReplayReport report(ThreadRuntime<?> runtime, ThreadKey thread, ReplayReport r, CheckpointStore store, StateCodec codec) {
        if (r.divergence() == null || runtime.graph().schema().sensitiveFields().isEmpty()) {
            return r;
        }
        CheckpointId id = CheckpointId.parse(r.checkpointId());
        CheckpointId parent = store.get(thread, id).map(Checkpoint::parent).orElse(null);
        Set<String> values = values(runtime, thread, id, parent, codec);
        var d = r.divergence();
        var divergence = new NonDeterministicException.Divergence(d.node(), d.attempt(), d.index(),
                masked(d.expected(), values), masked(d.actual(), values), Redaction.mask(d.message(), values));
        return new ReplayReport(r.threadId(), r.checkpointId(), r.step(), r.nodes(), r.verdict(),
                Redaction.mask(r.summary(), values), r.recordedStatus(), r.replayedStatus(), r.fields(), r.patch(),
                r.recordedDecisions(), r.replayedDecisions(), r.recordedNext(), r.replayedNext(), r.recordedError(), r.replayedError(),
                divergence, r.effectsRecorded(), r.effectsServed(), r.memoryWritesSame()).withGraphs(r.recordedGraph(), r.replayedGraph());
    }

    private static NonDeterministicException.Call masked(NonDeterministicException.Call call, Set<String> values) {
        return call == null ? null : new NonDeterministicException.Call(call.kind(), call.name(), Redaction.mask(call.request(), values));
    }

    /** What the schema's {@code @Sensitive} fields held at a checkpoint and at its parent. */
    private static Set<String> values(ThreadRuntime<?> runtime, ThreadKey thread, CheckpointId id, CheckpointId parent, StateCodec codec) {
        StateSchema<?> schema = runtime.graph().schema();
        Set<String> values = new HashSet<>(Redaction.values(schema, codec.toTree(runtime.stateAt(thread, id).state())));
        if (parent != null) {
            try {
                values.addAll(Redaction.values(schema, codec.toTree(runtime.stateAt(thread, parent).state())));
            } catch (ThreadlineException pruned) {
                // the parent was pruned: what it held is no longer anywhere to be shown
            }
        }
        return values;
    }
}
