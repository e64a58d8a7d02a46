package io.threadline.runtime.internal;

import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.Recollection;
import io.threadline.graph.StepContext;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The context of a step running live: time and ids from the runtime's clock and randomness; recall
 * from the memory store; memories to remember collected for the checkpoint's outbox, with ids fixed by
 * (tenant, thread, step, order), so a retried step writes the same memories, not new ones.
 */
public final class LiveStepContext implements StepContext {

    private final ThreadKey thread;
    private final long step;
    private final Clock clock;
    private final RandomGenerator random;
    private final MemoryStore memory;
    private final List<MemoryWrite> remembered = new ArrayList<>();
    private CheckpointId lastId;
    private boolean degradedRecall;

    public LiveStepContext(ThreadKey thread, long step, Clock clock, RandomGenerator random, MemoryStore memory) {
        this.thread = thread;
        this.step = step;
        this.clock = clock;
        this.random = random;
        this.memory = memory;
    }

    @Override
    public String tenant() {
        return thread.tenant();
    }

    @Override
    public String threadId() {
        return thread.threadId();
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public String newId() {
        lastId = CheckpointId.next(clock.instant(), random, lastId);
        return lastId.value();
    }

    @Override
    public boolean hasMemory() {
        return memory != null;
    }

    @Override
    public List<Recollection> recall(String namespace, String query, int k) {
        requireMemory();
        List<Recollection> out = new ArrayList<>();
        for (MemoryHit hit : memory.search(new MemoryQuery(thread.tenant(), query, null, k, namespace, Map.of(), 0), clock.instant())) {
            out.add(new Recollection(hit.memory().id(), hit.memory().namespace(), hit.memory().content(), hit.score()));
        }
        return out;
    }

    @Override
    public List<Recollection> recallIfAvailable(String namespace, String query, int k) {
        try {
            return recall(namespace, query, k);
        } catch (io.threadline.ThreadlineException e) {
            if (e.code() != io.threadline.ErrorCode.DEPENDENCY_UNAVAILABLE) {
                throw e;
            }
            degradedRecall = true;
            return List.of();
        }
    }

    /** Whether a recall was skipped because memory was unavailable (the checkpoint says so). */
    public boolean degradedRecall() {
        return degradedRecall;
    }

    @Override
    public void remember(String namespace, String content, String kind, double importance) {
        requireMemory();
        String id = "o-" + Embeddings.sha256(thread.tenant() + "\n" + thread.threadId() + "\n" + step + "\n" + remembered.size())
                .substring(0, 32);
        remembered.add(new MemoryWrite(id, thread.tenant(), namespace, content, kind, importance, null, thread.threadId(), null,
                Map.of()));
    }

    /** What the step asked to remember, in order (the checkpoint's outbox). */
    public List<MemoryWrite> remembered() {
        return List.copyOf(remembered);
    }

    private void requireMemory() {
        if (memory == null) {
            throw new IllegalStateException("this runtime has no long-term memory store");
        }
    }
}
