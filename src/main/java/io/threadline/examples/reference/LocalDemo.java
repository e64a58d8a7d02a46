package io.threadline.examples.reference;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.memory.MemoryStore;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StandaloneValidation;
import io.threadline.state.Update;
import jakarta.validation.Validator;

import java.io.PrintStream;
import java.util.List;

/**
 * Runs the reference agent for a few turns on one thread in the in-memory store and prints what
 * Threadline recorded: each step, the thread's history with its decisions, and the graph. The agent
 * runs on the offline {@link LocalChatModel}.
 * {@code infra/local/demo} runs it; arguments, if given, replace the default user messages.
 */
public final class LocalDemo {

    private LocalDemo() {
    }

    public static void main(String[] args) {
        List<String> turns = args.length > 0 ? List.of(args)
                : List.of("what is 6 * 7", "count the words in the quick brown fox jumps", "thanks, that is all");
        run(turns, System.out);
    }

    static void run(List<String> turns, PrintStream out) {
        ThreadRuntime<AgentState> runtime = runtime(new InMemoryCheckpointStore(), null);
        ThreadKey thread = ThreadKey.of("demo-tenant", "demo-thread");
        for (String text : turns) {
            out.println("> user: " + text);
            RunResult<AgentState> run = runtime.run(thread, Update.of(AgentState.MESSAGES.append(Message.user(text))),
                    RunBudget.steps(10));
            for (Checkpoint step : run.steps()) {
                out.printf("  step %d  %-8s -> %-10s %s%s%n", step.step(), String.join(",", step.nodes()),
                        step.next().isEmpty() ? "END" : String.join(",", step.next()), step.status(),
                        step.decisions().isEmpty() ? "" : "  because " + step.decisions().get(0).reason());
            }
            List<Message> messages = run.state().messages();
            out.println("< " + messages.get(messages.size() - 1).content());
        }
        out.println();
        out.println("History of " + thread + " (newest first):");
        HistoryPage page = runtime.history(thread, HistoryQuery.first(HistoryQuery.MAX_LIMIT));
        for (Checkpoint cp : page.checkpoints()) {
            out.printf("  #%-3d %s %-9s %-8s %-8s %5d bytes  %s%n", cp.step(), cp.id(), cp.status(),
                    String.join(",", cp.nodes()), cp.isSnapshot() ? "snapshot" : "delta", cp.change().size(),
                    cp.decisions().isEmpty() ? "" : cp.decisions().get(0).to() + " because " + cp.decisions().get(0).reason());
        }
        out.println();
        out.println("Graph (Mermaid):");
        out.println(runtime.graph().toMermaid());
    }

    /**
     * The reference agent on {@code store} (and {@code memory}, or {@code null} for none) with the
     * offline {@link LocalChatModel} and the agent's tools — wired by hand, no container.
     */
    public static ThreadRuntime<AgentState> runtime(CheckpointStore store, MemoryStore memory) {
        return ThreadRuntime.builder(ReferenceAgent.graph()).store(store).memory(memory)
                .chatModel(new LocalChatModel()).tools(ReferenceAgent.tools()).build();
    }

    /** A Bean Validation validator outside a container: {@link StandaloneValidation}. */
    public static Validator plainValidator() {
        return StandaloneValidation.validator();
    }
}
