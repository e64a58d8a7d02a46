package io.threadline.runtime.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.effects.EffectKind;
import io.threadline.effects.Effects;
import io.threadline.effects.internal.ChatCodec;
import io.threadline.graph.InterruptPoint;
import io.threadline.graph.Recollection;
import io.threadline.graph.StepContext;
import io.threadline.graph.internal.InterruptSignal;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The context of one attempt of one node: every call to the world goes through the step's
 * {@link io.threadline.effects.internal.EffectJournal}, which makes and records it (live) or serves the
 * recorded answer (replay, or a SYNC retry reusing what an earlier attempt got). What a node is
 * handed back is always the recorded form, so live and replayed runs see exactly the same values.
 */
final class RecordingStepContext implements StepContext {

    private final StepScope scope;
    private final String node;
    private final boolean sync;

    RecordingStepContext(StepScope scope, String node, boolean sync) {
        this.scope = scope;
        this.node = node;
        this.sync = sync;
    }

    @Override
    public String tenant() {
        return scope.thread.tenant();
    }

    @Override
    public String threadId() {
        return scope.thread.threadId();
    }

    @Override
    public long step() {
        return scope.step;
    }

    @Override
    public Instant now() {
        JsonNode at = scope.journal.call(node, sync, EffectKind.CLOCK, "now", null,
                () -> TextNode.valueOf(scope.clock.instant().toString()));
        return Instant.parse(at.asText());
    }

    @Override
    public String newId() {
        JsonNode id = scope.journal.call(node, sync, EffectKind.ID, "id", null,
                () -> TextNode.valueOf(CheckpointId.next(scope.clock.instant(), scope.random, scope.lastId).value()));
        scope.lastId = CheckpointId.parse(id.asText());
        return id.asText();
    }

    @Override
    public boolean hasMemory() {
        return scope.memoryAvailable;
    }

    @Override
    public List<Recollection> recall(String namespace, String query, int k) {
        ObjectNode request = Effects.mapper().createObjectNode().put("namespace", namespace).put("query", query).put("k", k);
        JsonNode hits = scope.journal.call(node, sync, EffectKind.RECALL, namespace, request, () -> {
            if (scope.memory == null) {
                throw new IllegalStateException("this runtime has no long-term memory store");
            }
            ArrayNode out = Effects.mapper().createArrayNode();
            for (MemoryHit hit : scope.memory.search(new MemoryQuery(scope.thread.tenant(), query, null, k, namespace, Map.of(), 0),
                    scope.clock.instant())) {
                ObjectNode h = out.addObject().put("id", hit.memory().id()).put("namespace", hit.memory().namespace())
                        .put("content", hit.memory().content()).put("score", hit.score());
                // Provenance, so the recorded recall (and the inspector) can link a memory to the step that wrote it.
                if (hit.memory().sourceThread() != null) {
                    h.put("sourceThread", hit.memory().sourceThread());
                }
                if (hit.memory().sourceCheckpoint() != null) {
                    h.put("sourceCheckpoint", hit.memory().sourceCheckpoint());
                }
            }
            return out;
        });
        List<Recollection> out = new ArrayList<>(hits.size());
        for (JsonNode h : hits) {
            out.add(new Recollection(h.get("id").asText(), h.get("namespace").asText(), h.get("content").asText(),
                    h.get("score").asDouble()));
        }
        return out;
    }

    @Override
    public List<Recollection> recallIfAvailable(String namespace, String query, int k) {
        try {
            return recall(namespace, query, k);
        } catch (ThreadlineException e) {
            if (e.code() != ErrorCode.DEPENDENCY_UNAVAILABLE) {
                throw e;
            }
            scope.markDegradedRecall();
            return List.of();
        }
    }

    @Override
    public void remember(String namespace, String content, String kind, double importance) {
        if (!scope.memoryAvailable) {
            throw new IllegalStateException("this runtime has no long-term memory store");
        }
        scope.remember(node, namespace, content, kind, importance, List.of());
    }

    @Override
    public void remember(String namespace, String content, String kind, double importance, List<String> supersedes) {
        if (!scope.memoryAvailable) {
            throw new IllegalStateException("this runtime has no long-term memory store");
        }
        scope.remember(node, namespace, content, kind, importance, supersedes);
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        JsonNode reply = scope.journal.call(node, sync, EffectKind.MODEL, modelName(request), ChatCodec.request(request), () -> {
            if (scope.chatModel == null) {
                throw new IllegalStateException("this runtime has no chat model");
            }
            return ChatCodec.response(scope.chatModel.chat(request));
        });
        return ChatCodec.response(reply);
    }

    /** The model the request names, else "chat": never the live model's identity, which a replay does not have. */
    private static String modelName(ChatRequest request) {
        return request.modelName() != null ? request.modelName() : "chat";
    }

    @Override
    public List<ToolSpecification> toolSpecifications() {
        return scope.tools.specifications();
    }

    @Override
    public String executeTool(ToolExecutionRequest request) {
        JsonNode result = scope.journal.call(node, sync, EffectKind.TOOL, request.name(), ChatCodec.toolCall(request),
                () -> TextNode.valueOf(scope.tools.execute(request)));
        return result.asText();
    }

    @Override
    public JsonNode interrupt(Object payload) {
        JsonNode shown = payload == null ? NullNode.getInstance() : scope.codec.toTree(payload);
        if (scope.answersInterruptOf(node)) {
            return scope.journal.call(node, sync, EffectKind.RESUME, "resume", shown, scope::resumeValue);
        }
        throw new InterruptSignal(node, InterruptPoint.INSIDE, shown);
    }

    @Override
    public Optional<JsonNode> resumeValue() {
        if (!scope.resuming()) {
            return Optional.empty();
        }
        return Optional.of(scope.journal.call(node, sync, EffectKind.RESUME, "resume", null, scope::resumeValue));
    }

    @Override
    public <T> T interrupt(Object payload, Class<T> answerType) {
        return answer(interrupt(payload), answerType);
    }

    @Override
    public <T> Optional<T> resumeValue(Class<T> type) {
        return resumeValue().map(value -> answer(value, type));
    }

    /**
     * The resume value as the node's type. It is the caller's input: one that does not fit is a refused
     * resume (nothing is written, the thread still waits), not a failure of the node.
     */
    private <T> T answer(JsonNode value, Class<T> type) {
        try {
            return scope.codec.mapper().treeToValue(value, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "the resume value does not fit "
                    + type.getSimpleName() + ", what node '" + node + "' waits for: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()),
                    Map.of("field", "value", "node", node));
        }
    }
}
