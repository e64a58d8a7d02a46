package io.threadline.runs;

import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * The background runs' test graph: one node, {@code count}, adds one to {@code n} per step and loops until
 * {@code n} reaches {@code target} — a run of exactly {@code target} steps from n = 0, whose state says whether
 * any step ran twice (n would be off). {@code delayMs} slows each step (a worker can be killed mid-run);
 * {@code notes} collects the inputs a run applied; {@code sleepMs} makes the first step a timed wait of that long;
 * {@code askAt} makes the step after {@code n} reaches it ask a person (an interrupt) before it counts on.
 */
public final class Counter {

    public record State(int n, int target, int delayMs, List<String> notes, long sleepMs, int askAt) {
        public static final ValueChannel<State, Integer> N = Channel.overwriting("n");
        public static final ListChannel<State, String> NOTES = Channel.appending("notes");
    }

    enum More { AGAIN, STOP }

    public static final CompiledGraph<State> GRAPH = StateGraph.of(State.class)
            .node("count", (s, ctx) -> {
                if (s.sleepMs() > 0 && s.n() == 0) {
                    ctx.sleep(Duration.ofMillis(s.sleepMs())); // a timed wait before the first count
                }
                if (s.askAt() > 0 && s.n() == s.askAt()) {
                    ctx.interrupt(Map.of("question", "go on past " + s.n() + "?")); // a resume answers it
                }
                if (s.delayMs() > 0) {
                    try {
                        Thread.sleep(s.delayMs());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return Update.of(State.N.set(s.n() + 1));
            })
            .edge(START, "count")
            .route("count", More.class, s -> s.n() < s.target() ? Route.to(More.AGAIN, "below the target")
                    : Route.to(More.STOP, "target reached"), Map.of(More.AGAIN, "count", More.STOP, END))
            .compile();

    private Counter() {
    }
}
