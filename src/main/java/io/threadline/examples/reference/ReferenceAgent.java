package io.threadline.examples.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.threadline.ThreadlineException;
import io.threadline.Failures;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.Node;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.Recollection;
import io.threadline.graph.RetryPolicy;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.graph.StepContext;
import io.threadline.state.FieldUpdate;
import io.threadline.state.Update;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import static io.threadline.examples.reference.AgentState.CURRENT_TASK;
import static io.threadline.examples.reference.AgentState.DIRECT_ANSWER;
import static io.threadline.examples.reference.AgentState.LAST_DECISION;
import static io.threadline.examples.reference.AgentState.MEMORIES;
import static io.threadline.examples.reference.AgentState.MESSAGES;
import static io.threadline.examples.reference.AgentState.RETRY_COUNT;
import static io.threadline.examples.reference.AgentState.TOOL_CALLS;
import static io.threadline.examples.reference.AgentState.TOOL_OUTPUTS;
import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * The seed's agent as a Threadline graph on a chat model: {@code process} recalls related past
 * answers (long-term memory, when the runtime has it) and asks the model, offering the tools;
 * the route follows the model — to {@code execute} when it asked for tools, else straight to
 * {@code respond}. {@code execute} runs the calls (retried, with durability SYNC so a call that
 * succeeded is not made twice); {@code respond} hands the results back to the model for the answer,
 * appends it and remembers it. Every model and tool call goes through the step context, so it is
 * recorded with its checkpoint and can be replayed.
 *
 * <p>Run it on any langchain4j {@code ChatModel} with the tools of {@link #tools()}; offline and in
 * tests that is {@link LocalChatModel}.
 */
public final class ReferenceAgent {

    /** Where {@code process} can send the thread. */
    public enum Next { TOOL, ANSWER }

    /** Where the agent keeps what it answered, per tenant, across threads. */
    static final String ANSWERS = "agent/answers";

    static final String INSTRUCTIONS = "You are Threadline's reference agent. For arithmetic, call the calculator tool with one "
            + "binary operation such as 6 * 7; to count the words of a text, call word_count with the text; otherwise answer "
            + "in one or two sentences and say what you can do.";
    /** Heads the recalled memories in the system message, one per following line, each after "- ". */
    static final String MEMORY_HEADING = "Relevant memories from earlier conversations:";
    static final String GREETING = "Hello! Ask me to calculate something or to count the words in a sentence.";

    /** How much of the conversation goes to the model: the thread keeps everything, a request need not. */
    private static final int HISTORY_MESSAGES = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceAgent() {
    }

    public static CompiledGraph<AgentState> graph() {
        return graph(ReferenceAgent::respond);
    }

    /**
     * The agent; with {@code approveTools}, {@code execute} first asks a human to approve the tool
     * calls the model wants ({@code threadline.reference-agent.approve-tools}): the thread is INTERRUPTED with
     * the calls as payload, and a resume with {@code true}, {@code "yes"} or {@code {"approved": true}}
     * runs them — anything else declines them, and the model answers without their results.
     */
    public static CompiledGraph<AgentState> graph(boolean approveTools) {
        return approveTools ? graph(ReferenceAgent::respond, ReferenceAgent::executeIfApproved) : graph();
    }

    /** The graph with another {@code respond} — for tests of what replay reports about changed code. */
    static CompiledGraph<AgentState> graph(Node<AgentState> respond) {
        return graph(respond, ReferenceAgent::execute);
    }

    private static CompiledGraph<AgentState> graph(Node<AgentState> respond, Node<AgentState> execute) {
        return StateGraph.of(AgentState.class)
                .node("process", ReferenceAgent::process)
                .node("execute", execute, executePolicy())
                .node("respond", respond)
                .edge(START, "process")
                .route("process", Next.class, ReferenceAgent::route, Map.of(Next.TOOL, "execute", Next.ANSWER, "respond"))
                .chain("execute", "respond", END)
                .compile();
    }

    /**
     * Three attempts for a tool that is temporarily unavailable, the retries it took written to
     * {@code retryCount} (the seed's retry_count). SYNC: each tool result is stored as it arrives,
     * so the next attempt — or the next process, after a crash — reuses the calls that succeeded.
     */
    private static NodePolicy<AgentState> executePolicy() {
        return NodePolicy.<AgentState>durability(Durability.SYNC)
                .withRetry(RetryPolicy.<AgentState>attempts(3).retryOn(ToolUnavailableException.class).countRetriesIn(RETRY_COUNT));
    }

    /** The tools the agent offers the model. */
    public static ToolBox tools() {
        return ToolBox.of(new AgentTools());
    }

    static Update<AgentState> process(AgentState state, StepContext ctx) {
        Message user = state.lastUserMessage();
        String task = user == null ? null : user.content();
        String note = "step " + ctx.step() + ": working on " + (task == null ? "nothing" : "'" + task + "'");
        List<String> memories = List.of();
        if (task != null && ctx.hasMemory()) {
            // Like the seed: recall what is relevant to the task before deciding — and answer anyway
            // when memory is down (the checkpoint records the degraded step).
            memories = ctx.recallIfAvailable(ANSWERS, task, 2).stream().map(Recollection::content).toList();
            if (!memories.isEmpty()) {
                note += "; recalled: " + String.join(" | ", memories);
            }
        }
        Update<AgentState> turn = Update.of(CURRENT_TASK.set(task), RETRY_COUNT.set(0), MEMORIES.set(memories),
                MESSAGES.append(Message.system(note)));
        if (task == null) {
            // Nothing to ask: a greeting needs no model call (and some providers refuse a conversation without a user turn).
            return turn.and(TOOL_CALLS.set(List.of()), DIRECT_ANSWER.set(GREETING));
        }
        AiMessage reply = ctx.chat(ChatRequest.builder().messages(conversation(state, memories))
                .toolSpecifications(ctx.toolSpecifications()).build()).aiMessage();
        List<ToolCall> calls = reply.hasToolExecutionRequests()
                ? reply.toolExecutionRequests().stream().map(ToolCall::requested).toList() : List.of();
        return turn.and(TOOL_CALLS.set(calls), DIRECT_ANSWER.set(calls.isEmpty() ? reply.text() : null));
    }

    static Route route(AgentState state) {
        if (!state.toolCalls().isEmpty()) {
            return Route.to(Next.TOOL, "the model asked for " + state.toolCalls().stream().map(ReferenceAgent::describe)
                    .collect(Collectors.joining(", ")));
        }
        return Route.to(Next.ANSWER, state.currentTask() == null ? "no task; greet"
                : "the model answered without a tool");
    }

    static Update<AgentState> execute(AgentState state, StepContext ctx) {
        List<ToolCall> done = new ArrayList<>();
        List<FieldUpdate<AgentState>> changes = new ArrayList<>();
        for (ToolCall call : state.toolCalls()) {
            String output;
            try {
                output = ctx.executeTool(call.request());
            } catch (ThreadlineException e) {
                throw e;    // the runtime's own failure (or a replay's divergence), not the tool's answer
            } catch (RuntimeException e) {
                if (temporary(e)) {
                    throw new ToolUnavailableException("tool '" + call.name() + "' is unavailable: " + e.getMessage(), e);
                }
                // The seed's behaviour: a tool's error is its answer, and the model explains it.
                output = "error: " + e.getMessage();
            }
            done.add(call.withResult(output));
            changes.add(TOOL_OUTPUTS.put(call.name(), output));
            changes.add(MESSAGES.append(Message.tool(describe(call) + " = " + output)));
        }
        changes.add(TOOL_CALLS.set(done));
        changes.add(LAST_DECISION.set("used " + names(done)));
        return Update.of(changes);
    }

    static Update<AgentState> executeIfApproved(AgentState state, StepContext ctx) {
        Map<String, Object> question = new LinkedHashMap<>();
        question.put("question", "May I run these tools?");
        question.put("toolCalls", state.toolCalls().stream().map(ReferenceAgent::describe).toList());
        JsonNode answer = ctx.interrupt(question);
        boolean approved = answer.isBoolean() ? answer.asBoolean()
                : answer.isTextual() ? List.of("yes", "approve", "approved", "ok").contains(answer.asText().trim().toLowerCase(Locale.ROOT))
                : answer.path("approved").asBoolean(false);
        if (approved) {
            return execute(state, ctx);
        }
        List<ToolCall> declined = new ArrayList<>();
        List<FieldUpdate<AgentState>> changes = new ArrayList<>();
        for (ToolCall call : state.toolCalls()) {
            String output = "error: not run, a human declined it";
            declined.add(call.withResult(output));
            changes.add(MESSAGES.append(Message.tool(describe(call) + " = " + output)));
        }
        changes.add(TOOL_CALLS.set(declined));
        changes.add(LAST_DECISION.set("a human declined " + names(declined)));
        return Update.of(changes);
    }

    /** Decided with {@link Failures#isA}, which answers the same for a tool's failure live and in a replay. */
    private static boolean temporary(RuntimeException e) {
        return Failures.isA(e, ToolUnavailableException.class) || Failures.isA(e, UncheckedIOException.class);
    }

    static Update<AgentState> respond(AgentState state, StepContext ctx) {
        String task = state.currentTask();
        String answer = state.toolCalls().isEmpty() ? direct(state) : answerWithResults(ctx, state);
        if (task != null && ctx.hasMemory()) {
            ctx.remember(ANSWERS, "asked '" + task + "', answered: " + answer, "episode", state.toolCalls().isEmpty() ? 0.3 : 0.7);
        }
        return Update.of(MESSAGES.append(Message.assistant(answer)), LAST_DECISION.set(
                state.toolCalls().isEmpty() ? "answered directly" : "answered with " + names(state.toolCalls())));
    }

    private static String direct(AgentState state) {
        String text = state.directAnswer();
        return text == null || text.isBlank() ? "I have no answer to '" + state.currentTask() + "'." : text;
    }

    /** Gives the model the tool results — the same conversation as in {@code process}, then its calls and their results. */
    static ChatRequest answerRequest(AgentState state, StepContext ctx) {
        List<ChatMessage> messages = conversation(state, state.memories());
        List<ToolExecutionRequest> requests = state.toolCalls().stream().map(ToolCall::request).toList();
        messages.add(AiMessage.from(requests));
        for (ToolCall call : state.toolCalls()) {
            messages.add(ToolExecutionResultMessage.from(call.request(), call.result() == null ? "error: the tool did not run" : call.result()));
        }
        // Tools are offered again: some providers (Bedrock's Converse) refuse tool results without them.
        return ChatRequest.builder().messages(messages).toolSpecifications(ctx.toolSpecifications()).build();
    }

    private static String answerWithResults(StepContext ctx, AgentState state) {
        AiMessage reply = ctx.chat(answerRequest(state, ctx)).aiMessage();
        String text = reply.text();
        if (text != null && !text.isBlank()) {
            return text;
        }
        // The graph has one tool round per turn; a model that wants another says so instead of looping.
        return reply.hasToolExecutionRequests()
                ? "To finish '" + state.currentTask() + "' I would need " + names(reply.toolExecutionRequests().stream()
                        .map(ToolCall::requested).toList()) + " again; please ask one thing at a time."
                : "I have no answer to '" + state.currentTask() + "'.";
    }

    /**
     * What the model is told: the instructions (with the recalled memories), then the latest user and
     * assistant messages up to the task. Built from the state alone, so {@code respond} repeats exactly
     * what {@code process} sent.
     */
    static List<ChatMessage> conversation(AgentState state, List<String> memories) {
        StringBuilder system = new StringBuilder(INSTRUCTIONS);
        if (!memories.isEmpty()) {
            system.append('\n').append(MEMORY_HEADING);
            memories.forEach(m -> system.append("\n- ").append(m.replace('\n', ' ')));
        }
        int lastUser = -1;
        for (int i = state.messages().size() - 1; i >= 0 && lastUser < 0; i--) {
            if ("user".equals(state.messages().get(i).role())) {
                lastUser = i;
            }
        }
        List<ChatMessage> history = new ArrayList<>();
        for (int i = lastUser; i >= 0 && history.size() < HISTORY_MESSAGES; i--) {
            Message m = state.messages().get(i);
            if ("user".equals(m.role())) {
                history.add(0, UserMessage.from(m.content()));
            } else if ("assistant".equals(m.role())) {
                history.add(0, AiMessage.from(m.content()));
            }
        }
        // A model conversation starts with the user: drop an assistant message cut loose by the window.
        while (!history.isEmpty() && history.get(0) instanceof AiMessage) {
            history.remove(0);
        }
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(SystemMessage.from(system.toString()));
        messages.addAll(history);
        return messages;
    }

    /** {@code calculator(6 * 7)}: the call with its argument values, for messages and reasons. */
    static String describe(ToolCall call) {
        String arguments = call.arguments();
        try {
            JsonNode parsed = JSON.readTree(arguments);
            if (parsed != null && parsed.isObject()) {
                List<String> values = new ArrayList<>();
                for (Iterator<JsonNode> it = parsed.elements(); it.hasNext(); ) {
                    JsonNode v = it.next();
                    values.add(v.isValueNode() ? v.asText() : v.toString());
                }
                arguments = String.join(", ", values);
            }
        } catch (JsonProcessingException e) {
            // Shown as the model wrote it; the tool itself reports the malformed arguments.
        }
        return call.name() + "(" + arguments + ")";
    }

    private static String names(List<ToolCall> calls) {
        return calls.stream().map(ToolCall::name).distinct().collect(Collectors.joining(", "));
    }
}
