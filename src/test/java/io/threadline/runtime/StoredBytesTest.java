package io.threadline.runtime;

import com.fasterxml.jackson.databind.node.TextNode;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a thread stores stays byte for byte what it was: every kind of checkpoint — a step with input,
 * effects and memory writes, an interrupted one, a resumed one, an update, a fork — every field as stored,
 * the payloads (input, effects, outbox, interrupt) as their stored text, against digests taken from the code
 * before checkpoint payloads were typed. A change here means threads written before it may not load the same: it must be deliberate.
 */
class StoredBytesTest {

    public record Desk(List<String> lines) {
        public static final ListChannel<Desk, String> LINES = Channel.appending("lines");
    }

    private static CompiledGraph<Desk> graph() {
        return StateGraph.of(Desk.class)
                .node("learn", (s, ctx) -> {
                    int known = ctx.recall("facts", "fact", 5).size();
                    ctx.remember("facts", "fact about step " + ctx.step(), "fact", 0.5);
                    return Update.of(Desk.LINES.append("knew " + known + " at " + ctx.now()));
                })
                .node("ask", (s, ctx) -> {
                    Map<String, Object> question = new LinkedHashMap<>();
                    question.put("question", "charge?");
                    question.put("amount", new BigDecimal("1.10"));
                    return Update.of(Desk.LINES.append("answer " + ctx.interrupt(question).asText()));
                })
                .chain(START, "learn", "ask", END)
                .compile();
    }

    @Test
    void everyKindOfCheckpointIsStoredAsBefore() throws Exception {
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        Clock clock = Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"), ZoneOffset.UTC);
        ThreadRuntime<Desk> runtime = ThreadRuntime.builder(graph())
                .store(store)
                .options(RuntimeOptions.defaults().withClock(clock).withRandom(new Random(16)))
                .memory(new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT))
                .build();
        ThreadKey thread = ThreadKey.of("acme", "bytes");
        ThreadKey fork = ThreadKey.of("acme", "bytes-fork");

        List<String> ids = new ArrayList<>();
        ids.add(runtime.step(thread, Update.of(Desk.LINES.append("hello")), "k-1").checkpoint().id().value());
        String interrupted = runtime.step(thread).checkpoint().id().value();
        ids.add(interrupted);
        ids.add(runtime.resume(thread, TextNode.valueOf("yes"), "k-2").checkpoint().id().value());
        ids.add(runtime.update(thread, Update.of(Desk.LINES.append("edited")), "a fix").checkpoint().id().value());
        String forked = runtime.fork(thread, CheckpointId.parse(interrupted), fork, "try again").checkpoint().id().value();

        List<String> digests = new ArrayList<>();
        for (String id : ids) {
            digests.add(digest(store.get(thread, CheckpointId.parse(id)).orElseThrow()));
        }
        digests.add(digest(store.get(fork, CheckpointId.parse(forked)).orElseThrow()));

        assertThat(store.get(thread, CheckpointId.parse(ids.get(0))).orElseThrow())
                .satisfies(cp -> assertThat(List.of(cp.input(), cp.effects(), cp.outbox())).doesNotContainNull());
        assertThat(store.get(thread, CheckpointId.parse(interrupted)).orElseThrow().interrupt()).isNotNull();
        assertThat(digests).containsExactly(GOLDEN);
    }

    /** SHA-256 of each checkpoint's stored fields, as the code before typed payloads wrote them (commit 6f6a0f1). */
    private static final String[] GOLDEN = {
            // The first step's outbox: its memory write now carries its provenance (sourceStep, sourceNode,
            // derivedFrom — issue 18), on purpose; an outbox stored before reads as before (the fields are optional).
            "9841f09724d5edd48c742a2afd703073abcfea638cfb1e8fad8e83fe2d37fb44",
            "feef9b3bed4aa2652e5e8fa1da7531a150a167f8fd557d7947c7b93614dc75b6",
            "a5a5a85867aee0635bcfa0eea0132c1c89e8971453b69bc6de5111932b712abb",
            "233b53d3ae763735d2a7b4b4afb5233b68ff093ab711b01436d26be78cb24b13",
            "fd8638fc720c1f93e1d8f6a7ba908a8eaf2cdae4e85e81f07218bb68172cd8ab"};

    /**
     * Every stored field of {@code cp}, the payloads as their stored text. Metadata in key order: the
     * envelope writes it in the map's own order, which differs from one JVM to the next.
     */
    private static String digest(Checkpoint cp) throws Exception {
        // The graph-version facts (graph, graphRoutes, …) were added to the metadata after the digests were taken,
        // on purpose; they are checked on their own below, and everything else must stay byte for byte.
        TreeMap<String, String> metadata = new TreeMap<>(cp.metadata());
        assertThat(metadata.remove("graph")).as("every checkpoint names its graph").matches("[0-9a-f]{16}");
        metadata.keySet().removeIf(key -> key.startsWith("graph"));
        String stored = String.join("|", cp.id().value(), Long.toString(cp.step()), String.valueOf(cp.parent()),
                cp.nodes().toString(), cp.decisions().toString(), cp.next().toString(), cp.status().name(),
                Integer.toString(cp.schemaVersion()), (cp.isSnapshot() ? "S" : "D") + cp.change().json().length,
                new String(cp.change().json(), StandardCharsets.UTF_8), cp.createdAt().toString(), String.valueOf(cp.idempotencyKey()),
                metadata.toString(), String.valueOf(cp.outbox()), String.valueOf(cp.input()),
                String.valueOf(cp.effects()), String.valueOf(cp.error()), String.valueOf(cp.interrupt()));
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored.getBytes(StandardCharsets.UTF_8)));
    }
}
