package io.threadline.runtime;

import io.threadline.checkpoint.ThreadTags;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.langchain4j.model.chat.ChatModel;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.RunGuard;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.memory.MemoryStore;
import io.threadline.runtime.internal.CommitTerms;
import io.threadline.runtime.internal.GraphVersions;
import io.threadline.runtime.internal.Head;
import io.threadline.runtime.internal.HistoryDiffs;
import io.threadline.runtime.internal.RuntimeParts;
import io.threadline.runtime.internal.StepReplayer;
import io.threadline.runtime.internal.StepRunner;
import io.threadline.runtime.internal.ThreadHeads;
import io.threadline.runtime.internal.TimeTravel;
import io.threadline.state.StateCodec;
import io.threadline.state.StateValidator;
import io.threadline.state.Update;
import jakarta.validation.Validator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs a graph on stored threads, one step per call: load the latest checkpoint, run the scheduled
 * node(s), validate, commit against the loaded version, answer with the new checkpoint.
 *
 * <p>Nothing is written unless the whole step succeeded and its state is valid. Two callers
 * stepping one thread at once: one commits, the other gets {@code CONFLICT} and nothing of its
 * step is stored. Thread-safe; one instance serves every thread of its graph.
 *
 * @param <S> the state record type
 */
public final class ThreadRuntime<S> {

    /** Metadata key naming the agent that wrote a checkpoint, and so the agent its thread is bound to. */
    public static final String AGENT_KEY = ThreadHeads.AGENT_KEY;

    private final CompiledGraph<S> graph;
    private final ThreadHeads<S> heads;
    private final StepRunner<S> steps;
    private final StepReplayer<S> replayer;
    private final TimeTravel<S> timeTravel;
    private final HistoryDiffs<S> diffs;
    private final StateValidator<S> validator;

    /** Built by {@link ThreadRuntimeBuilder}; see there for what each part is and its default. */
    ThreadRuntime(CompiledGraph<S> graph, CheckpointStore store, Validator validator, StateCodec codec,
                  RuntimeOptions options, MemoryStore memory, ChatModel chatModel, ToolBox tools, String agent) {
        this.graph = Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(options, "options");
        StateValidator<S> stateValidator = new StateValidator<>(graph.schema(), validator);
        this.heads = new ThreadHeads<>(RuntimeParts.of(graph.schema(), graph.migrations(), store, codec, options, memory,
                new GraphVersions(graph)), agent);
        this.steps = new StepRunner<>(heads, graph, stateValidator, chatModel, tools);
        this.replayer = new StepReplayer<>(heads, graph, tools);
        this.timeTravel = new TimeTravel<>(heads, stateValidator);
        this.diffs = new HistoryDiffs<>(heads);
        this.validator = stateValidator;
    }

    /** A builder for a runtime of {@code graph}: every other part has a default (see {@link ThreadRuntimeBuilder}). */
    public static <S> ThreadRuntimeBuilder<S> builder(CompiledGraph<S> graph) {
        return new ThreadRuntimeBuilder<>(graph);
    }

    /** A builder for a runtime of {@code agent}: its graph, name, tools and (if it has one) chat model. */
    public static <S> ThreadRuntimeBuilder<S> builder(ThreadlineAgent<S> agent) {
        return new ThreadRuntimeBuilder<>(agent);
    }

    /** The agent this runtime serves, stamped on its threads; empty for a runtime built without one. */
    public Optional<String> agent() {
        return heads.agent();
    }

    public CompiledGraph<S> graph() {
        return graph;
    }

    /**
     * What this runtime's graph would do with a stored thread whose latest checkpoint is {@code head} — continue,
     * migrate, refuse, or leave it to the version it is pinned to (see {@link VersionCheck}). Reads nothing.
     */
    public VersionCheck versionCheck(Checkpoint head) {
        return heads.parts().versions().check(head);
    }

    /** One step without input: runs what the thread has scheduled (or starts a new run). */
    public StepResult<S> step(ThreadKey thread) {
        return step(thread, Update.none(), null);
    }

    /**
     * One step. {@code input} is applied first, then the scheduled node(s) run on the result; on a
     * thread that is done (or new) the step starts a new run from START, otherwise the input joins
     * the run in progress. A non-null {@code idempotencyKey} makes retries safe: the same key on the
     * same thread returns the first answer and runs nothing again.
     */
    public StepResult<S> step(ThreadKey thread, Update<S> input, String idempotencyKey) {
        return steps.step(thread, input, idempotencyKey, null);
    }

    /**
     * {@link #step(ThreadKey, Update, String)} that gives the thread {@code tags} if this step creates it — stored with
     * its first commit, so the thread is never seen untagged. On a thread that has steps the tags are not touched
     * (change them with {@link CheckpointStore#retag}).
     */
    public StepResult<S> step(ThreadKey thread, Update<S> input, String idempotencyKey, ThreadTags tags) {
        return steps.step(thread, input, idempotencyKey, null, CommitTerms.creatingWith(tags));
    }

    /**
     * Answers an interrupt: the step the thread stopped in runs again (for an interrupt inside a node,
     * that node's {@code interrupt()} call now returns {@code value}; for one before a node, the node
     * runs; after a node, the run goes on), with {@code value} recorded as the step's resume effect.
     * A thread that is not interrupted is refused with {@code INTERRUPTED}, and nothing is written.
     * {@code value} is any JSON-able value: a record the node reads back with
     * {@code ctx.interrupt(payload, Decision.class)}, a boolean, a string.
     */
    public StepResult<S> resume(ThreadKey thread, Object value, String idempotencyKey) {
        return resume(thread, value instanceof JsonNode json ? json : heads.parts().codec().toTree(value), idempotencyKey);
    }

    /** {@link #resume(ThreadKey, Object, String)} with the value as JSON, as the API receives it. */
    public StepResult<S> resume(ThreadKey thread, JsonNode value, String idempotencyKey) {
        return steps.step(thread, Update.none(), idempotencyKey, resumeValue(value));
    }

    /** A resume's value as the step takes it: JSON {@code null} when none was given (a Java null would make it a plain step). */
    private static JsonNode resumeValue(JsonNode value) {
        return value == null ? NullNode.getInstance() : value;
    }

    /**
     * A background run's step: {@link #step(ThreadKey, Update, String)} whose commit is conditional on the run's record
     * as well ({@link RunGuard}, made by the run store): {@code RUN_GONE}, nothing written, when the record is gone or
     * names another run by the time the step commits — the thread was deleted meanwhile, and must not come back.
     */
    public StepResult<S> stepForRun(ThreadKey thread, Update<S> input, String idempotencyKey, RunGuard guard) {
        return steps.step(thread, input, idempotencyKey, null, CommitTerms.guardedBy(guard));
    }

    /** A background run's resume: {@link #resume(ThreadKey, JsonNode, String)}, conditional as {@link #stepForRun}. */
    public StepResult<S> resumeForRun(ThreadKey thread, JsonNode value, String idempotencyKey, RunGuard guard) {
        return steps.step(thread, Update.none(), idempotencyKey, resumeValue(value), CommitTerms.guardedBy(guard));
    }

    /**
     * Steps until the run ends (DONE or INTERRUPTED) or the budget is spent. {@code input} goes into
     * the first step only. Each step commits on its own, so a run cut short loses nothing.
     */
    public RunResult<S> run(ThreadKey thread, Update<S> input, RunBudget budget) {
        return run(thread, input, budget, null);
    }

    /**
     * Like {@link #run(ThreadKey, Update, RunBudget)}, with {@code idempotencyKey} on its first step: a
     * retried run answers the step the key committed ({@code duplicate}) without applying the input again,
     * and goes on only while the thread still stands where that step left it.
     *
     * <p>A refusal of the first step is thrown: nothing of this run was committed. Once a step is committed
     * the run answers, whatever stops it: a later step refused because another writer moved the thread
     * ends it with {@code CONFLICT}, any other refusal or a dependency failure with {@code ERROR}, each
     * with the error in {@link RunResult#stoppedBy()} — so the caller knows its input is in, and that
     * sending it again would add it twice. Later steps follow this run's own last checkpoint only: they
     * never step a thread another writer has moved meanwhile (which might start a new run from START).
     */
    public RunResult<S> run(ThreadKey thread, Update<S> input, RunBudget budget, String idempotencyKey) {
        return steps.run(thread, input, budget, idempotencyKey);
    }

    /** {@link #run(ThreadKey, Update, RunBudget, String)}, giving the thread {@code tags} if its first step creates it. */
    public RunResult<S> run(ThreadKey thread, Update<S> input, RunBudget budget, String idempotencyKey,
                            ThreadTags tags) {
        return steps.run(thread, input, budget, idempotencyKey, tags);
    }

    /**
     * Checks {@code input} before any step runs, as the thread's next step would apply it: on the head's state (a new
     * thread: the initial state), the fields it changes must keep their types and constraints, else
     * {@code VALIDATION_FAILED} with the violations, the code a step answers. Reads the head; writes nothing. For a
     * caller that answers before the step runs (a background run's {@code start}); the step itself still validates
     * its whole outcome.
     */
    public void checkInput(ThreadKey thread, Update<S> input) {
        Head<S> head = heads.current(thread);
        S before = head == null ? graph.schema().initial() : head.state();
        validator.check(validator.validateChanges(graph.schema().apply(before, input.changes())));
    }

    /** The latest state of a thread; {@code THREAD_NOT_FOUND} if it has none. */
    public ThreadState<S> state(ThreadKey thread) {
        Head<S> head = heads.require(thread);
        return new ThreadState<>(head.checkpoint(), head.state());
    }

    /** The state at any retained checkpoint; {@code CHECKPOINT_NOT_FOUND} if the store has none by that id. */
    public ThreadState<S> stateAt(ThreadKey thread, CheckpointId id) {
        return heads.stateAt(thread, id);
    }

    /**
     * Re-runs the step that produced checkpoint {@code id} — on its parent's state, its recorded
     * input and its recorded effects, with no call to the model, tools or memory — and reports
     * whether the code still produces the same change (or, for a FAILED step, the same error).
     * Writes nothing.
     */
    public ReplayReport replay(ThreadKey thread, CheckpointId id) {
        return replayer.replay(thread, id);
    }

    /**
     * Applies the memory writes of every committed step of the thread that are not applied yet
     * (the runtime also does this on its own when it loads a thread); returns how many checkpoints
     * it completed.
     */
    public int publishPending(ThreadKey thread) {
        return heads.parts().outbox().catchUp(thread);
    }

    // ------------------------------------------------------------------ forgetting

    /**
     * Deletes the thread and what was derived from it: every item the store keeps for it
     * ({@link CheckpointStore#delete}) and then the long-term memories its steps wrote. Idempotent; a step racing
     * it is either deleted with the thread or refused with {@code THREAD_DELETED}. A delete that fails part way
     * ({@code DEPENDENCY_UNAVAILABLE}) is finished by calling it again.
     */
    public DeleteReport delete(ThreadKey thread) {
        return delete(thread, owner -> { });
    }

    /**
     * {@link #delete(ThreadKey)}, running {@code first} once the thread is known to be this runtime's to delete and
     * before anything of it is removed: what an adapter removes with the thread (a background run) goes only where the
     * thread's own delete would not answer {@code AGENT_MISMATCH}. {@code first} is given the agent the thread's head
     * names, which has passed this runtime's check — equal to this runtime's agent when it has one; a runtime with no
     * agent accepts any ({@code null}: the thread has no head, or its head names no agent) — so an adapter checks its
     * own records' agent only where the head did not settle it.
     */
    public DeleteReport delete(ThreadKey thread, Consumer<String> first) {
        // A thread of another agent is not this runtime's to delete (AGENT_MISMATCH), as it is not its to read.
        CheckpointStore store = heads.parts().store();
        MemoryStore memory = heads.parts().memory();
        Checkpoint head = store.head(thread).flatMap(h -> store.get(thread, h.checkpointId())).orElse(null);
        if (head != null) {
            heads.bound(List.of(head));
        }
        first.accept(head == null ? null : head.metadata().get(ThreadHeads.AGENT_KEY));
        ThreadDeletion removed = store.delete(thread);
        heads.forget(thread);
        long memories = memory == null ? 0 : memory.forgetThread(thread.tenant(), thread.threadId()).removed();
        return new DeleteReport(thread.threadId(), removed, memories);
    }

    // ------------------------------------------------------------------ time travel

    /**
     * A new thread {@code target} (same tenant) whose first checkpoint is a copy of the state at
     * ({@code source}, {@code id}), scheduled to go on from there, naming its source in its metadata
     * ({@code forkOf}). The source is untouched. A target that already exists is a {@code CONFLICT}.
     */
    public StepResult<S> fork(ThreadKey source, CheckpointId id, ThreadKey target, String reason) {
        return timeTravel.fork(source, id, target, reason);
    }

    /**
     * Appends a checkpoint whose state, next nodes and status are those of the older checkpoint
     * {@code id} (history stays append-only: nothing is deleted), attributed to {@code rewind}.
     */
    public StepResult<S> rewind(ThreadKey thread, CheckpointId id, String reason) {
        return timeTravel.rewind(thread, id, reason);
    }

    /**
     * Applies {@code update} to the latest state as a checkpoint of its own, attributed to
     * {@code update} with {@code reason} (LangGraph's {@code update_state}); the thread then goes on
     * where it was (same next nodes and status — an interrupted thread stays interrupted). The new
     * state is validated like a step's: an invalid update is refused and writes nothing.
     */
    public StepResult<S> update(ThreadKey thread, Update<S> update, String reason) {
        return timeTravel.update(thread, update, reason);
    }

    // ------------------------------------------------------------------ history

    /** A history entry with the state change against the parent as a JSON Patch, whatever the store kept. */
    public record Change(Checkpoint checkpoint, JsonNode diff) {}

    /**
     * A page of history, newest first, each checkpoint with its diff against its parent as JSON Patch:
     * a stored delta as is; a snapshot diffed against its parent's state (the first checkpoint of a
     * thread against the schema's initial state; of a fork, against nothing: the whole state).
     */
    public List<Change> diffs(ThreadKey thread, HistoryPage page) {
        List<Change> out = new ArrayList<>(page.checkpoints().size());
        for (Checkpoint cp : page.checkpoints()) {
            out.add(diff(thread, cp));
        }
        return out;
    }

    /** One checkpoint of a history page with its diff against its parent, as {@link #diffs} makes them. */
    public Change diff(ThreadKey thread, Checkpoint cp) {
        return new Change(cp, diffs.diff(thread, cp));
    }

    /** A page of the thread's history, newest first; {@code THREAD_NOT_FOUND} if it has none. */
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        HistoryPage page = heads.parts().store().history(thread, query);
        if (page.checkpoints().isEmpty() && query.cursor() == null) {
            throw ThreadHeads.threadNotFound(thread);
        }
        heads.bound(page.checkpoints());
        return page;
    }

    /**
     * Refuses checkpoints read straight from the store (an export) when another agent wrote them, as every
     * read of this runtime does: {@code AGENT_MISMATCH}.
     */
    public void checkBound(List<Checkpoint> checkpoints) {
        heads.bound(checkpoints);
    }
}
