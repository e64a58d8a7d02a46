package io.threadline.state.internal;

import io.threadline.state.AppliedUpdate;
import io.threadline.state.Channel;
import io.threadline.state.FieldUpdate;
import io.threadline.state.ListChannel;
import io.threadline.state.MapChannel;
import io.threadline.state.ReducingChannel;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;
import io.threadline.state.ValueChannel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StateDeltaTest {

    public record Entry(String text, BigDecimal amount, OffsetDateTime at) {}

    public record Doc(List<Entry> log, Map<String, Entry> byKey, Map<String, String> notes, int turn, String title,
                      long best, List<String> tags) {
        public static final ListChannel<Doc, Entry> LOG = Channel.appending("log");
        public static final MapChannel<Doc, Entry> BY_KEY = Channel.merging("byKey");
        public static final MapChannel<Doc, String> NOTES = Channel.merging("notes");
        public static final ValueChannel<Doc, Integer> TURN = Channel.overwriting("turn");
        public static final ValueChannel<Doc, String> TITLE = Channel.overwriting("title");
        public static final ReducingChannel<Doc, Long> BEST = Channel.reducing("best", Math::max);
        public static final ValueChannel<Doc, List<String>> TAGS = Channel.overwriting("tags");
    }

    private static final StateSchema<Doc> SCHEMA = StateSchema.of(Doc.class);
    private final StateCodec codec = new StateCodec();

    private static final Entry E1 = new Entry("one", new BigDecimal("1.10"),
            OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 600_000_007, ZoneOffset.ofHours(-7)));
    private static final Entry E2 = new Entry("two", new BigDecimal("2.000"), null);
    private static final Entry E3 = new Entry("three 😀 שלום", null, Instant.EPOCH.atOffset(ZoneOffset.UTC));

    private static Doc doc(List<Entry> log, Map<String, String> notes) {
        return new Doc(log, Map.of(), notes, 0, "t", 0L, List.of());
    }

    @SafeVarargs
    private static List<FieldUpdate<Doc>> updates(FieldUpdate<Doc>... updates) {
        return List.of(updates);
    }

    private JsonNode json(String singleQuoted) {
        return codec.readTree(singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    /** The patch as a checkpoint stores it and the materializer reads it back: through bytes. */
    private JsonNode stored(ArrayNode patch) {
        return codec.readTree(codec.writeTree(patch));
    }

    /** Applies the step's patch to the JSON of the old state, as the materializer does, and decodes it. */
    private Doc replay(Doc before, AppliedUpdate<Doc> applied) {
        JsonNode tree = codec.readTree(codec.encode(before));
        JsonPatch.apply(tree, stored(StateDelta.toPatch(applied.changes(), codec)));
        return codec.fromTree(tree, Doc.class);
    }

    private AppliedUpdate<Doc> applyAndCheckReplay(Doc before, List<FieldUpdate<Doc>> updates) {
        AppliedUpdate<Doc> applied = SCHEMA.apply(before, updates);
        assertThat(replay(before, applied)).isEqualTo(applied.state());
        return applied;
    }

    @Test
    void noChangesGiveAnEmptyPatch() {
        assertThat(StateDelta.toPatch(List.of(), codec)).isEmpty();
    }

    @Test
    void appendedBecomesOneAddDashPerItem() {
        Doc before = doc(List.of(E1), Map.of());

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(Doc.LOG.append(E2, E3)));

        JsonNode patch = stored(StateDelta.toPatch(applied.changes(), codec));
        assertThat(patch).hasSize(2);
        assertThat(patch).extracting(op -> op.get("op").asText()).containsExactly("add", "add");
        assertThat(patch).extracting(op -> op.get("path").asText()).containsExactly("/log/-", "/log/-");
        assertThat(patch.get(0).get("value")).isEqualTo(codec.readTree(codec.encode(E2)));
        assertThat(patch.get(1).get("value")).isEqualTo(codec.readTree(codec.encode(E3)));
    }

    @Test
    void replacedBecomesAReplaceOfTheWholeField() {
        Doc before = doc(List.of(), Map.of());

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before,
                updates(Doc.TURN.set(3), Doc.TITLE.set(null), Doc.TAGS.set(List.of("a", "b"))));

        assertThat(stored(StateDelta.toPatch(applied.changes(), codec))).isEqualTo(json(
                "[{'op':'replace','path':'/turn','value':3},"
                        + "{'op':'replace','path':'/title','value':null},"
                        + "{'op':'replace','path':'/tags','value':['a','b']}]"));
    }

    @Test
    void customReducerResultBecomesAReplace() {
        Doc before = doc(List.of(), Map.of());

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(Doc.BEST.update(Long.MAX_VALUE - 3)));

        JsonNode patch = stored(StateDelta.toPatch(applied.changes(), codec));
        assertThat(patch).hasSize(1);
        assertThat(patch.get(0).get("op").asText()).isEqualTo("replace");
        assertThat(patch.get(0).get("path").asText()).isEqualTo("/best");
        assertThat(patch.get(0).get("value").asLong()).isEqualTo(Long.MAX_VALUE - 3);
    }

    @Test
    void putBecomesOneAddPerChangedEntry() {
        Doc before = doc(List.of(), Map.of("keep", "1", "change", "old"));
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("keep", "1");
        entries.put("change", "new");
        entries.put("fresh", "x");

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(Doc.NOTES.putAll(entries)));

        assertThat(stored(StateDelta.toPatch(applied.changes(), codec))).isEqualTo(json(
                "[{'op':'add','path':'/notes/change','value':'new'},"
                        + "{'op':'add','path':'/notes/fresh','value':'x'}]"));
    }

    @Test
    void removedBecomesOneRemovePerPresentKey() {
        Doc before = doc(List.of(), Map.of("a", "1", "b", "2", "c", "3"));

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(Doc.NOTES.remove("c", "zzz", "a")));

        assertThat(stored(StateDelta.toPatch(applied.changes(), codec))).isEqualTo(json(
                "[{'op':'remove','path':'/notes/c'},{'op':'remove','path':'/notes/a'}]"));
    }

    @Test
    void putOfRecordValuesReplaysExactly() {
        Doc before = doc(List.of(), Map.of());

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(Doc.BY_KEY.put("e1", E1), Doc.BY_KEY.put("e3", E3)));

        assertThat(applied.state().byKey()).containsEntry("e1", E1).containsEntry("e3", E3);
    }

    @Test
    void appendToANullListBecomesAReplaceThenAdds() {
        Doc before = doc(null, Map.of());

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(Doc.LOG.append(E1), Doc.LOG.append(E2)));

        JsonNode patch = stored(StateDelta.toPatch(applied.changes(), codec));
        assertThat(patch).extracting(op -> op.get("op").asText() + " " + op.get("path").asText())
                .containsExactly("replace /log", "add /log/-");
        assertThat(patch.get(0).get("value")).isEqualTo(codec.readTree(codec.encode(List.of(E1))));
    }

    @Test
    void putIntoANullMapBecomesAReplaceThenAdds() {
        Doc before = doc(List.of(), null);

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before,
                updates(Doc.NOTES.put("k", "v"), Doc.NOTES.put("j", "w"), Doc.NOTES.remove("k")));

        assertThat(stored(StateDelta.toPatch(applied.changes(), codec))).isEqualTo(json(
                "[{'op':'replace','path':'/notes','value':{'k':'v'}},"
                        + "{'op':'add','path':'/notes/j','value':'w'},"
                        + "{'op':'remove','path':'/notes/k'}]"));
        assertThat(applied.state().notes()).containsExactlyEntriesOf(Map.of("j", "w"));
    }

    @Test
    void listReplaceFollowedByAppendReplaysExactly() {
        Doc before = doc(List.of(E1, E2, E3), Map.of());

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(Doc.LOG.replace(List.of(E3)), Doc.LOG.append(E1)));

        assertThat(applied.state().log()).containsExactly(E3, E1);
    }

    @Test
    void everyKindOfChangeInOneStepReplaysExactly() {
        Doc before = new Doc(List.of(E1), Map.of("x", E2), Map.of("a", "1", "b", "2"), 1, "title", 5L, List.of("t"));

        AppliedUpdate<Doc> applied = applyAndCheckReplay(before, updates(
                Doc.LOG.append(E2),
                Doc.BY_KEY.put("y", E3),
                Doc.NOTES.put("c", "3"),
                Doc.NOTES.remove("a"),
                Doc.TURN.set(2),
                Doc.TITLE.set("new title"),
                Doc.BEST.update(8L),
                Doc.LOG.append(E3),
                Doc.TAGS.set(List.of())));

        assertThat(applied.changes()).hasSize(9);
        assertThat(StateDelta.toPatch(applied.changes(), codec)).hasSize(9);
    }

    @Test
    void mergeKeysWithSlashAndTildeRoundTripThroughTheDelta() {
        Doc before = doc(List.of(), Map.of("a/b", "old", "keep~me", "k"));
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("a/b", "new");
        entries.put("~1", "literal tilde-one");
        entries.put("m~n/o", "mixed");
        entries.put("/", "slash");
        entries.put("", "empty");

        AppliedUpdate<Doc> put = applyAndCheckReplay(before, updates(Doc.NOTES.putAll(entries)));

        assertThat(stored(StateDelta.toPatch(put.changes(), codec)))
                .extracting(op -> op.get("path").asText())
                .containsExactly("/notes/a~1b", "/notes/~01", "/notes/m~0n~1o", "/notes/~1", "/notes/");
        assertThat(put.state().notes()).containsEntry("~1", "literal tilde-one").containsEntry("/", "slash")
                .containsEntry("", "empty").containsEntry("a/b", "new");

        AppliedUpdate<Doc> removed = applyAndCheckReplay(put.state(),
                updates(Doc.NOTES.remove("a/b", "~1", "keep~me", "", "/")));

        assertThat(removed.state().notes()).containsExactlyEntriesOf(Map.of("m~n/o", "mixed"));
    }

    @Test
    void chainOfDeltasOverASnapshotMaterializesTheLatestState() {
        Doc state = SCHEMA.initial();
        JsonNode tree = codec.readTree(codec.encode(state));
        List<List<FieldUpdate<Doc>>> steps = new ArrayList<>();
        steps.add(updates(Doc.LOG.append(E1), Doc.TITLE.set("start")));
        steps.add(updates(Doc.NOTES.put("plan", "draft"), Doc.TURN.set(1)));
        steps.add(updates(Doc.LOG.append(E2, E3), Doc.NOTES.put("plan", "final"), Doc.BEST.update(4L)));
        steps.add(updates(Doc.NOTES.remove("plan"), Doc.BY_KEY.put("k/1", E1)));
        steps.add(updates(Doc.LOG.replace(List.of(E3)), Doc.TURN.set(2)));

        for (List<FieldUpdate<Doc>> step : steps) {
            AppliedUpdate<Doc> applied = SCHEMA.apply(state, step);
            JsonPatch.apply(tree, stored(StateDelta.toPatch(applied.changes(), codec)));
            state = applied.state();
            assertThat(codec.fromTree(tree, Doc.class)).isEqualTo(state);
        }

        assertThat(state).isEqualTo(new Doc(List.of(E3), Map.of("k/1", E1), Map.of(), 2, "start", 4L, List.of()));
    }

    @Test
    void appendedPatchEncodesOnlyTheNewItemsNotTheWholeList() {
        List<Entry> many = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            many.add(new Entry("entry " + i, BigDecimal.valueOf(i), null));
        }
        Doc before = doc(many, Map.of());

        AppliedUpdate<Doc> applied = SCHEMA.apply(before, updates(Doc.LOG.append(E2)));

        byte[] delta = codec.writeTree(StateDelta.toPatch(applied.changes(), codec));
        assertThat(delta.length).isLessThan(codec.encode(E2).length + 64);
    }
}
