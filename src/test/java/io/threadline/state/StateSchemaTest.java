package io.threadline.state;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class StateSchemaTest {

    public record Item(String name, int qty) {}

    @SchemaVersion(3)
    public record Chat(List<Item> items, Map<String, String> tools, int turn, String task, long best, List<String> tags) {
        public static final ListChannel<Chat, Item> ITEMS = Channel.appending("items");
        public static final MapChannel<Chat, String> TOOLS = Channel.merging("tools");
        public static final ValueChannel<Chat, Integer> TURN = Channel.overwriting("turn");
        public static final ValueChannel<Chat, String> TASK = Channel.overwriting("task");
        public static final ReducingChannel<Chat, Long> BEST = Channel.reducing("best", Math::max);
        // 'tags' deliberately has no channel: it is overwritten.
    }

    /** No @SchemaVersion, no channels at all. */
    public record Plain(String a, boolean flag, double ratio, char letter, Map<String, Integer> counts) {}

    private static final StateSchema<Chat> SCHEMA = StateSchema.of(Chat.class);

    private static final Item APPLE = new Item("apple", 1);
    private static final Item PEAR = new Item("pear", 2);
    private static final Item PLUM = new Item("plum", 3);

    private static Chat chat(List<Item> items, Map<String, String> tools) {
        return new Chat(items, tools, 0, null, 0L, List.of());
    }

    @SafeVarargs
    private static <S> List<FieldUpdate<S>> updates(FieldUpdate<S>... updates) {
        return List.of(updates);
    }

    // ---- Overwrite ----

    @Test
    void setReplacesTheValueAndRecordsReplaced() {
        Chat before = SCHEMA.initial();

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TURN.set(7), Chat.TASK.set("plan")));

        assertThat(applied.state().turn()).isEqualTo(7);
        assertThat(applied.state().task()).isEqualTo("plan");
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Replaced("turn", 7),
                new AppliedChange.Replaced("task", "plan"));
        assertThat(applied.changedFields()).containsExactly("turn", "task");
    }

    @Test
    void settingAnEqualValueRecordsNoChangeAndKeepsTheSameState() {
        Chat before = new Chat(List.of(), Map.of(), 4, "same", 0L, List.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before,
                updates(Chat.TURN.set(4), Chat.TASK.set(new String("same"))));

        assertThat(applied.isEmpty()).isTrue();
        assertThat(applied.changes()).isEmpty();
        assertThat(applied.state()).isSameAs(before);
    }

    @Test
    void lastOfSeveralSetsOnOneFieldWins() {
        AppliedUpdate<Chat> applied = SCHEMA.apply(SCHEMA.initial(),
                updates(Chat.TURN.set(1), Chat.TURN.set(2)));

        assertThat(applied.state().turn()).isEqualTo(2);
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Replaced("turn", 1), new AppliedChange.Replaced("turn", 2));
    }

    @Test
    void settingNullOnAReferenceFieldIsAChange() {
        Chat before = new Chat(List.of(), Map.of(), 0, "task", 0L, List.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TASK.set(null)));

        assertThat(applied.state().task()).isNull();
        assertThat(applied.changes()).containsExactly(new AppliedChange.Replaced("task", null));
    }

    @Test
    void fieldWithoutDeclaredChannelIsOverwrite() {
        Channel<Chat, ?> channel = SCHEMA.channel("tags");
        assertThat(channel.kind()).isEqualTo(Channel.Kind.OVERWRITE);
        assertThat(channel.name()).isEqualTo("tags");

        ValueChannel<Chat, List<String>> tags = Channel.overwriting("tags");
        assertThat(tags).isEqualTo(channel);
        AppliedUpdate<Chat> applied = SCHEMA.apply(
                new Chat(List.of(), Map.of(), 0, null, 0L, List.of("old")), updates(tags.set(List.of("x", "y"))));

        assertThat(applied.state().tags()).containsExactly("x", "y");
        assertThat(applied.changes()).containsExactly(new AppliedChange.Replaced("tags", List.of("x", "y")));
    }

    @Test
    void listReplaceOnAnAppendChannelReplacesTheWholeList() {
        Chat before = chat(List.of(APPLE, PEAR), Map.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.ITEMS.replace(List.of(PLUM))));

        assertThat(applied.state().items()).containsExactly(PLUM);
        assertThat(applied.changes()).containsExactly(new AppliedChange.Replaced("items", List.of(PLUM)));
    }

    @Test
    void setCopiesTheGivenListSoLaterCallerMutationDoesNotLeakIn() {
        List<String> mine = new ArrayList<>(List.of("a"));
        ValueChannel<Chat, List<String>> tags = Channel.overwriting("tags");

        AppliedUpdate<Chat> applied = SCHEMA.apply(SCHEMA.initial(), updates(tags.set(mine)));
        mine.add("b");

        assertThat(applied.state().tags()).containsExactly("a");
        assertThatThrownBy(() -> applied.state().tags().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- Append ----

    @Test
    void appendAddsItemsAtTheEndAndRecordsFromIndex() {
        Chat before = chat(List.of(APPLE), Map.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.ITEMS.append(PEAR, PLUM)));

        assertThat(applied.state().items()).containsExactly(APPLE, PEAR, PLUM);
        assertThat(applied.changes()).containsExactly(new AppliedChange.Appended("items", 1, List.of(PEAR, PLUM)));
    }

    @Test
    void severalAppendsInOneApplyEachRecordTheirAbsoluteIndex() {
        Chat before = chat(List.of(APPLE, APPLE), Map.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(
                Chat.ITEMS.append(PEAR),
                Chat.TURN.set(1),
                Chat.ITEMS.appendAll(List.of(PLUM, PEAR))));

        assertThat(applied.state().items()).containsExactly(APPLE, APPLE, PEAR, PLUM, PEAR);
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Appended("items", 2, List.of(PEAR)),
                new AppliedChange.Replaced("turn", 1),
                new AppliedChange.Appended("items", 3, List.of(PLUM, PEAR)));
    }

    @Test
    void appendAfterReplaceInOneApplyStartsFromTheReplacedList() {
        Chat before = chat(List.of(APPLE, APPLE, APPLE), Map.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(
                Chat.ITEMS.replace(List.of(PEAR)), Chat.ITEMS.append(PLUM)));

        assertThat(applied.state().items()).containsExactly(PEAR, PLUM);
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Replaced("items", List.of(PEAR)),
                new AppliedChange.Appended("items", 1, List.of(PLUM)));
    }

    @Test
    void appendingNothingRecordsNoChange() {
        Chat before = chat(List.of(APPLE), Map.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.ITEMS.appendAll(List.of())));

        assertThat(applied.isEmpty()).isTrue();
        assertThat(applied.state()).isSameAs(before);
    }

    @Test
    void appendToANullListRecordsTheWholeValueAsReplaced() {
        Chat before = chat(null, Map.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.ITEMS.append(APPLE), Chat.ITEMS.append(PEAR)));

        assertThat(applied.state().items()).containsExactly(APPLE, PEAR);
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Replaced("items", List.of(APPLE)),
                new AppliedChange.Appended("items", 1, List.of(PEAR)));
    }

    @Test
    void appendCopiesTheCallersListAtCreation() {
        List<Item> mine = new ArrayList<>(List.of(APPLE));
        FieldUpdate<Chat> update = Chat.ITEMS.appendAll(mine);
        mine.add(PEAR);

        AppliedUpdate<Chat> applied = SCHEMA.apply(chat(List.of(), Map.of()), updates(update));

        assertThat(applied.state().items()).containsExactly(APPLE);
    }

    // ---- Merge ----

    @Test
    void putRecordsOnlyNewAndChangedEntries() {
        Chat before = chat(List.of(), Map.of("same", "1", "changed", "old"));
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("same", "1");
        entries.put("changed", "new");
        entries.put("added", "x");

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.putAll(entries)));

        assertThat(applied.state().tools()).containsExactlyInAnyOrderEntriesOf(
                Map.of("same", "1", "changed", "new", "added", "x"));
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Put("tools", Map.of("changed", "new", "added", "x")));
    }

    @Test
    void putOfOnlyEqualEntriesRecordsNoChange() {
        Chat before = chat(List.of(), Map.of("k", "v"));

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.put("k", "v")));

        assertThat(applied.isEmpty()).isTrue();
        assertThat(applied.state()).isSameAs(before);
    }

    @Test
    void putOfANullValueForANewKeyIsRecorded() {
        Chat before = chat(List.of(), Map.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.put("k", null)));

        assertThat(applied.state().tools()).containsEntry("k", null).hasSize(1);
        Map<String, Object> expected = new HashMap<>();
        expected.put("k", null);
        assertThat(applied.changes()).containsExactly(new AppliedChange.Put("tools", expected));
    }

    @Test
    void removeRecordsOnlyKeysThatWerePresent() {
        Chat before = chat(List.of(), Map.of("a", "1", "b", "2"));

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.remove("b", "missing", "a")));

        assertThat(applied.state().tools()).isEmpty();
        assertThat(applied.changes()).containsExactly(new AppliedChange.Removed("tools", List.of("b", "a")));
    }

    @Test
    void removeOfAbsentKeysRecordsNoChange() {
        Chat before = chat(List.of(), Map.of("a", "1"));

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.remove("x")));

        assertThat(applied.isEmpty()).isTrue();
    }

    @Test
    void putThenRemoveInOneApplySeesThePut() {
        Chat before = chat(List.of(), Map.of("a", "1"));

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.put("b", "2"), Chat.TOOLS.remove("b")));

        assertThat(applied.state().tools()).containsExactlyEntriesOf(Map.of("a", "1"));
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Put("tools", Map.of("b", "2")),
                new AppliedChange.Removed("tools", List.of("b")));
    }

    @Test
    void putIntoANullMapRecordsTheWholeValueAsReplaced() {
        Chat before = chat(List.of(), null);

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.put("k", "v"), Chat.TOOLS.put("j", "w")));

        assertThat(applied.state().tools()).containsExactlyInAnyOrderEntriesOf(Map.of("k", "v", "j", "w"));
        assertThat(applied.changes()).containsExactly(
                new AppliedChange.Replaced("tools", Map.of("k", "v")),
                new AppliedChange.Put("tools", Map.of("j", "w")));
    }

    @Test
    void removeFromANullMapRecordsNoChange() {
        Chat before = chat(List.of(), null);

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.TOOLS.remove("k")));

        assertThat(applied.isEmpty()).isTrue();
        assertThat(applied.state().tools()).isNull();
    }

    // ---- CustomReducer ----

    @Test
    void reducerFoldsUpdatesIntoTheCurrentValue() {
        Chat before = new Chat(List.of(), Map.of(), 0, null, 5L, List.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(
                Chat.BEST.update(3L), Chat.BEST.update(9L), Chat.BEST.update(4L)));

        assertThat(applied.state().best()).isEqualTo(9L);
        assertThat(applied.changes()).containsExactly(new AppliedChange.Replaced("best", 9L));
    }

    @Test
    void reducerResultEqualToCurrentRecordsNoChange() {
        Chat before = new Chat(List.of(), Map.of(), 0, null, 5L, List.of());

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(Chat.BEST.update(2L)));

        assertThat(applied.isEmpty()).isTrue();
        assertThat(applied.state()).isSameAs(before);
    }

    @Test
    void reducerReturningNullForAPrimitiveFieldFailsValidation() {
        ReducingChannel<Holder, Integer> nulling = Holder.COUNT;
        StateSchema<Holder> schema = StateSchema.of(Holder.class);

        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> schema.apply(new Holder(1, List.of()), updates(nulling.update(0))));

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(violations(e)).containsExactly(Map.of("path", "count", "message", "must not be null (int field)"));
    }

    @Test
    void listReturnedByAReducerIsUnmodifiableInTheNewState() {
        StateSchema<Holder> schema = StateSchema.of(Holder.class);

        AppliedUpdate<Holder> applied = schema.apply(new Holder(1, List.of("a")), updates(Holder.RECENT.update(List.of("b"))));

        assertThat(applied.state().recent()).containsExactly("a", "b");
        assertThatThrownBy(() -> applied.state().recent().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }

    public record Holder(int count, List<String> recent) {
        /** A reducer that (wrongly) yields null: the schema must refuse it for an int field. */
        public static final ReducingChannel<Holder, Integer> COUNT = Channel.reducing("count", (current, update) -> null);
        /** Keeps the last three items. */
        public static final ReducingChannel<Holder, List<String>> RECENT = Channel.reducing("recent", (current, update) -> {
            List<String> all = new ArrayList<>(current);
            all.addAll(update);
            return new ArrayList<>(all.subList(Math.max(0, all.size() - 3), all.size()));
        });
    }

    // ---- Immutability ----

    @Test
    void inputStateIsNeverModified() {
        List<Item> items = new ArrayList<>(List.of(APPLE));
        Map<String, String> tools = new HashMap<>(Map.of("a", "1", "b", "2"));
        Chat before = new Chat(items, tools, 1, "t", 2L, List.of("x"));
        Chat copy = new Chat(new ArrayList<>(items), new HashMap<>(tools), 1, "t", 2L, List.of("x"));

        AppliedUpdate<Chat> applied = SCHEMA.apply(before, updates(
                Chat.ITEMS.append(PEAR), Chat.TOOLS.put("c", "3"), Chat.TOOLS.remove("a"),
                Chat.TURN.set(2), Chat.BEST.update(10L)));

        assertThat(applied.changes()).hasSize(5);
        assertThat(before).isEqualTo(copy);
        assertThat(before.items()).isSameAs(items).containsExactly(APPLE);
        assertThat(before.tools()).isSameAs(tools).containsOnlyKeys("a", "b");
        assertThat(applied.state()).isNotSameAs(before);
    }

    @Test
    void changedListsAndMapsInTheNewStateAreUnmodifiable() {
        Chat before = new Chat(new ArrayList<>(), new HashMap<>(), 0, null, 0L, new ArrayList<>());

        Chat after = SCHEMA.apply(before, updates(
                Chat.ITEMS.append(APPLE), Chat.TOOLS.put("k", "v"),
                Channel.<Chat, List<String>>overwriting("tags").set(new ArrayList<>(List.of("t"))))).state();

        assertThatThrownBy(() -> after.items().add(PEAR)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> after.tools().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> after.tags().add("u")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void removeLeavesAnUnmodifiableMap() {
        Chat after = SCHEMA.apply(chat(List.of(), new HashMap<>(Map.of("a", "1"))), updates(Chat.TOOLS.remove("a"))).state();

        assertThat(after.tools()).isEmpty();
        assertThatThrownBy(() -> after.tools().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void readOnlyWrapsTopLevelListsAndMapsAndKeepsValues() {
        Chat mutable = new Chat(new ArrayList<>(List.of(APPLE)), new HashMap<>(Map.of("k", "v")), 3, "t", 4L,
                new ArrayList<>(List.of("x")));

        Chat ro = SCHEMA.readOnly(mutable);

        assertThat(ro).isEqualTo(mutable).isNotSameAs(mutable);
        assertThatThrownBy(() -> ro.items().add(PEAR)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ro.tools().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ro.tags().remove(0)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void readOnlyKeepsNullFields() {
        Chat ro = SCHEMA.readOnly(new Chat(null, null, 0, null, 0L, null));

        assertThat(ro).isEqualTo(new Chat(null, null, 0, null, 0L, null));
    }

    // ---- InitialAndMetadata ----

    @Test
    void zeroStateHasEmptyCollectionsZeroPrimitivesAndNullReferences() {
        Chat zero = SCHEMA.initial();

        assertThat(zero).isEqualTo(new Chat(List.of(), Map.of(), 0, null, 0L, List.of()));
        assertThatThrownBy(() -> zero.items().add(APPLE)).isInstanceOf(UnsupportedOperationException.class);

        Plain plain = StateSchema.of(Plain.class).initial();
        assertThat(plain).isEqualTo(new Plain(null, false, 0d, '\0', Map.of()));
    }

    @Test
    void explicitInitialSupplierIsUsed() {
        Chat seeded = new Chat(List.of(APPLE), Map.of("k", "v"), 1, "start", 0L, List.of());
        StateSchema<Chat> schema = StateSchema.of(Chat.class, () -> seeded);

        assertThat(schema.initial()).isSameAs(seeded);
    }

    @Test
    void explicitInitialSupplierMustNotBeNull() {
        assertThatThrownBy(() -> StateSchema.of(Chat.class, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void schemaVersionIsReadFromTheAnnotation() {
        assertThat(SCHEMA.version()).isEqualTo(3);
    }

    @Test
    void schemaVersionDefaultsToOne() {
        assertThat(StateSchema.of(Plain.class).version()).isEqualTo(1);
    }

    @Test
    void schemaVersionBelowOneIsRefused() {
        assertThatThrownBy(() -> StateSchema.of(VersionZero.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("@SchemaVersion").hasMessageContaining(">= 1");
    }

    @Test
    void fieldNamesTypesAndAccessorsFollowTheRecord() {
        assertThat(SCHEMA.type()).isEqualTo(Chat.class);
        assertThat(SCHEMA.fieldNames()).containsExactly("items", "tools", "turn", "task", "best", "tags");
        assertThat(SCHEMA.hasField("turn")).isTrue();
        assertThat(SCHEMA.hasField("nope")).isFalse();
        assertThat(SCHEMA.fieldType("turn")).isEqualTo(int.class);
        assertThat(SCHEMA.fieldGenericType("items").getTypeName())
                .isEqualTo("java.util.List<" + Item.class.getName() + ">");
        assertThat(SCHEMA.channel("items")).isSameAs(Chat.ITEMS);
        assertThat(SCHEMA.channel("best")).isSameAs(Chat.BEST);
        assertThat(SCHEMA.get(new Chat(List.of(), Map.of(), 9, null, 0L, List.of()), "turn")).isEqualTo(9);
    }

    @Test
    void channelOfAnUnknownFieldIsInvalidInputListingTheFields() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class, () -> SCHEMA.channel("nope"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).contains("'nope'").contains("[items, tools, turn, task, best, tags]");
        assertThat(e.details()).containsEntry("field", "nope")
                .containsEntry("fields", List.of("items", "tools", "turn", "task", "best", "tags"));
    }

    @Test
    void getOfAnUnknownFieldIsInvalidInput() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> SCHEMA.get(SCHEMA.initial(), "nope"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    }

    @Test
    void nonRecordTypesAreRefused() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Class<Record> notARecord = (Class) String.class;

        assertThatThrownBy(() -> StateSchema.of(notARecord))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a record");
    }

    @SchemaVersion(0)
    public record VersionZero(int a) {}

    public record UnknownComponent(int count) {
        public static final ValueChannel<UnknownComponent, Integer> TOTAL = Channel.overwriting("total");
    }

    public record AppendOnString(String text) {
        public static final ListChannel<AppendOnString, String> TEXT = Channel.appending("text");
    }

    public record MergeOnIntegerKeys(Map<Integer, String> byId) {
        public static final MapChannel<MergeOnIntegerKeys, String> BY_ID = Channel.merging("byId");
    }

    public record MergeOnList(List<String> list) {
        public static final MapChannel<MergeOnList, String> LIST = Channel.merging("list");
    }

    public record TwoChannels(List<String> log) {
        public static final ListChannel<TwoChannels, String> LOG = Channel.appending("log");
        public static final ListChannel<TwoChannels, String> LOG_AGAIN = Channel.appending("log");
    }

    public record WrongValueType(int count) {
        public static final ValueChannel<WrongValueType, String> COUNT = Channel.overwriting("count");
    }

    public record NullChannel(int count) {
        public static final ValueChannel<NullChannel, Integer> COUNT = null;
    }

    // ---- SchemaErrors ----

    @Test
    void channelNamingANonExistentComponent() {
        assertThatThrownBy(() -> StateSchema.of(UnknownComponent.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid state schema " + UnknownComponent.class.getName())
                .hasMessageContaining("TOTAL names 'total', which is not a component of UnknownComponent [count]");
    }

    @Test
    void appendChannelOnANonList() {
        assertThatThrownBy(() -> StateSchema.of(AppendOnString.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TEXT: an append channel needs a List component, 'text' is String");
    }

    @Test
    void mergeChannelOnAMapWithNonStringKeys() {
        assertThatThrownBy(() -> StateSchema.of(MergeOnIntegerKeys.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a merge channel needs Map<String, V>; 'byId' has keys of java.lang.Integer");
    }

    @Test
    void mergeChannelOnANonMap() {
        assertThatThrownBy(() -> StateSchema.of(MergeOnList.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a merge channel needs a Map component, 'list' is List");
    }

    @Test
    void twoChannelsForOneComponent() {
        assertThatThrownBy(() -> StateSchema.of(TwoChannels.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("component 'log' has two channels");
    }

    @Test
    void overwriteChannelDeclaredWithAnotherValueType() {
        assertThatThrownBy(() -> StateSchema.of(WrongValueType.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("COUNT: declared as String but 'count' is int");
    }

    @Test
    void nullChannelConstant() {
        assertThatThrownBy(() -> StateSchema.of(NullChannel.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("channel constant COUNT is null");
    }

    @Test
    void channelWithABlankNameIsRefused() {
        assertThatThrownBy(() -> Channel.overwriting(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Channel.appending(null)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- TypeErrors ----

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void setOfTheWrongJavaTypeIsAValidationFailureWithPath() {
        ValueChannel raw = Chat.TURN;

        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> SCHEMA.apply(SCHEMA.initial(), updates(raw.set("three"))));

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(e.getMessage()).contains("Chat.turn");
        assertThat(violations(e)).containsExactly(
                Map.of("path", "turn", "message", "expects int but the update holds String"));
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void setOfALongIntoAnIntFieldIsRefused() {
        ValueChannel raw = Chat.TURN;

        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> SCHEMA.apply(SCHEMA.initial(), updates(raw.set(3L))));

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(violations(e)).extracting(v -> v.get("path")).containsExactly("turn");
    }

    @Test
    void nullIntoAPrimitiveIsAValidationFailureWithPath() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> SCHEMA.apply(SCHEMA.initial(), updates(Chat.TURN.set(null))));

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(violations(e)).containsExactly(Map.of("path", "turn", "message", "must not be null (int field)"));
    }

    @Test
    void channelOfAnotherKindForAFieldIsRefused() {
        ValueChannel<Chat, List<Item>> wrong = Channel.overwriting("items");

        assertThatThrownBy(() -> SCHEMA.apply(SCHEMA.initial(), updates(wrong.set(List.of()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong to Chat");
    }

    @Test
    void failedApplyLeavesTheInputStateUntouched() {
        Chat before = new Chat(new ArrayList<>(List.of(APPLE)), new HashMap<>(), 1, null, 0L, List.of());

        assertThatThrownBy(() -> SCHEMA.apply(before, updates(Chat.ITEMS.append(PEAR), Chat.TURN.set(null))))
                .isInstanceOf(ThreadlineException.class);
        assertThat(before.items()).containsExactly(APPLE);
        assertThat(before.turn()).isEqualTo(1);
    }

    @Test
    void compactConstructorRejectionIsAValidationFailure() {
        StateSchema<Guarded> schema = StateSchema.of(Guarded.class);

        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> schema.apply(new Guarded(1), updates(Guarded.N.set(-1))));

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(e.getMessage()).contains("n must be >= 0");
        assertThat(violations(e)).containsExactly(Map.of("path", "", "message", "n must be >= 0"));
    }

    public record Guarded(int n) {
        public static final ValueChannel<Guarded, Integer> N = Channel.overwriting("n");

        public Guarded {
            if (n < 0) {
                throw new IllegalArgumentException("n must be >= 0");
            }
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> violations(ThreadlineException e) {
        return (List<Map<String, Object>>) e.details().get("violations");
    }
}
