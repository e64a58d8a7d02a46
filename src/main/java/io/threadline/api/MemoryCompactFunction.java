package io.threadline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.funqy.Funq;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.config.MemoryStores;
import io.threadline.memory.opensearch.MemoryIndexMaintenance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * {@code memory-compact}: the operator's compaction of the memory index (README, "Keeping searches fast"). The index
 * holds every tenant's memories, so this is a function for direct invocation only — whoever may invoke it (IAM) may
 * compact — with no HTTP route, where a caller is one tenant's token. {@code {"maxSegments": 1}} (the default) starts
 * a merge the node runs in the background and answers its {@code task} at once; the same call with that {@code task}
 * asks whether it is over ({@code done}, then the {@code segments} the index has). The in-memory store has no segments:
 * it answers done with none. Errors are answered as the result, {@code {"error": {…}}}, never thrown.
 */
public class MemoryCompactFunction {

    private static final Logger LOG = Logger.getLogger(MemoryCompactFunction.class);

    @Inject
    MemoryStores memoryStores;

    /**
     * A compaction as started or as asked after.
     *
     * @param task           the node's merge task (null when there was nothing to merge)
     * @param maxSegments    the most segments per shard it merges down to (give it back with the task)
     * @param segmentsBefore the most segments a shard had when it was started (start only)
     * @param segments       the most segments a shard has now (once done)
     * @param done           whether it is over
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Reply(String task, Integer maxSegments, Integer segmentsBefore, Integer segments, Boolean done, ErrorBody error) {}

    @Funq("memory-compact")
    public Reply memoryCompact(JsonNode request) {
        return reply(request, memoryStores::maintenance);
    }

    /** {@link #answer}, or its failure as the answer's {@code error}. */
    static Reply reply(JsonNode request, Supplier<Optional<MemoryIndexMaintenance>> maintenance) {
        try {
            return answer(request, maintenance);
        } catch (ThreadlineException e) {
            return new Reply(null, null, null, null, null, ErrorBody.of(e));
        } catch (RuntimeException e) {
            LOG.error("unexpected failure of memory-compact", e);
            return new Reply(null, null, null, null, null, ErrorBody.of(ErrorCode.INTERNAL, "internal error; it has been logged"));
        }
    }

    /**
     * The answer to {@code request} ({@code maxSegments}, optional {@code task}; nothing else) over the deployment's
     * index upkeep (empty: the in-memory store). The request is checked before anything is asked of the store.
     */
    static Reply answer(JsonNode request, Supplier<Optional<MemoryIndexMaintenance>> maintenance) {
        Integer maxSegments = null;
        String task = null;
        if (request != null && !request.isNull()) {
            if (!request.isObject()) {
                throw invalid("a memory-compact request is a JSON object such as {\"maxSegments\":1}", "request");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode value = field.getValue();
                switch (field.getKey()) {
                    case "maxSegments" -> {
                        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
                            throw invalid("maxSegments must be a whole number, 1 or more, got " + value, "maxSegments");
                        }
                        maxSegments = value.intValue();
                    }
                    case "task" -> {
                        if (!value.isTextual()) {
                            throw invalid("task must be the task memory-compact answered, as a string, got " + value, "task");
                        }
                        task = value.textValue();
                    }
                    default -> throw invalid("memory-compact takes maxSegments and task only, not " + field.getKey(), field.getKey());
                }
            }
        }
        if (task != null && maxSegments == null) {
            // A poll's answer ("is it down to maxSegments?" when the node lost the task) depends on it: no default here.
            throw invalid("a poll gives back the maxSegments memory-compact answered with the task", "maxSegments");
        }
        if (maxSegments == null) {
            maxSegments = 1;
        }
        // Before any store, the in-memory one too: a task that is not a node's task id is refused everywhere alike.
        MemoryIndexMaintenance.check(maxSegments, task);
        Optional<MemoryIndexMaintenance> index = maintenance.get();
        if (index.isEmpty()) {
            return new Reply(task, maxSegments, task == null ? 0 : null, 0, true, null); // the in-memory store: no segments
        }
        if (task == null) {
            MemoryIndexMaintenance.Compaction started = index.get().compact(maxSegments);
            boolean nothingToDo = started.task() == null;
            return new Reply(started.task(), maxSegments, started.segmentsBefore(), nothingToDo ? started.segmentsBefore() : null,
                    nothingToDo, null);
        }
        OptionalInt segments = index.get().compactedSegments(new MemoryIndexMaintenance.Compaction(0, maxSegments, task));
        return new Reply(task, maxSegments, null, segments.isPresent() ? segments.getAsInt() : null, segments.isPresent(), null);
    }

    private static ThreadlineException invalid(String message, String field) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message, Map.of("field", field));
    }
}
