package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.threadline.state.StateCodec;
import dev.langchain4j.model.chat.ChatModel;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.internal.EffectJournal;
import io.threadline.effects.ToolBox;
import io.threadline.graph.Durability;
import io.threadline.graph.StepContext;
import io.threadline.graph.internal.StepEnvironment;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Everything one step shares across its nodes and attempts: the thread, the services nodes may
 * call, the effect journal that records (or, in a replay, serves) every call, and the memories the
 * step asks to remember — with ids fixed by (tenant, thread, step, order), so a retried step writes
 * the same memories, not new ones.
 */
public final class StepScope implements StepEnvironment {

    final ThreadKey thread;
    final long step;
    final Clock clock;
    final RandomGenerator random;
    final MemoryStore memory;
    final ChatModel chatModel;
    final ToolBox tools;
    final EffectJournal journal;
    final boolean memoryAvailable;
    final StateCodec codec;
    /** This step answers an interrupt: the value, and the node whose own interrupt() receives it (null: none). */
    private boolean resuming;
    private String resumeNode;
    private JsonNode resumeValue;
    private boolean resumeServed;
    private final List<MemoryWrite> remembered = new ArrayList<>();
    private boolean degradedRecall;
    CheckpointId lastId;

    public StepScope(ThreadKey thread, long step, Clock clock, RandomGenerator random, MemoryStore memory, ChatModel chatModel,
                     ToolBox tools, EffectJournal journal, boolean memoryAvailable, StateCodec codec) {
        this.codec = codec;
        this.memoryAvailable = memoryAvailable;
        this.thread = thread;
        this.step = step;
        this.clock = clock;
        this.random = random;
        this.memory = memory;
        this.chatModel = chatModel;
        this.tools = tools;
        this.journal = journal;
    }

    /** Makes this step the answer to an interrupt of {@code node} (null for an interrupt after a node). */
    public StepScope resuming(String node, JsonNode value) {
        this.resuming = true;
        this.resumeNode = node;
        this.resumeValue = value;
        return this;
    }

    @Override
    public boolean resuming() {
        return resuming;
    }

    /** Whether {@code node}'s interrupt() call is the one the resume value answers (once per step). */
    boolean answersInterruptOf(String node) {
        if (resuming && !resumeServed && node.equals(resumeNode)) {
            resumeServed = true;
            return true;
        }
        return false;
    }

    JsonNode resumeValue() {
        return resumeValue == null ? NullNode.getInstance() : resumeValue;
    }

    @Override
    public StepContext contextFor(String node, int attempt, Durability durability) {
        journal.beginAttempt(node, attempt, durability == Durability.SYNC);
        return new RecordingStepContext(this, node, durability == Durability.SYNC);
    }

    @Override
    public int firstAttempt(String node) {
        return journal.firstAttempt(node);
    }

    @Override
    public void attemptEnded(String node, int attempt, Throwable failure) {
        if (failure == null) {
            journal.finishAttempt(node);
        } else {
            journal.attemptFailed(node, true, failure);
        }
        if (journal.divergence() != null) {
            // A replay that left the record cannot say anything more about this step.
            throw journal.divergence();
        }
    }

    /** Live steps wait between attempts; a replay has nothing to wait for. */
    @Override
    public void pause(Duration backoff) {
        if (journal.isReplay() || backoff.isZero()) {
            return;
        }
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }

    /**
     * Provenance: the thread, this step and {@code node}; what it was derived from is the node's last completed effect
     * in this attempt ({@code effect:<seq>}, as the checkpoint's effects number them), or its input when it made none.
     * The checkpoint id is added by the outbox once known.
     */
    void remember(String node, String namespace, String content, String kind, double importance, List<String> supersedes) {
        String id = "o-" + Embeddings.sha256(thread.tenant() + "\n" + thread.threadId() + "\n" + step + "\n" + remembered.size())
                .substring(0, 32);
        int effect = journal.lastCompleted(node);
        MemoryWrite write = new MemoryWrite(id, thread.tenant(), namespace, content, kind, importance, null, thread.threadId(), null, step,
                node, effect < 0 ? "input" : "effect:" + effect, Map.of());
        // The constructor refuses malformed ids (INVALID_INPUT, field supersedes) while the step can still fail cleanly.
        remembered.add(supersedes == null || supersedes.isEmpty() ? write : write.superseding(supersedes));
    }

    void markDegradedRecall() {
        degradedRecall = true;
    }

    /** What the step asked to remember, in order (the checkpoint's outbox). */
    public List<MemoryWrite> remembered() {
        return List.copyOf(remembered);
    }

    /** Whether a recall was skipped because memory was unavailable (the checkpoint says so). */
    public boolean degradedRecall() {
        return degradedRecall;
    }

    public EffectJournal journal() {
        return journal;
    }
}
