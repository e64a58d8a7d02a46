package io.threadline.effects.internal;

import io.threadline.effects.Effects;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.List;

/**
 * Chat requests and replies as the JSON an effect log keeps. The request keeps what decides the
 * answer — messages, offered tools, model and sampling settings — so a replay that sends anything
 * else is caught; the reply keeps text, tool calls, finish reason, token usage and model name.
 * Text messages only: a request with images or other content is refused rather than half recorded.
 */
public final class ChatCodec {

    private ChatCodec() {
    }

    public static JsonNode request(ChatRequest request) {
        ObjectNode o = Effects.mapper().createObjectNode();
        ArrayNode messages = o.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.add(message(m));
        }
        if (request.toolSpecifications() != null && !request.toolSpecifications().isEmpty()) {
            ArrayNode tools = o.putArray("tools");
            for (ToolSpecification t : request.toolSpecifications()) {
                tools.add(t.name());
            }
        }
        putIfSet(o, "model", request.modelName());
        if (request.temperature() != null) {
            o.put("temperature", request.temperature());
        }
        if (request.topP() != null) {
            o.put("topP", request.topP());
        }
        if (request.maxOutputTokens() != null) {
            o.put("maxOutputTokens", request.maxOutputTokens());
        }
        return o;
    }

    private static ObjectNode message(ChatMessage m) {
        ObjectNode o = Effects.mapper().createObjectNode();
        if (m instanceof SystemMessage s) {
            o.put("role", "system").put("text", s.text());
        } else if (m instanceof UserMessage u) {
            if (!u.hasSingleText()) {
                throw new IllegalArgumentException("only text user messages can be recorded; this one has " + u.contents().size()
                        + " content parts");
            }
            o.put("role", "user").put("text", u.singleText());
        } else if (m instanceof AiMessage a) {
            o.put("role", "ai");
            putIfSet(o, "text", a.text());
            if (a.hasToolExecutionRequests()) {
                o.set("toolCalls", toolCalls(a.toolExecutionRequests()));
            }
        } else if (m instanceof ToolExecutionResultMessage t) {
            o.put("role", "tool").put("id", t.id()).put("tool", t.toolName()).put("text", t.text());
        } else {
            throw new IllegalArgumentException("cannot record a " + m.type() + " message");
        }
        return o;
    }

    public static JsonNode response(ChatResponse response) {
        ObjectNode o = Effects.mapper().createObjectNode();
        AiMessage ai = response.aiMessage();
        putIfSet(o, "text", ai.text());
        if (ai.hasToolExecutionRequests()) {
            o.set("toolCalls", toolCalls(ai.toolExecutionRequests()));
        }
        if (response.finishReason() != null) {
            o.put("finishReason", response.finishReason().name());
        }
        TokenUsage usage = response.tokenUsage();
        if (usage != null) {
            ObjectNode u = o.putObject("tokens");
            if (usage.inputTokenCount() != null) {
                u.put("input", usage.inputTokenCount());
            }
            if (usage.outputTokenCount() != null) {
                u.put("output", usage.outputTokenCount());
            }
        }
        putIfSet(o, "model", response.modelName());
        putIfSet(o, "id", response.id());
        return o;
    }

    public static ChatResponse response(JsonNode o) {
        List<ToolExecutionRequest> calls = new ArrayList<>();
        for (JsonNode c : o.path("toolCalls")) {
            calls.add(ToolExecutionRequest.builder().id(textOrNull(c, "id")).name(c.get("name").asText())
                    .arguments(textOrNull(c, "arguments")).build());
        }
        String text = textOrNull(o, "text");
        AiMessage ai = calls.isEmpty() ? AiMessage.from(text == null ? "" : text)
                : text == null ? AiMessage.from(calls) : AiMessage.from(text, calls);
        ChatResponse.Builder b = ChatResponse.builder().aiMessage(ai);
        if (o.hasNonNull("finishReason")) {
            b.finishReason(FinishReason.valueOf(o.get("finishReason").asText()));
        }
        JsonNode tokens = o.get("tokens");
        if (tokens != null) {
            b.tokenUsage(new TokenUsage(tokens.hasNonNull("input") ? tokens.get("input").asInt() : null,
                    tokens.hasNonNull("output") ? tokens.get("output").asInt() : null));
        }
        if (o.hasNonNull("model")) {
            b.modelName(o.get("model").asText());
        }
        if (o.hasNonNull("id")) {
            b.id(o.get("id").asText());
        }
        return b.build();
    }

    public static JsonNode toolCall(ToolExecutionRequest request) {
        ObjectNode o = Effects.mapper().createObjectNode();
        putIfSet(o, "id", request.id());
        o.put("arguments", request.arguments() == null ? "{}" : request.arguments());
        return o;
    }

    private static ArrayNode toolCalls(List<ToolExecutionRequest> requests) {
        ArrayNode calls = Effects.mapper().createArrayNode();
        for (ToolExecutionRequest r : requests) {
            ObjectNode c = calls.addObject();
            putIfSet(c, "id", r.id());
            c.put("name", r.name());
            putIfSet(c, "arguments", r.arguments());
        }
        return calls;
    }

    private static void putIfSet(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static String textOrNull(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
