package io.threadline.checkpoint;

import java.time.Instant;

/**
 * One thread as a listing shows it ({@link CheckpointStore#threads}): where its head stands, without its state.
 *
 * @param threadId     the thread, in the listing's tenant
 * @param agent        the agent the thread belongs to; {@code null} when its head names none
 * @param status       the head's status: a {@link Status} name (a string, so a listing read by older code still
 *                     carries statuses added later)
 * @param step         the head's step
 * @param checkpointId the head checkpoint
 * @param updatedAt    when the head's step committed (the checkpoint's time)
 * @param tags         the thread's tags
 * @param waitingFor   what an INTERRUPTED thread waits for, else {@code null}
 */
public record ThreadSummary(String threadId, String agent, String status, long step, CheckpointId checkpointId, Instant updatedAt,
                            ThreadTags tags, Waiting waitingFor) {

    /** Longest payload text a summary keeps of an interrupt; longer ones are cut and marked {@code truncated}. */
    public static final int MAX_PAYLOAD_CHARS = 256;

    /**
     * What an interrupted thread waits for, in short: the node that asked, when ({@code before}, {@code inside},
     * {@code after} it), and the start of the payload shown to whoever resumes it (the {@code state} operation has
     * it whole) — or {@code withheld}, no payload, when the store keeps the payload encrypted
     * ({@link InterruptPayload#withheld()}).
     */
    public record Waiting(String node, String when, String payload, boolean truncated, boolean withheld) {

        /** A payload shown (not withheld). */
        public Waiting(String node, String when, String payload, boolean truncated) {
            this(node, when, payload, truncated, false);
        }

        /** The summary of an interrupt: its payload's JSON text cut at {@link #MAX_PAYLOAD_CHARS}; none when withheld. */
        public static Waiting of(InterruptPayload interrupt) {
            if (interrupt.withheld()) {
                return new Waiting(interrupt.node(), interrupt.when(), null, false, true);
            }
            String text = interrupt.payload() == null || interrupt.payload().isNull() ? null : interrupt.payload().toString();
            boolean cut = text != null && text.length() > MAX_PAYLOAD_CHARS;
            if (cut) {
                int end = MAX_PAYLOAD_CHARS;
                if (Character.isHighSurrogate(text.charAt(end - 1))) {
                    end--;  // never split a surrogate pair: the text is JSON
                }
                text = text.substring(0, end);
            }
            return new Waiting(interrupt.node(), interrupt.when(), text, cut);
        }
    }

    /** The listing entry of a thread whose head is {@code head}. */
    public static ThreadSummary of(Checkpoint head, ThreadTags tags) {
        return new ThreadSummary(head.thread().threadId(), head.metadata().get(AGENT_KEY), head.status().name(), head.step(), head.id(),
                head.createdAt(), tags, head.interrupt() == null ? null : Waiting.of(head.interrupt()));
    }

    /** The checkpoint metadata key naming a thread's agent (the runtime stamps it on every checkpoint). */
    public static final String AGENT_KEY = "agent";
}
