package io.threadline.telemetry;

import io.opentelemetry.api.common.AttributeKey;

import java.util.List;

/**
 * Attribute names: Threadline's own under {@code threadline.*}, the OpenTelemetry GenAI semantic
 * conventions (gen_ai.*, semconv 1.37) for model and tool calls, and the database and FaaS ones
 * where they fit. Constants rather than the semconv-incubating artifact's: those names still move
 * between releases, and ours are what dashboards and tests are written against.
 */
public final class TelemetryKeys {

    private TelemetryKeys() {
    }

    public static final String INSTRUMENTATION = "io.threadline";

    public static final AttributeKey<String> THREAD_ID = AttributeKey.stringKey("threadline.thread.id");
    public static final AttributeKey<String> TENANT = AttributeKey.stringKey("threadline.tenant");
    /** The agent the thread is bound to (set when the step commits). */
    public static final AttributeKey<String> AGENT = AttributeKey.stringKey("threadline.agent");
    public static final AttributeKey<Long> STEP = AttributeKey.longKey("threadline.step");
    public static final AttributeKey<List<String>> SCHEDULED = AttributeKey.stringArrayKey("threadline.scheduled");
    public static final AttributeKey<List<String>> NODES = AttributeKey.stringArrayKey("threadline.nodes");
    public static final AttributeKey<List<String>> NEXT = AttributeKey.stringArrayKey("threadline.next");
    public static final AttributeKey<String> STATUS = AttributeKey.stringKey("threadline.status");
    public static final AttributeKey<String> CHECKPOINT_ID = AttributeKey.stringKey("threadline.checkpoint.id");
    public static final AttributeKey<String> PARENT_ID = AttributeKey.stringKey("threadline.checkpoint.parent_id");
    public static final AttributeKey<String> STORED_AS = AttributeKey.stringKey("threadline.checkpoint.stored_as");
    public static final AttributeKey<Long> CHECKPOINT_BYTES = AttributeKey.longKey("threadline.checkpoint.bytes");
    public static final AttributeKey<Long> DELTAS_SINCE_SNAPSHOT = AttributeKey.longKey("threadline.checkpoint.deltas_since_snapshot");
    public static final AttributeKey<Boolean> DUPLICATE = AttributeKey.booleanKey("threadline.duplicate");
    public static final AttributeKey<String> FAILED_NODE = AttributeKey.stringKey("threadline.error.node");
    public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("threadline.operation");
    public static final AttributeKey<String> NODE = AttributeKey.stringKey("threadline.node");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("threadline.attempt");
    public static final AttributeKey<Boolean> REUSED = AttributeKey.booleanKey("threadline.effect.reused");
    public static final AttributeKey<String> EFFECT_KIND = AttributeKey.stringKey("threadline.effect.kind");
    public static final AttributeKey<String> EFFECT_NAME = AttributeKey.stringKey("threadline.effect.name");

    /** Routing decisions: span events named {@link #ROUTE_EVENT}. */
    public static final String ROUTE_EVENT = "threadline.route";
    public static final AttributeKey<String> ROUTE_FROM = AttributeKey.stringKey("threadline.route.from");
    public static final AttributeKey<List<String>> ROUTE_TO = AttributeKey.stringArrayKey("threadline.route.to");
    public static final AttributeKey<String> ROUTE_REASON = AttributeKey.stringKey("threadline.route.reason");
    /** A node needed more than one attempt: span event named {@link #RETRY_EVENT}. */
    public static final String RETRY_EVENT = "threadline.retry";
    public static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("threadline.attempts");
    /** An effect served from an earlier attempt instead of being made again. */
    public static final String REUSED_EVENT = "threadline.effect.reused";

    public static final AttributeKey<String> MEMORY_NAMESPACE = AttributeKey.stringKey("threadline.memory.namespace");
    public static final AttributeKey<Long> MEMORY_K = AttributeKey.longKey("threadline.memory.k");
    public static final AttributeKey<Long> MEMORY_HITS = AttributeKey.longKey("threadline.memory.hits");
    public static final AttributeKey<Boolean> MEMORY_MERGED = AttributeKey.booleanKey("threadline.memory.merged");
    /** Writes in one batch ({@code MemoryStore.putAll}: a step's memory writes). */
    public static final AttributeKey<Long> MEMORY_WRITES = AttributeKey.longKey("threadline.memory.writes");
    public static final AttributeKey<Long> MEMORY_EXPIRED = AttributeKey.longKey("threadline.memory.expired");
    public static final AttributeKey<Long> MEMORY_OVER_CAP = AttributeKey.longKey("threadline.memory.over_cap");
    /** How many memories a forget (of a thread, or by metadata) removed. */
    public static final AttributeKey<Long> MEMORY_FORGOTTEN = AttributeKey.longKey("threadline.memory.forgotten");

    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    public static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
    public static final AttributeKey<String> FAAS_TRIGGER = AttributeKey.stringKey("faas.trigger");
    public static final AttributeKey<String> FAAS_INVOCATION_ID = AttributeKey.stringKey("faas.invocation_id");
    public static final AttributeKey<String> CLOUD_PROVIDER = AttributeKey.stringKey("cloud.provider");

    // GenAI semantic conventions
    public static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<Double> GEN_AI_REQUEST_TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
    public static final AttributeKey<Double> GEN_AI_REQUEST_TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
    public static final AttributeKey<Long> GEN_AI_REQUEST_MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    public static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<String> GEN_AI_RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    public static final AttributeKey<List<String>> GEN_AI_FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<String> GEN_AI_TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    public static final AttributeKey<String> GEN_AI_TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
    public static final AttributeKey<String> GEN_AI_TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    public static final AttributeKey<String> GEN_AI_TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");

    /** Log context (MDC) keys, on every line logged during a step. */
    public static final String MDC_THREAD = "threadId";
    public static final String MDC_TENANT = "tenant";
    public static final String MDC_STEP = "step";
    public static final String MDC_TRACE = "traceId";
    public static final String MDC_SPAN = "spanId";
}
