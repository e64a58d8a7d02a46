package io.threadline.api;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.runtime.ThreadState;
import io.threadline.state.Redaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;

/** The operations that read a thread: {@code state} (at its head or a checkpoint) and {@code history}. */
@ApplicationScoped
public class ThreadReadOperations {

    @Inject
    OperationSupport support;

    public Replies.State state(Caller caller, Requests.State r) {
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        ThreadState<?> state = r.checkpointId() == null ? runtime.state(thread)
                : runtime.stateAt(thread, CheckpointId.parse(r.checkpointId()));
        return new Replies.State(CheckpointSummary.of(state.checkpoint()), support.codec().toTree(state.state()), null);
    }

    public Replies.History history(Caller caller, Requests.History r) {
        return history(caller, r, support.config().maxResponseBytes());
    }

    /**
     * History bounded by {@code maxBytes} ({@link ResponseSize}): entries are added while the answer stays
     * under it, at least one, and {@code nextCursor} continues right after the last one answered.
     */
    Replies.History history(Caller caller, Requests.History r, long maxBytes) {
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        int limit = r.limit() == null ? 20 : r.limit();
        HistoryPage page = runtime.history(thread, new HistoryQuery(limit, r.cursor()));
        List<Replies.CheckpointEntry> entries = new ArrayList<>();
        long used = ResponseSize.ENVELOPE_BYTES;
        for (int i = 0; i < page.checkpoints().size(); i++) {
            Replies.CheckpointEntry entry = entry(runtime, thread, page.checkpoints().get(i));
            long size = ResponseSize.of(support.codec().mapper(), entry) + 1;
            if (used + size > maxBytes) {
                if (!entries.isEmpty()) {
                    return new Replies.History(entries, page.cursorAfter(i - 1), null);
                }
                entry = ResponsePages.within(support.codec().mapper(), entry, maxBytes - used);
                size = ResponseSize.of(support.codec().mapper(), entry) + 1;
            }
            entries.add(entry);
            used += size;
        }
        return new Replies.History(entries, page.nextCursor(), null);
    }

    private Replies.CheckpointEntry entry(ThreadRuntime<?> runtime, ThreadKey thread, Checkpoint cp) {
        ThreadRuntime.Change c = runtime.diff(thread, cp);
        return new Replies.CheckpointEntry(CheckpointSummary.of(cp), SensitiveMasking.change(runtime, cp, support.codec()),
                Redaction.patch(runtime.graph().schema(), c.diff()),
                SensitiveMasking.stored(runtime, thread, cp, cp.effects(), support.codec()),
                SensitiveMasking.stored(runtime, thread, cp, cp.outbox(), support.codec()), null, null);
    }
}
