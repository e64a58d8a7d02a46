package io.threadline.graph;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a node may ask of the world during a step: the chat model, tools, long-term memory, the
 * clock and ids. Only through here, so that every answer it got is recorded in order with the step
 * and a replay can serve the same answers again.
 *
 * <p>A call that fails throws an {@link io.threadline.effects.CallFailure} — live and in a replay
 * alike, whatever the model or tool threw; ask what it was with its {@code isA(IOException.class)},
 * not with {@code instanceof}. Threadline's own errors are thrown as they are.
 */
public interface StepContext {

    String tenant();

    String threadId();

    /** The step being computed (the new checkpoint's step number). */
    long step();

    /** The current time, from the runtime's clock. */
    Instant now();

    /** A fresh unique, time-ordered id. */
    String newId();

    /** Whether this step can recall and remember (the runtime has a memory store). */
    default boolean hasMemory() {
        return false;
    }

    /**
     * Long-term memories of this thread's tenant under {@code namespace}, most relevant to
     * {@code query} first. A memory service that is down fails the step with
     * {@code DEPENDENCY_UNAVAILABLE}; nothing is committed.
     */
    default List<Recollection> recall(String namespace, String query, int k) {
        throw new IllegalStateException("this runtime has no long-term memory");
    }

    /**
     * Like {@link #recall}, for a node whose policy is to go on without memories when the memory
     * service is down: answers nothing instead of failing, and the step's checkpoint records that
     * it ran degraded ({@code metadata.degraded = recall}).
     */
    default List<Recollection> recallIfAvailable(String namespace, String query, int k) {
        return recall(namespace, query, k);
    }

    /**
     * Remembers {@code content} under {@code namespace} once the step commits — written with the
     * checkpoint (its outbox), applied to the memory store after the commit, exactly once. A step
     * that fails leaves no memory behind.
     */
    default void remember(String namespace, String content, String kind, double importance) {
        throw new IllegalStateException("this runtime has no long-term memory");
    }

    /**
     * Like {@link #remember}, as a correction: the memories {@code supersedes} names (their {@link Recollection#id ids},
     * at most 16) stop being recalled once the step's writes are applied — kept for audit, "as of" searches and
     * {@code memory-history} — and the correction and the step commit together (the outbox). An id that is malformed
     * fails the step ({@code INVALID_INPUT}); a memory that is gone or was corrected by another write by the time the
     * writes are applied is left as it is, and this memory is still remembered (README, "Corrections and validity in time").
     */
    default void remember(String namespace, String content, String kind, double importance, List<String> supersedes) {
        throw new IllegalStateException("this runtime has no long-term memory");
    }

    /**
     * Asks the runtime's chat model (a langchain4j {@code ChatModel}). The request and the reply are
     * recorded; a replay answers with the recorded reply and reports a different request as
     * non-deterministic.
     */
    default ChatResponse chat(ChatRequest request) {
        throw new IllegalStateException("this runtime has no chat model");
    }

    /** The tools this runtime offers, as the model sees them (pass them in a {@link ChatRequest}). */
    default List<ToolSpecification> toolSpecifications() {
        return List.of();
    }

    /**
     * Runs one tool call (usually one the model asked for) and answers its result as text; recorded
     * like a model call. An unknown tool or malformed arguments fail the call; so does whatever the
     * tool throws, as a {@link io.threadline.effects.CallFailure} keeping its type for matching.
     */
    default String executeTool(ToolExecutionRequest request) {
        throw new IllegalStateException("this runtime has no tools");
    }

    /**
     * Stops the step and waits for a human: the checkpoint becomes INTERRUPTED with {@code payload}
     * (anything JSON-able: a question, a tool call to approve). When the thread is resumed, this node
     * runs again from its start and this call returns the resume value instead. Effects the node
     * made before the interrupt are recorded; with durability SYNC they are reused on resume.
     */
    default JsonNode interrupt(Object payload) {
        throw new IllegalStateException("this runtime cannot interrupt");
    }

    /**
     * {@link #interrupt(Object)} with the answer read as {@code answerType} (a record, a String, a boolean …):
     * the node states what it waits for in its own types, e.g. {@code Decision d = ctx.interrupt(request, Decision.class)}.
     * A resume value that does not fit {@code answerType} refuses the resume with {@code INVALID_INPUT} (field
     * {@code value}) and writes nothing: the thread still waits, and the caller can answer again.
     */
    default <T> T interrupt(Object payload, Class<T> answerType) {
        throw new IllegalStateException("this runtime cannot interrupt");
    }

    /** The key of the payload a timed wait pauses the thread with: {@code {"threadline.wait": "<wake time, ISO-8601>"}}. */
    String WAIT_KEY = "threadline.wait";

    /**
     * A timed wait: the thread pauses here until {@code wakeAt}, using no compute meanwhile, then this node runs
     * again and the call returns. It is an interrupt whose payload names the wake time ({@link #WAIT_KEY}); a
     * background run wakes it by itself (the queue's message delay for short waits, the scheduled sweep for long
     * ones), and the wake is recorded like any resume, so a replay gets the same answer. In the foreground the
     * thread is INTERRUPTED until someone resumes it. A time already past returns at once.
     */
    default void waitUntil(Instant wakeAt) {
        if (!now().isBefore(wakeAt)) {
            return;
        }
        interrupt(Map.of(WAIT_KEY, wakeAt.toString()));
    }

    /** {@link #waitUntil} {@code duration} from the step's recorded clock. */
    default void sleep(Duration duration) {
        waitUntil(now().plus(duration));
    }

    /**
     * The value the thread was resumed with, when this step resumes an interrupt before or after a
     * node (a node's own {@link #interrupt} returns it directly); empty otherwise.
     */
    default Optional<JsonNode> resumeValue() {
        return Optional.empty();
    }

    /** {@link #resumeValue()} read as {@code type}; a value that does not fit refuses the resume, as {@link #interrupt(Object, Class)}. */
    default <T> Optional<T> resumeValue(Class<T> type) {
        return Optional.empty();
    }
}
