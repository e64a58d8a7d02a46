package io.threadline.runtime;

import io.threadline.examples.reference.LocalDemo;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.state.Channel;
import io.threadline.state.FieldUpdate;
import io.threadline.state.ListChannel;
import io.threadline.state.MapChannel;
import io.threadline.state.ReducingChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: for random sequences of updates over every reducer kind, every checkpoint of the thread
 * materialises (snapshot + deltas, from a cold runtime) to exactly the state recomputed from
 * scratch, and total storage stays within a constant of the final state.
 */
class MaterializationPropertyTest {

    public record Nested(String label, List<Integer> values, Instant at) {}

    public record Mixed(List<String> log, Map<String, Nested> byKey, String title, long counter, Nested nested,
                        long max, List<String> replaced) {
        public static final ListChannel<Mixed, String> LOG = Channel.appending("log");
        public static final MapChannel<Mixed, Nested> BY_KEY = Channel.merging("byKey");
        public static final ValueChannel<Mixed, String> TITLE = Channel.overwriting("title");
        public static final ValueChannel<Mixed, Long> COUNTER = Channel.overwriting("counter");
        public static final ValueChannel<Mixed, Nested> NESTED = Channel.overwriting("nested");
        public static final ReducingChannel<Mixed, Long> MAX = Channel.reducing("max", (a, b) -> a == null ? b : Math.max(a, b));
        public static final ListChannel<Mixed, String> REPLACED = Channel.appending("replaced");
    }

    /** Random updates of every kind; the same seed produces the same sequence. */
    private static List<FieldUpdate<Mixed>> randomUpdate(SplittableRandom r, int step) {
        List<FieldUpdate<Mixed>> out = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(9)) {
                case 0, 1 -> out.add(Mixed.LOG.append(text(r, step)));
                case 2 -> out.add(Mixed.BY_KEY.put(key(r), new Nested(text(r, step), List.of(r.nextInt(), step), Instant.ofEpochSecond(r.nextInt(1 << 30), r.nextInt(1_000_000_000)))));
                case 3 -> out.add(Mixed.BY_KEY.remove(key(r)));
                case 4 -> out.add(Mixed.TITLE.set(r.nextInt(5) == 0 ? null : text(r, step)));
                case 5 -> out.add(Mixed.COUNTER.set(r.nextLong()));
                case 6 -> out.add(Mixed.NESTED.set(r.nextInt(3) == 0 ? null : new Nested("~/odd \"key\"", List.of(step), null)));
                case 7 -> out.add(Mixed.MAX.update((long) r.nextInt(1000)));
                default -> out.add(r.nextBoolean() ? Mixed.REPLACED.replace(List.of(text(r, step))) : Mixed.REPLACED.append(text(r, step)));
            }
        }
        return out;
    }

    private static String key(SplittableRandom r) {
        return List.of("a", "b/c", "d~e", "", "ü").get(r.nextInt(5));
    }

    private static String text(SplittableRandom r, int step) {
        return "s" + step + "-" + "x".repeat(r.nextInt(40)) + (r.nextInt(7) == 0 ? "\u00e9\ud83d\ude00\"\\" : "");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void everyCheckpointMaterialisesToTheRecomputedState(long seed) {
        // The graph's only node applies the update the test planned for this step.
        Map<Long, List<FieldUpdate<Mixed>>> plan = new LinkedHashMap<>();
        CompiledGraph<Mixed> graph = StateGraph.of(Mixed.class)
                .node("apply", (s, ctx) -> Update.of(plan.get(ctx.step())))
                .chain(START, "apply", END)
                .compile();
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        RuntimeOptions options = RuntimeOptions.defaults().withSnapshotPolicy(new SnapshotPolicy(1.0 + (seed % 3)));
        ThreadRuntime<Mixed> live = ThreadRuntime.builder(graph)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .options(options)
                .build();
        ThreadKey thread = ThreadKey.of("prop", "seed-" + seed);

        SplittableRandom random = new SplittableRandom(seed);
        Mixed expected = graph.schema().initial();
        List<Mixed> expectedAt = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int steps = 300;
        for (int step = 1; step <= steps; step++) {
            List<FieldUpdate<Mixed>> updates = randomUpdate(random, step);
            plan.put((long) step, updates);
            expected = graph.schema().apply(expected, updates).state();
            StepResult<Mixed> result = live.step(thread);
            assertThat(result.state()).isEqualTo(expected);
            expectedAt.add(expected);
            ids.add(result.checkpoint().id().value());
        }

        ThreadRuntime<Mixed> cold = ThreadRuntime.builder(graph)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .options(options)
                .build();
        for (int k = 0; k < steps; k++) {
            assertThat(cold.stateAt(thread, CheckpointId.parse(ids.get(k))).state()).as("checkpoint %d", k + 1)
                    .isEqualTo(expectedAt.get(k));
        }
        assertThat(cold.state(thread).state()).isEqualTo(expected);
    }
}
