package io.threadline.testing;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.graph.StepContext;
import io.threadline.runtime.ThreadlineAgent;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.MapChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.inject.Singleton;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * The test sources' agent, named {@value #NAME}: a small graph with fixed answers and no model, so tests of the
 * API, configuration and infrastructure do not depend on what an example agent answers. It takes the input
 * shape of the {@code events/} samples ({@code {"messages": [{"role": "user", "content": "what is 6 * 7"}]}}).
 * Two steps a turn: {@code read} takes the last user message as the task and routes it to {@code calculate}
 * (one binary operation: "6 * 7" → "42") or {@code echo} (answers the task as it is).
 */
@Singleton
@RegisterForReflection(targets = {EchoAgent.EchoState.class, EchoAgent.Message.class})
public class EchoAgent implements ThreadlineAgent<EchoAgent.EchoState> {

    /** The name requests use: {@code "agent": "echo"}. */
    public static final String NAME = "echo";

    /** A message; roles {@code user} and {@code assistant}. */
    public record Message(@NotBlank @Pattern(regexp = "user|assistant", message = "must be user or assistant") String role,
                          @NotNull @Size(max = 100_000) String content) {

        public static Message user(String content) {
            return new Message("user", content);
        }
    }

    /**
     * The conversation, the task being answered and its answer, labels a caller may set (values required), and
     * the number of turns answered (at most {@value #MAX_TURNS}, so a fractional or large value is refused).
     */
    public record EchoState(@NotNull @Size(max = 1_000) List<@NotNull @Valid Message> messages,
                            @Size(max = 2_000) String task,
                            @Size(max = 2_000) String answer,
                            @NotNull Map<String, @NotNull @Size(max = 1_000) String> labels,
                            @PositiveOrZero @Max(MAX_TURNS) int turns) {

        public static final int MAX_TURNS = 1_000;
        public static final ListChannel<EchoState, Message> MESSAGES = Channel.appending("messages");
        public static final ValueChannel<EchoState, String> TASK = Channel.overwriting("task");
        public static final ValueChannel<EchoState, String> ANSWER = Channel.overwriting("answer");
        public static final MapChannel<EchoState, String> LABELS = Channel.merging("labels");
        public static final ValueChannel<EchoState, Integer> TURNS = Channel.overwriting("turns");
    }

    enum Next { CALCULATE, ECHO }

    private static final java.util.regex.Pattern ARITHMETIC =
            java.util.regex.Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*([-+*/])\\s*(-?\\d+(?:\\.\\d+)?)");

    private static final CompiledGraph<EchoState> GRAPH = StateGraph.of(EchoState.class)
            .node("read", EchoAgent::read)
            .node("calculate", EchoAgent::calculate)
            .node("echo", EchoAgent::echo)
            .edge(START, "read")
            .route("read", Next.class, EchoAgent::route, Map.of(Next.CALCULATE, "calculate", Next.ECHO, "echo"))
            .edge("calculate", END)
            .edge("echo", END)
            .compile();

    /** The graph, for tests that build a runtime of it themselves. */
    public static CompiledGraph<EchoState> compiled() {
        return GRAPH;
    }

    /** The input of one user turn. */
    public static Update<EchoState> user(String text) {
        return Update.of(EchoState.MESSAGES.append(Message.user(text)));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompiledGraph<EchoState> graph() {
        return GRAPH;
    }

    @Override
    public String description() {
        return "the test agent: calculates one binary operation, echoes anything else";
    }

    static Update<EchoState> read(EchoState state, StepContext ctx) {
        String task = null;
        for (int i = state.messages().size() - 1; i >= 0 && task == null; i--) {
            if ("user".equals(state.messages().get(i).role())) {
                task = state.messages().get(i).content();
            }
        }
        return Update.of(EchoState.TASK.set(task), EchoState.ANSWER.set(null));
    }

    static Route route(EchoState state) {
        Matcher m = state.task() == null ? null : ARITHMETIC.matcher(state.task());
        return m != null && m.find() ? Route.to(Next.CALCULATE, "arithmetic: " + m.group())
                : Route.to(Next.ECHO, state.task() == null ? "no task" : "no arithmetic");
    }

    static Update<EchoState> calculate(EchoState state, StepContext ctx) {
        Matcher m = ARITHMETIC.matcher(state.task());
        m.find();
        BigDecimal a = new BigDecimal(m.group(1));
        BigDecimal b = new BigDecimal(m.group(3));
        String answer = switch (m.group(2)) {
            case "+" -> a.add(b).toPlainString();
            case "-" -> a.subtract(b).toPlainString();
            case "*" -> a.multiply(b).toPlainString();
            default -> b.signum() == 0 ? "undefined" : a.divide(b, MathContext.DECIMAL64).stripTrailingZeros().toPlainString();
        };
        return answered(state, answer);
    }

    static Update<EchoState> echo(EchoState state, StepContext ctx) {
        return answered(state, state.task() == null ? "nothing to answer" : state.task());
    }

    private static Update<EchoState> answered(EchoState state, String answer) {
        return Update.of(EchoState.ANSWER.set(answer), EchoState.MESSAGES.append(new Message("assistant", answer)),
                EchoState.TURNS.set(Math.min(state.turns() + 1, EchoState.MAX_TURNS)));
    }
}
