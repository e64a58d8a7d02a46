package io.threadline.runtime.internal;

import io.threadline.graph.InterruptPoint;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.StepInput;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.internal.EffectJournal;
import io.threadline.effects.EffectKind;
import io.threadline.effects.Effects;
import io.threadline.effects.NonDeterministicException;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.internal.InterruptSignal;
import io.threadline.graph.StateGraph;
import io.threadline.graph.internal.StepFailedException;
import io.threadline.graph.internal.StepOutcome;
import io.threadline.graph.internal.GraphSteps;
import io.threadline.runtime.Interrupt;
import io.threadline.runtime.ReplayReport;
import io.threadline.state.internal.JsonPatch;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Re-runs a recorded step on its parent's state, its recorded input and its recorded effects — no model,
 * tool or memory call — and compares. Writes nothing.
 *
 * @param <S> the state record type
 */
public final class StepReplayer<S> {

    private final ThreadHeads<S> heads;
    private final CompiledGraph<S> graph;
    private final RuntimeParts<S> parts;
    private final ToolBox tools;

    public StepReplayer(ThreadHeads<S> heads, CompiledGraph<S> graph, ToolBox tools) {
        this.heads = heads;
        this.graph = graph;
        this.parts = heads.parts();
        this.tools = tools;
    }

    /** See {@code ThreadRuntime.replay}. */
    public ReplayReport replay(ThreadKey thread, CheckpointId id) {
        Checkpoint cp = heads.checkpoint(thread, id);
        Checkpoint parent = cp.parent() == null ? null : parts.store().get(thread, cp.parent()).orElseThrow(() ->
                new ThreadlineException(ErrorCode.CHECKPOINT_NOT_FOUND, "checkpoint " + id + " cannot be replayed: its parent "
                        + cp.parent() + " was pruned", Map.of("thread", thread.threadId(), "checkpointId", cp.parent().value())));
        if (cp.nodes().isEmpty()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "checkpoint " + id + " ran no node (" + describeExternal(cp)
                    + "); there is nothing to replay", Map.of("checkpointId", id.value()));
        }
        List<String> scheduled = parent == null || parent.next().isEmpty() ? List.of(StateGraph.START) : parent.next();
        String recordedGraph = cp.metadata().get(GraphVersions.GRAPH_KEY);
        String replayedGraph = parts.versions().fingerprint();
        boolean graphChanged = recordedGraph != null && !recordedGraph.equals(replayedGraph);
        if (graphChanged) {
            // A node of the step may be gone from this graph (or moved by a declared migration): say so, rather than
            // fail on an unknown node or report the missing node's work as a DIFFERENT state.
            List<String> gone = new ArrayList<>();
            List<String> moved = new ArrayList<>();
            for (String node : new LinkedHashSet<>(concat(scheduled, cp.nodes()))) {
                if (!StateGraph.START.equals(node) && !graph.hasNode(node)) {
                    (graph.nodeMigrations().containsKey(node) ? moved : gone).add(node);
                }
            }
            if (!gone.isEmpty() || !moved.isEmpty()) {
                return notReplayable(cp, recordedGraph, replayedGraph, gone, moved);
            }
        }
        // A step recorded under an older schema replays under today's code: its input applies in the
        // version it was recorded in, then the state is migrated.
        StateLoader.VersionedTree base = parent == null
                ? new StateLoader.VersionedTree(parts.codec().toTree(parts.schema().initial()), parts.schema().version())
                : parts.loader().tree(parts.store().load(thread, parent.id()).orElseThrow(() -> heads.notFound(thread, parent.id())));
        // The input was recorded against the parent's state as the step saw it: migrated to the step's version.
        base = new StateLoader.VersionedTree(parts.loader().upcast(base, cp.schemaVersion()), cp.schemaVersion());
        S withInput = parts.loader().decode(parts.loader().upcast(withPatch(base, cp.input())));
        S recorded = heads.stateAt(thread, id).state();
        List<Effect> effects = Effects.decode(cp.effects());
        EffectJournal journal = EffectJournal.replay(effects);
        StepScope scope = new StepScope(thread, cp.step(), parts.options().clock(), parts.options().random(), null, null, tools, journal,
                parts.memory() != null || replayNeedsMemory(cp, effects), parts.codec());
        if (parent != null && parent.status() == Status.INTERRUPTED) {
            Interrupt waiting = Interrupt.of(parent, parts.codec());
            scope.resuming(waiting.when() == InterruptPoint.AFTER ? null : waiting.node(), null);
        }
        StepOutcome<S> outcome = null;
        StepError replayedError = null;
        InterruptPayload replayedInterrupt = null;
        try {
            outcome = GraphSteps.execute(graph, withInput, scheduled, scope);
            if (outcome.interruptedAfter() != null && !outcome.next().isEmpty()) {
                replayedInterrupt = Interrupts.after(outcome.interruptedAfter(), parts.codec());
            }
        } catch (StepFailedException failure) {
            replayedError = StepErrors.of(failure, parts.options().errorStackFrames());
        } catch (InterruptSignal signal) {
            replayedInterrupt = Interrupts.of(signal, parts.codec());
        } catch (NonDeterministicException divergence) {
            // reported below from the journal, which keeps the first divergence even if a node swallowed it
        } catch (ThreadlineException other) {
            replayedError = new StepError(String.join(",", cp.nodes()), other.getClass().getName(), other.getMessage(), null);
        }
        int calls = (int) effects.stream().filter(e -> e.kind() != EffectKind.FAILURE).count();
        ReplayReport report = ReplayReports.of(cp, parts.schema(), parts.codec(), recorded, withInput, outcome, replayedError, replayedInterrupt, journal,
                calls, parts.outbox().encode(scope.remembered(), cp.id().value(),
                        outcome == null ? List.of(withInput) : List.of(withInput, outcome.applied().state()))).withGraphs(recordedGraph, replayedGraph);
        if (!graphChanged) {
            return report;
        }
        String graphs = "recorded under graph " + recordedGraph + ", replayed under graph " + replayedGraph;
        return report.verdict() == ReplayReport.Verdict.SAME
                ? report.withVerdict(ReplayReport.Verdict.SAME, report.summary() + " (" + graphs + ")")
                : report.withVerdict(ReplayReport.Verdict.GRAPH_CHANGED, "GRAPH_CHANGED: " + graphs + "; under it the step comes out otherwise — "
                        + report.summary());
    }

    /** The report on a step that cannot run under this graph: a node it ran or was scheduled for is gone. */
    private ReplayReport notReplayable(Checkpoint cp, String recordedGraph, String replayedGraph, List<String> gone, List<String> moved) {
        String summary = "GRAPH_CHANGED: step " + cp.step() + " was recorded under graph " + recordedGraph + "; this code's graph "
                + replayedGraph + (gone.isEmpty() ? "" : " has no node " + gone)
                + (moved.isEmpty() ? "" : (gone.isEmpty() ? "" : " and") + " migrates " + moved + " to other nodes")
                + ", so the step cannot run as it was recorded (replay it with the graph that recorded it)";
        return new ReplayReport(cp.thread().threadId(), cp.id().value(), cp.step(), cp.nodes(), ReplayReport.Verdict.GRAPH_CHANGED,
                summary, cp.status(), null, List.of(), parts.codec().mapper().createArrayNode(), cp.decisions(), null, cp.next(), null,
                cp.error(), null, null, 0, 0, false).withGraphs(recordedGraph, replayedGraph);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** A stored state with a stored input patch applied (unchanged when the step had no input). */
    private StateLoader.VersionedTree withPatch(StateLoader.VersionedTree state, StepInput input) {
        if (input != null) {
            JsonPatch.apply(state.tree(), input.patch());
        }
        return state;
    }

    private static String describeExternal(Checkpoint cp) {
        String by = cp.metadata().getOrDefault("op", "external");
        return by + (cp.metadata().containsKey("reason") ? ": " + cp.metadata().get("reason") : "");
    }

    /** A runtime without memory replaying a step that used memory must still offer it, as the step saw it. */
    private static boolean replayNeedsMemory(Checkpoint cp, List<Effect> effects) {
        return cp.hasOutbox() || effects.stream().anyMatch(e -> e.kind() == EffectKind.RECALL);
    }
}
