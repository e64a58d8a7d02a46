package io.threadline.runtime.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.MemoryOutbox;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.state.Redaction;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A step's memory writes travel in its checkpoint (the outbox) and are applied after the commit:
 * committed exactly when the step is, applied at least once, and — their ids being fixed —
 * applied effectively once. A checkpoint stays "unpublished" in the store until its writes are all
 * applied; a later load of the thread, in any process, applies it again.
 */
public final class Outbox {

    private static final Logger LOG = Logger.getLogger(Outbox.class.getName());

    private final CheckpointStore store;
    private final MemoryStore memory;
    private final StateSchema<?> schema;
    private final StateCodec codec;
    private final Clock clock;
    /** Threads with an outbox this process failed to apply: retried on their next step. */
    private final Set<ThreadKey> behind = ConcurrentHashMap.newKeySet();

    public Outbox(CheckpointStore store, MemoryStore memory, StateSchema<?> schema, StateCodec codec, Clock clock) {
        this.store = store;
        this.memory = memory;
        this.schema = schema;
        this.codec = codec;
        this.clock = clock;
    }

    /**
     * The outbox the checkpoint carries, each write naming the checkpoint as its source; null if none.
     *
     * <p>A memory outlives the thread's state and is searched by its words, so it cannot be sealed with the thread's
     * key the way the checkpoint is: instead, every value the step's {@code @Sensitive} fields hold in {@code states}
     * (the state the nodes started from and the one they produced — what a node can have copied) is masked in the
     * writes' content, kind and metadata ({@link Redaction#mask}, as history and telemetry show them) before the
     * outbox records them, so neither the checkpoint's outbox nor the memory store ever holds it. A namespace holding
     * such a value is refused ({@code INVALID_INPUT}, field {@code namespace}): masked, it would file the memory
     * under another address. A replay masks alike, so it compares the same outbox.
     */
    public MemoryOutbox encode(List<MemoryWrite> writes, String checkpointId, List<?> states) {
        if (writes.isEmpty()) {
            return null;
        }
        Set<String> sensitive = sensitiveValues(states);
        List<MemoryWrite> sourced = new ArrayList<>(writes.size());
        for (MemoryWrite w : writes) {
            sourced.add(masked(w, sensitive).fromCheckpoint(checkpointId));
        }
        return MemoryOutbox.fromJson(new String(codec.encode(sourced), StandardCharsets.UTF_8));
    }

    private Set<String> sensitiveValues(List<?> states) {
        if (schema.sensitiveFields().isEmpty()) {
            return Set.of();
        }
        Set<String> values = new HashSet<>();
        for (Object state : states) {
            values.addAll(Redaction.values(schema, codec.toTree(state)));
        }
        return values;
    }

    private static MemoryWrite masked(MemoryWrite write, Set<String> sensitive) {
        if (sensitive.isEmpty()) {
            return write;
        }
        for (String value : sensitive) {
            if (write.namespace().contains(value)) {
                throw new ThreadlineException(ErrorCode.INVALID_INPUT, "node " + write.sourceNode() + " asked to remember under a namespace"
                        + " that holds the value of a @Sensitive state field; a namespace is an address and is stored in clear"
                        + " — name it by something that is not secret", Map.of("field", "namespace"));
            }
        }
        return write.masked(text -> Redaction.mask(text, sensitive));
    }

    /** Applies a just-committed checkpoint's outbox; a failure leaves it for a later retry, never fails the step. */
    public void publish(ThreadKey thread, Checkpoint checkpoint) {
        if (!checkpoint.hasOutbox() || memory == null) {
            return;
        }
        if (!apply(thread, checkpoint)) {
            behind.add(thread);
        }
    }

    /** Whether this thread may have unapplied outboxes worth a look before its next step. */
    public boolean behind(ThreadKey thread) {
        return behind.contains(thread);
    }

    /** Applies every unpublished outbox of the thread, oldest first; returns how many checkpoints it completed. */
    public int catchUp(ThreadKey thread) {
        if (memory == null) {
            return 0;
        }
        int done = 0;
        boolean allApplied = true;
        for (Checkpoint cp : store.unpublished(thread)) {
            if (apply(thread, cp)) {
                done++;
            } else {
                allApplied = false;
                break;
            }
        }
        if (allApplied) {
            behind.remove(thread);
        }
        return done;
    }

    private boolean apply(ThreadKey thread, Checkpoint checkpoint) {
        try {
            Map<String, String> tags = inheritedTags(thread);
            List<MemoryWrite> writes = new ArrayList<>();
            for (MemoryWrite write : decode(checkpoint.outbox())) {
                writes.add(write.withMetadataDefaults(tags));
            }
            // One batch: with OpenSearch a few bulk requests for the step's writes, not a handful of requests each.
            try {
                memory.putAll(writes, clock.instant());
            } catch (ThreadlineException e) {
                if (!refusedCorrection(e)) {
                    throw e;
                }
                oneByOne(checkpoint, writes);
            }
            store.markPublished(thread, checkpoint.id());
            if (store.head(thread).isEmpty()) {
                // The thread was deleted while these writes were applied — after the tags were read, perhaps after the
                // delete forgot the thread's memories: they must not outlive it. The delete closed the thread before it
                // forgot them (ThreadRuntime#delete), so a head still there now means that forget is yet to come.
                memory.forgetThread(thread.tenant(), thread.threadId());
            }
            return true;
        } catch (ThreadlineException | IOException e) {
            LOG.log(Level.WARNING, "memory writes of checkpoint " + checkpoint.id() + " of " + thread
                    + " are not applied yet (will retry): " + e.getMessage());
            return false;
        }
    }

    /**
     * A node's correction ({@code ctx.remember(…, supersedes)}) names memories it recalled; by the time its step's writes
     * are applied, one may be gone or corrected by another write. Refusing the write for ever would hold back the
     * thread's outbox, so the writes go one at a time and such a correction is remembered as a memory of its own (the
     * other memories left as they are), with a warning.
     */
    private void oneByOne(Checkpoint checkpoint, List<MemoryWrite> writes) {
        for (MemoryWrite write : writes) {
            try {
                memory.put(write, clock.instant());
            } catch (ThreadlineException e) {
                if (!refusedCorrection(e) || write.supersedes().isEmpty()) {
                    throw e;
                }
                LOG.warning("memory " + write.id() + " of checkpoint " + checkpoint.id() + " is remembered without correcting "
                        + write.supersedes() + ": " + e.getMessage());
                memory.put(write.superseding(List.of()), clock.instant());
            }
        }
    }

    private static boolean refusedCorrection(ThreadlineException e) {
        return e.code() == ErrorCode.INVALID_INPUT && "supersedes".equals(e.details().get("field"));
    }

    /**
     * The thread's tags, as metadata of the memories its steps write (the write's own entries win), so that erasing a
     * subject by its tag ({@code forgetWhere(tenant, {user: 42})}) finds the memories too. Read when the outbox is
     * applied — one read of the thread's head per step that remembers. A tag whose key is no metadata key (it has a
     * '.') is not copied; a store that keeps no tags gives none.
     */
    private Map<String, String> inheritedTags(ThreadKey thread) {
        Map<String, String> tags;
        try {
            tags = store.tags(thread).values();
        } catch (UnsupportedOperationException e) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>();
        tags.forEach((k, v) -> {
            if (MemoryWrite.METADATA_KEY.matcher(k).matches()) {
                out.put(k, v);
            }
        });
        return out;
    }

    private List<MemoryWrite> decode(MemoryOutbox outbox) throws IOException {
        return codec.mapper().readValue(outbox.json(), new TypeReference<List<MemoryWrite>>() { });
    }
}
