package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Agents;
import io.threadline.effects.ToolBox;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Sensitive;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.constraints.NotNull;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history operation, on a runtime whose state has a {@link Sensitive} field: the stored snapshot and
 * every later patch show it as "***" — while the thread itself still has the value.
 */
class HistoryRedactionTest {

    public record Session(@NotNull List<String> log, @Sensitive String apiKey) {
        public static final ListChannel<Session, String> LOG = Channel.appending("log");
        public static final ValueChannel<Session, String> API_KEY = Channel.overwriting("apiKey");
    }

    public static final class KeyChecker {
        @Tool("Checks an API key")
        public String check(@P("key") String key) {
            return key.startsWith("sk-live") ? "valid" : "invalid";
        }
    }

    @Test
    void historyMasksSensitiveFieldsInSnapshotsAndPatches() {
        StateCodec codec = new StateCodec();
        ThreadRuntime<Session> runtime = ThreadRuntime.builder(StateGraph.of(Session.class)
                .node("work", (s, ctx) -> {
                    // The node hands the key to a tool: the recorded effect holds it.
                    String checked = ctx.executeTool(ToolExecutionRequest.builder().id("c1").name("check")
                            .arguments("{\"key\":\"" + s.apiKey() + "\"}").build());
                    return Update.of(Session.LOG.append("used a key of " + s.apiKey().length() + " chars: " + checked));
                })
                .chain(START, "work", END).compile())
                .agent("keys").codec(codec)
                // Deltas until they reach 100x the snapshot: the second step is stored as a patch.
                .options(RuntimeOptions.defaults().withSnapshotPolicy(new SnapshotPolicy(100, null)))
                .tools(ToolBox.of(new KeyChecker())).build();
        ThreadKey thread = ThreadKey.of("acme", "keys");
        runtime.step(thread, Update.of(Session.API_KEY.set("sk-live-first")), null);
        runtime.step(thread, Update.of(Session.API_KEY.set("sk-live-rotated")), null);

        ThreadReadOperations reads = new ThreadReadOperations();
        reads.support = OperationSupport.of(Agents.of(null, runtime), null, codec, null);
        // No configuration here: history with no byte budget.
        Replies.History history = reads.history(new Caller("acme", false, null), new Requests.History(null, null, "keys", 10, null),
                Long.MAX_VALUE);

        assertThat(history.checkpoints()).hasSize(2);
        JsonNode patch = history.checkpoints().get(0).change();
        JsonNode snapshot = history.checkpoints().get(1).change();
        assertThat(history.checkpoints().get(1).checkpoint().storedAs()).isEqualTo("snapshot");
        assertThat(history.checkpoints().get(0).checkpoint().storedAs()).isEqualTo("delta");
        assertThat(snapshot.get("apiKey").asText()).isEqualTo("***");
        assertThat(snapshot.get("log").toString()).contains("used a key of 13 chars: valid");
        // The recorded tool call had the key in its arguments; the diff against the parent is masked too.
        JsonNode effects = history.checkpoints().get(0).effects();
        assertThat(effects.toString()).contains("check", "***").doesNotContain("sk-live");
        assertThat(history.checkpoints().get(0).diff().toString()).contains("\"value\":\"***\"").doesNotContain("sk-live");
        assertThat(patch.toString()).contains("\"path\":\"/apiKey\"", "\"value\":\"***\"").doesNotContain("sk-live");
        assertThat(codec.mapper().valueToTree(history).toString()).doesNotContain("sk-live");
        // The thread keeps the real value: only the view is masked.
        assertThat(runtime.state(thread).state().apiKey()).isEqualTo("sk-live-rotated");
    }

    @Test
    void aReplayDivergenceQuotesTheCallsWithSensitiveValuesMasked() {
        StateCodec codec = new StateCodec();
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        ThreadKey thread = ThreadKey.of("acme", "keys");
        runtime(codec, store, "{\"key\":\"%s\"}").step(thread, Update.of(Session.API_KEY.set("sk-live-first")), null);
        // The code changed: it now passes the key under another argument, so a replay asks for another call.
        ThreadRuntime<Session> changed = runtime(codec, store, "{\"key\":\"%s\",\"strict\":true}");

        TimeTravelOperations timeTravel = new TimeTravelOperations();
        timeTravel.support = OperationSupport.of(Agents.of(null, changed), store, codec, null);
        String checkpointId = changed.state(thread).checkpoint().id().value();
        Replies.Replay replay = timeTravel.replay(new Caller("acme", false, null), new Requests.Replay(null, null, "keys", checkpointId));

        assertThat(replay.report().verdict()).isEqualTo(ReplayReport.Verdict.NON_DETERMINISTIC);
        String shown = codec.mapper().valueToTree(replay).toString();
        assertThat(shown).contains("check", "***", "strict").doesNotContain("sk-live");
        assertThat(replay.report().divergence().message()).doesNotContain("sk-live");
    }

    private static ThreadRuntime<Session> runtime(StateCodec codec, InMemoryCheckpointStore store, String arguments) {
        return ThreadRuntime.builder(StateGraph.of(Session.class)
                .node("work", (s, ctx) -> {
                    String checked = ctx.executeTool(ToolExecutionRequest.builder().id("c1").name("check")
                            .arguments(String.format(arguments, s.apiKey())).build());
                    return Update.of(Session.LOG.append("checked: " + checked));
                })
                .chain(START, "work", END).compile())
                .agent("keys").store(store).codec(codec).tools(ToolBox.of(new KeyChecker())).build();
    }
}
