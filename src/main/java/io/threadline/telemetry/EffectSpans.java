package io.threadline.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectKind;
import io.threadline.effects.EffectObserver;

import java.util.List;
import java.util.Locale;

/**
 * The effects of a running step as {@link ThreadlineTelemetry} shows them: a {@code chat <model>} span (GenAI
 * semantic conventions: model, token usage, finish reasons), an {@code execute_tool <tool>} span or a
 * {@code recall} span per call, under the step's span, counted into the step's {@link StepStats}; an effect served
 * from the journal is an event on the step's span. Prompts, replies and tool arguments are never recorded.
 */
record EffectSpans(Tracer tracer, StepMetrics metrics) implements EffectObserver {

    @Override
    public Call calling(String node, int attempt, EffectKind kind, String name, JsonNode request) {
        AttributesBuilder attrs = Attributes.builder().put(TelemetryKeys.NODE, node).put(TelemetryKeys.ATTEMPT, attempt);
        String spanName;
        SpanKind spanKind = SpanKind.INTERNAL;
        switch (kind) {
            case MODEL -> {
                String model = text(request, "model");
                spanName = model == null ? "chat" : "chat " + model;
                spanKind = SpanKind.CLIENT;
                attrs.put(TelemetryKeys.GEN_AI_OPERATION, "chat");
                if (model != null) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_MODEL, model);
                }
                if (request != null && request.hasNonNull("temperature")) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_TEMPERATURE, request.get("temperature").asDouble());
                }
                if (request != null && request.hasNonNull("topP")) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_TOP_P, request.get("topP").asDouble());
                }
                if (request != null && request.hasNonNull("maxOutputTokens")) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_MAX_TOKENS, request.get("maxOutputTokens").asLong());
                }
            }
            case TOOL -> {
                spanName = "execute_tool " + name;
                attrs.put(TelemetryKeys.GEN_AI_OPERATION, "execute_tool").put(TelemetryKeys.GEN_AI_TOOL_NAME, name)
                        .put(TelemetryKeys.GEN_AI_TOOL_TYPE, "function");
                String id = text(request, "id");
                if (id != null) {
                    attrs.put(TelemetryKeys.GEN_AI_TOOL_CALL_ID, id);
                }
            }
            case RECALL -> {
                spanName = "recall";
                attrs.put(TelemetryKeys.MEMORY_NAMESPACE, name);
                if (request != null && request.has("k")) {
                    attrs.put(TelemetryKeys.MEMORY_K, request.get("k").asLong());
                }
            }
            default -> {
                // The clock and ids: too small and too frequent to be worth a span.
                return Call.NONE;
            }
        }
        Span span = tracer.spanBuilder(spanName).setSpanKind(spanKind).setAllAttributes(attrs.build()).startSpan();
        Scope scope = span.makeCurrent();
        StepStats stats = Context.current().get(StepStats.KEY);
        long start = System.nanoTime();
        return effect -> {
            try {
                ended(span, kind, effect, stats, (System.nanoTime() - start) / 1e9);
            } catch (RuntimeException ignored) {
                // never fail the call because of telemetry
            } finally {
                span.end();
                scope.close();
            }
        };
    }

    private void ended(Span span, EffectKind kind, Effect effect, StepStats stats, double seconds) {
        String errorType = null;
        if (effect.failed()) {
            errorType = effect.error().code() != null ? effect.error().code() : effect.error().type();
        } else if (effect.response() == null) {
            errorType = "recording_failed";
        }
        if (errorType != null) {
            Spans.markError(span, errorType);
        }
        JsonNode response = effect.response();
        AttributesBuilder metricAttrs = Attributes.builder();
        if (kind == EffectKind.MODEL) {
            String requested = text(effect.request(), "model");
            String answered = text(response, "model");
            metricAttrs.put(TelemetryKeys.GEN_AI_OPERATION, "chat");
            if (requested != null) {
                metricAttrs.put(TelemetryKeys.GEN_AI_REQUEST_MODEL, requested);
            }
            if (answered != null) {
                span.setAttribute(TelemetryKeys.GEN_AI_RESPONSE_MODEL, answered);
                if (requested == null) {
                    span.updateName("chat " + answered);
                }
            }
            if (stats != null) {
                stats.modelCalls++;
            }
            if (response != null) {
                String id = text(response, "id");
                if (id != null) {
                    span.setAttribute(TelemetryKeys.GEN_AI_RESPONSE_ID, id);
                }
                String finish = text(response, "finishReason");
                if (finish != null) {
                    span.setAttribute(TelemetryKeys.GEN_AI_FINISH_REASONS, List.of(finish.toLowerCase(Locale.ROOT)));
                }
                JsonNode tokens = response.path("tokens");
                long in = tokens(span, metricAttrs, tokens, "input", TelemetryKeys.GEN_AI_INPUT_TOKENS);
                long out = tokens(span, metricAttrs, tokens, "output", TelemetryKeys.GEN_AI_OUTPUT_TOKENS);
                if (stats != null) {
                    stats.inputTokens += in;
                    stats.outputTokens += out;
                }
            }
            metrics.operationDuration.record(seconds, Attributes.builder().put(TelemetryKeys.GEN_AI_OPERATION, "chat")
                    .put(TelemetryKeys.ERROR_TYPE, errorType == null ? "" : errorType).build());
        } else if (kind == EffectKind.TOOL) {
            if (stats != null) {
                stats.toolCalls++;
            }
            metrics.operationDuration.record(seconds, Attributes.builder().put(TelemetryKeys.GEN_AI_OPERATION, "execute_tool")
                    .put(TelemetryKeys.GEN_AI_TOOL_NAME, effect.name()).put(TelemetryKeys.ERROR_TYPE, errorType == null ? "" : errorType).build());
        } else if (kind == EffectKind.RECALL && response != null && response.isArray()) {
            span.setAttribute(TelemetryKeys.MEMORY_HITS, (long) response.size());
        }
    }

    @Override
    public void served(Effect effect) {
        if (effect.kind() == EffectKind.CLOCK || effect.kind() == EffectKind.ID) {
            return;
        }
        Span.current().addEvent(TelemetryKeys.REUSED_EVENT, Attributes.of(TelemetryKeys.EFFECT_KIND, effect.kind().name(),
                TelemetryKeys.EFFECT_NAME, effect.name(), TelemetryKeys.NODE, effect.node(), TelemetryKeys.ATTEMPT, (long) effect.attempt()));
    }

    private static String text(JsonNode o, String field) {
        if (o == null) {
            return null;
        }
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * The model call's {@code type} tokens ({@code input} or {@code output}) on its span and in the token-usage
     * histogram; 0 when the recorded response does not say.
     */
    private long tokens(Span span, AttributesBuilder metricAttrs, JsonNode tokens, String type, AttributeKey<Long> key) {
        if (!tokens.has(type)) {
            return 0;
        }
        long count = tokens.get(type).asLong();
        span.setAttribute(key, count);
        metrics.tokenUsage.record(count, metricAttrs.put(TelemetryKeys.GEN_AI_TOKEN_TYPE, type).build());
        return count;
    }
}
