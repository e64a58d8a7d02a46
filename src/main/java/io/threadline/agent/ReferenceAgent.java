package io.threadline.agent;

import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Recollection;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.graph.StepContext;
import io.threadline.state.Update;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.threadline.agent.AgentState.CURRENT_TASK;
import static io.threadline.agent.AgentState.LAST_DECISION;
import static io.threadline.agent.AgentState.MESSAGES;
import static io.threadline.agent.AgentState.RETRY_COUNT;
import static io.threadline.agent.AgentState.TOOL_OUTPUTS;
import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * The seed's agent as a Threadline graph: {@code process} reads the user's task, recalls related
 * past answers (long-term memory, when the runtime has it) and decides whether a tool is needed,
 * {@code execute} runs it, {@code respond} answers and remembers the answer. Deterministic for now;
 * the model arrives through the step context in a later version.
 */
public final class ReferenceAgent {

    /** Where {@code process} can send the thread. */
    public enum Next { TOOL, ANSWER }

    private ReferenceAgent() {
    }

    public static CompiledGraph<AgentState> graph() {
        return StateGraph.of(AgentState.class)
                .node("process", ReferenceAgent::process)
                .node("execute", ReferenceAgent::execute)
                .node("respond", ReferenceAgent::respond)
                .edge(START, "process")
                .route("process", Next.class, ReferenceAgent::route, Map.of(Next.TOOL, "execute", Next.ANSWER, "respond"))
                .chain("execute", "respond", END)
                .compile();
    }

    /** Where the agent keeps what it answered, per tenant, across threads. */
    static final String ANSWERS = "agent/answers";

    static Update<AgentState> process(AgentState state, StepContext ctx) {
        Message user = state.lastUserMessage();
        String task = user == null ? null : user.content();
        String note = "step " + ctx.step() + ": working on " + (task == null ? "nothing" : "'" + task + "'");
        if (task != null && ctx.hasMemory()) {
            // Like the seed: recall what is relevant to the task before deciding — and answer anyway
            // when memory is down (the checkpoint records the degraded step).
            List<Recollection> recalled = ctx.recallIfAvailable(ANSWERS, task, 2);
            if (!recalled.isEmpty()) {
                note += "; recalled: " + String.join(" | ", recalled.stream().map(Recollection::content).toList());
            }
        }
        return Update.of(CURRENT_TASK.set(task), RETRY_COUNT.set(0), MESSAGES.append(Message.system(note)));
    }

    static Route route(AgentState state) {
        Optional<Tools.ToolCall> call = Tools.choose(state.currentTask());
        return call.map(c -> Route.to(Next.TOOL, "task needs the " + c.tool() + " tool for '" + c.argument() + "'"))
                .orElseGet(() -> Route.to(Next.ANSWER, "no tool matches the task; answer directly"));
    }

    static Update<AgentState> execute(AgentState state, StepContext ctx) {
        Tools.ToolCall call = Tools.choose(state.currentTask()).orElseThrow();
        String output;
        try {
            output = Tools.run(call);
        } catch (RuntimeException e) {
            output = "error: " + e.getMessage();
        }
        return Update.of(TOOL_OUTPUTS.put(call.tool(), output),
                MESSAGES.append(Message.tool(call.tool() + "(" + call.argument() + ") = " + output)),
                LAST_DECISION.set("used " + call.tool()));
    }

    static Update<AgentState> respond(AgentState state, StepContext ctx) {
        String task = state.currentTask();
        Optional<Tools.ToolCall> call = Tools.choose(task);
        String answer;
        if (task == null) {
            answer = "Hello! Ask me to calculate something or to count the words in a sentence.";
        } else if (call.isPresent() && state.toolOutputs().containsKey(call.get().tool())) {
            answer = "The answer to '" + task + "' is " + state.toolOutputs().get(call.get().tool()) + ".";
        } else {
            answer = "I read '" + task + "', but none of my tools applies; try 'what is 6 * 7'.";
        }
        if (task != null && ctx.hasMemory()) {
            ctx.remember(ANSWERS, "asked '" + task + "', answered: " + answer, "episode", call.isPresent() ? 0.7 : 0.3);
        }
        return Update.of(MESSAGES.append(Message.assistant(answer)),
                LAST_DECISION.set(call.isPresent() ? "answered with " + call.get().tool() : "answered directly"));
    }
}
