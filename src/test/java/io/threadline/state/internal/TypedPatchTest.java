package io.threadline.state.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.Channel;
import io.threadline.state.FieldUpdate;
import io.threadline.state.ListChannel;
import io.threadline.state.MapChannel;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TypedPatchTest {

    record Msg(String role, String text) {}

    record S(List<Msg> messages, Map<String, BigDecimal> prices, int turn, BigDecimal total, String note, Object any,
             List<Object> loose) {
        static final ListChannel<S, Msg> MESSAGES = Channel.appending("messages");
        static final MapChannel<S, BigDecimal> PRICES = Channel.merging("prices");
        static final ValueChannel<S, Integer> TURN = Channel.overwriting("turn");
    }

    record Renamed(@JsonProperty("msgs") List<String> messages) {}

    /** Same names as its components, but a null decodes to an empty list: only the component's annotation says so. */
    record NullsAsEmpty(@JsonSetter(
            nulls = Nulls.AS_EMPTY) List<String> tags, int turn) {}

    private final StateCodec codec = new StateCodec();
    private final StateSchema<S> schema = StateSchema.of(S.class);

    private S start() {
        return new S(List.of(new Msg("user", "hi")), Map.of("a", new BigDecimal("1.10"), "b", new BigDecimal("2")), 1,
                new BigDecimal("3.30"), "n", Map.of("k", 1.5), List.of(1, "x"));
    }

    /** The tree way: the state as a tree, patched, written back and decoded. */
    private S viaTree(byte[] snapshot, List<byte[]> patches) {
        JsonNode tree = codec.readTree(snapshot);
        for (byte[] p : patches) {
            JsonPatch.apply(tree, codec.readTree(p));
        }
        return codec.fromTree(tree, S.class);
    }

    private S typed(byte[] snapshot, List<byte[]> patches) {
        TypedPatch<S> patch = TypedPatch.from(schema, codec, codec.decode(snapshot, S.class));
        for (byte[] p : patches) {
            if (!patch.apply(p)) {
                return null;
            }
        }
        return patch.state();
    }

    private byte[] delta(S before, List<FieldUpdate<S>> changes) {
        AppliedUpdate<S> applied = schema.apply(before, changes);
        return codec.writeTree(StateDelta.toPatch(applied.changes(), codec));
    }

    @Test
    void theRuntimesDeltasReadTypedAsTheTreeReadsThem() {
        assertThat(TypedPatch.fits(schema, codec)).isTrue();
        S s0 = start();
        byte[] snapshot = codec.encode(s0);
        Update<S> first = Update.of(S.MESSAGES.append(new Msg("assistant", "hello")), S.TURN.set(2),
                S.PRICES.put("c", new BigDecimal("0.50")));
        S s1 = schema.apply(s0, first.changes()).state();
        byte[] d1 = delta(s0, first.changes());
        Update<S> second = Update.of(S.PRICES.remove("a"), S.PRICES.put("b", new BigDecimal("2.000")),
                S.MESSAGES.append(new Msg("user", "again"), new Msg("tool", "x")));
        S s2 = schema.apply(s1, second.changes()).state();
        byte[] d2 = delta(s1, second.changes());

        S typed = typed(snapshot, List.of(d1, d2));
        assertThat(typed).isEqualTo(viaTree(snapshot, List.of(d1, d2))).isEqualTo(s2);
        assertThat(typed.prices().get("b")).isEqualTo(new BigDecimal("2.000")); // scale kept, as the tree keeps it
        assertThat(List.copyOf(typed.prices().keySet())).isEqualTo(List.copyOf(viaTree(snapshot, List.of(d1, d2)).prices().keySet()));
        // the decoded snapshot's lists are not changed in place
        S decoded = codec.decode(snapshot, S.class);
        TypedPatch<S> patch = TypedPatch.from(schema, codec, decoded);
        assertThat(patch.apply(d1)).isTrue();
        assertThat(decoded.messages()).hasSize(1);
    }

    @Test
    void fieldsReplacedWholeReadTypedAsTheTreeReadsThem() {
        byte[] snapshot = codec.encode(start());
        JsonNodeFactory f = JsonNodeFactory.instance;
        byte[] patch = codec.writeTree(JsonPatch.builder()
                .replace("/total", f.numberNode(new BigDecimal("7.250")))
                .replace("/note", f.nullNode())
                .replace("/any", codec.readTree("{\"z\":[1,2.5,\"q\"]}".getBytes()))
                .add("/loose/-", f.numberNode(new BigDecimal("4.0")))
                .replace("/turn", f.numberNode(9))
                .build());
        S typed = typed(snapshot, List.of(patch));
        assertThat(typed).isNotNull().isEqualTo(viaTree(snapshot, List.of(patch)));
        assertThat(typed.total()).isEqualTo(new BigDecimal("7.250"));
        assertThat(typed.loose()).isEqualTo(viaTree(snapshot, List.of(patch)).loose());
    }

    @Test
    void leavesEveryOtherOperationToTheTreeWay() {
        byte[] snapshot = codec.encode(start());
        JsonNodeFactory f = JsonNodeFactory.instance;
        List<JsonPatch.Builder> others = List.of(
                JsonPatch.builder().replace("/messages/0/text", f.textNode("deep")),
                JsonPatch.builder().add("/messages/0", codec.toTree(new Msg("a", "b"))),
                JsonPatch.builder().remove("/messages/0"),
                JsonPatch.builder().remove("/prices/zz"),
                JsonPatch.builder().replace("/prices/zz", f.numberNode(1)),
                JsonPatch.builder().remove("/note"),
                JsonPatch.builder().add("/nofield", f.numberNode(1)),
                JsonPatch.builder().replace("/turn", f.nullNode()),
                JsonPatch.builder().add("/note/-", f.textNode("x")));
        for (JsonPatch.Builder other : others) {
            byte[] patch = codec.writeTree(other.build());
            TypedPatch<S> typed = TypedPatch.from(schema, codec, codec.decode(snapshot, S.class));
            boolean applied = typed.apply(patch);
            assertThat(applied && typed.state() != null).as(new String(patch)).isFalse();
        }
        assertThat(TypedPatch.from(schema, codec, start()).apply("{\"op\":\"add\"}".getBytes())).isFalse();
        assertThat(TypedPatch.from(schema, codec, start()).apply("not json".getBytes())).isFalse();
    }

    record Wide(List<Object> loose, List<Double> doubles, List<String> words, Map<String, Object> bag, double d, Object any,
                BigDecimal exact, long n, Msg msg) {}

    private final StateSchema<Wide> wide = StateSchema.of(Wide.class);

    /** The tree way for {@link Wide}; null where it refuses the patch. */
    private Wide wideViaTree(byte[] snapshot, byte[] patch) {
        try {
            JsonNode tree = codec.readTree(snapshot);
            JsonPatch.apply(tree, codec.readTree(patch));
            return codec.fromTree(tree, Wide.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The typed way for {@link Wide}; null where it leaves the patch to the tree way. */
    private Wide wideTyped(byte[] snapshot, byte[] patch) {
        TypedPatch<Wide> typed = TypedPatch.from(wide, codec, codec.decode(snapshot, Wide.class));
        return typed.apply(patch) ? typed.state() : null;
    }

    /**
     * Values are decoded from their own bytes in the patch, not through a tree: patches written in every form a reader
     * could meet (numbers in each notation, escapes, whitespace, members in any order, names twice) read typed exactly as
     * the tree way reads them, or are left to it.
     */
    @Test
    void valuesDecodedFromThePatchBytesReadAsTheTreeReadsThem() {
        byte[] snapshot = codec.encode(new Wide(List.of(1), List.of(0.5), List.of("w"), Map.of("k", "v"), 1.5, "a",
                new BigDecimal("1.0"), 7, new Msg("user", "hi")));
        // each: a patch, and whether the typed way takes it itself (true) or leaves it to the tree way (false)
        Map<String, Boolean> patches = new LinkedHashMap<>();
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":{\"role\":\"user\",\"text\":\"h\\\"i\\u00e9\\n\"}}]", true);
        patches.put("[ { \"op\" : \"add\" , \"path\" : \"/loose/-\" , \"value\" : [ 1 , \"x\" , { } , null , true ] } ]", true);
        patches.put("[{\"op\":\"remove\",\"path\":\"/bag/k\",\"value\":{\"ignored\":[1]}},{\"op\":\"add\",\"path\":\"/bag/j\",\"value\":2}]", true);
        // a value ahead of its op or path: left to the tree way
        patches.put("[ { \"value\" : [ 1 , \"x\" , { } , null , true ] , \"path\" : \"/loose/-\" , \"op\" : \"add\" } ]", false);
        patches.put("[{\"op\":\"add\",\"path\":\"/words/-\",\"value\":\"\u00e9\u65e5\\ud83d\\ude00\ud83d\ude00\"}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/words/-\",\"value\":\"lone \\ud800 surrogate\"}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/n\",\"value\":-0},{\"op\":\"replace\",\"path\":\"/d\",\"value\":-0}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/n\",\"value\":123456789012345}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/any\",\"value\":123456789012345678901234567890}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/any\",\"value\":null},{\"op\":\"replace\",\"path\":\"/msg\",\"value\":null}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/msg\",\"value\":{\"text\":\"t\",\"role\":\"r\"}}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/msg\",\"value\":{\"text\":\"t\",\"role\":\"r\",\"extra\":1}}]", false);
        patches.put("[{\"op\":\"add\",\"path\":\"/bag/k2\",\"value\":{\"z\":[false,{\"y\":\"\"}]},\"extra\":[1,{\"a\":2}]}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/bag/k\",\"value\":\"w\"},{\"op\":\"remove\",\"path\":\"/bag/k\"}]", true);
        patches.put("[]", true);
        // fractions and exponents: through a tree, as the tree way reads them (-0.0 is 0.0 there)
        patches.put("[{\"op\":\"replace\",\"path\":\"/d\",\"value\":-0.0}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/doubles/-\",\"value\":-0.0},{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":[-0.0e0]}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/any\",\"value\":{\"f\":-0.000,\"g\":1e400,\"h\":1.10}}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/exact\",\"value\":1.10E+3}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/words/-\",\"value\":\"-0.5 in a string\"},{\"op\":\"add\",\"path\":\"/doubles/-\",\"value\":2.5e-3}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/doubles/-\",\"value\":-0.5},{\"op\":\"replace\",\"path\":\"/d\",\"value\":1E2}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/n\",\"value\":1.0}]", false);
        // numbers a tree writes back in its own form, into components that keep a number's form (review of s39)
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":1.5e1}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/any\",\"value\":1e0}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/words/-\",\"value\":-0}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/words/-\",\"value\":2.5e-3}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/words/-\",\"value\":0.00000001}]", true);
        patches.put("[{\"op\":\"add\",\"path\":\"/bag/x\",\"value\":[1.50,1E+2,-0]}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/any\",\"value\":{\"t\":true,\"f\":false,\"s\":\"1.5e1 \\\" -0\"}}]", true);
        // a member named twice: the tree keeps the last, this leaves the patch to the tree way
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":{\"a\":1,\"a\":2}}]", false);
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":1,\"value\":2}]", false);
        patches.put("[{\"op\":\"remove\",\"op\":\"add\",\"path\":\"/loose/-\",\"value\":1}]", false);
        // not operations this reads, or not a patch
        patches.put("[{\"op\":1,\"path\":\"/loose/-\",\"value\":1}]", false);
        patches.put("[{\"op\":\"add\",\"path\":[\"/loose/-\"],\"value\":1}]", false);
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\"}]", false);
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":1}, 5]", false);
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":{\"a\":1}", false);
        patches.put("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":1}] trailing", true);
        patches.put("{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":1}", false);
        patches.put("", false);
        patches.put("[{\"op\":\"replace\",\"path\":\"/n\",\"value\":\"7\"}]", true);
        patches.put("[{\"op\":\"replace\",\"path\":\"/msg\",\"value\":[\"r\",\"t\"]}]", false);
        for (Map.Entry<String, Boolean> e : patches.entrySet()) {
            byte[] patch = e.getKey().getBytes(StandardCharsets.UTF_8);
            Wide typed = wideTyped(snapshot, patch);
            assertThat(typed != null).as("taken typed: %s", e.getKey()).isEqualTo(e.getValue());
            if (typed != null) {
                assertThat(typed).as(e.getKey()).isEqualTo(wideViaTree(snapshot, patch));
            }
        }
        Wide negativeZero = wideTyped(snapshot, "[{\"op\":\"replace\",\"path\":\"/d\",\"value\":-0.0}]".getBytes());
        assertThat(Double.doubleToRawLongBits(negativeZero.d())).isEqualTo(Double.doubleToRawLongBits(0.0));
        Wide exact = wideTyped(snapshot, "[{\"op\":\"replace\",\"path\":\"/exact\",\"value\":1.10E+3}]".getBytes());
        assertThat(exact.exact()).isEqualTo(new BigDecimal("1.10E+3"));
    }

    @Test
    void onlyPatchesHoldingNumbersATreeRewritesAreReadThroughATree() {
        for (String rewritten : List.of("1.5", "[1e0]", "[2E-3]", "-0", "[-0]", "-0.0", "{\"a\":0.1}", "[\"x\",10e2]",
                "[\"a\\\"\",1.5]", "[\"a\\\\\",1.5]", "1e5")) {
            assertThat(TypedPatch.holdsNumbersATreeRewrites(rewritten.getBytes())).as(rewritten).isTrue();
        }
        for (String asRead : List.of("[1,2,-3,-10]", "true", "false", "null", "\"1.5e1 in a string\"", "[\"-0\"]",
                "[\"a\\\"1.5\"]", "", "[0,10,-1]", "[\"a\\", "[\"1.5")) {
            assertThat(TypedPatch.holdsNumbersATreeRewrites(asRead.getBytes())).as(asRead).isFalse();
        }
    }

    @Test
    void aReaderLeftToTheTreeWayRefusesToGoOn() {
        TypedPatch<Wide> typed = TypedPatch.from(wide, codec, new Wide(List.of(), List.of(), List.of(), Map.of(), 0, null,
                BigDecimal.ONE, 0, null));
        assertThat(typed.apply("[{\"op\":\"add\",\"path\":\"/loose/-\",\"value\":1},{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/b\"}]"
                .getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThatThrownBy(() -> typed.apply("[]".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRecordWithAJacksonAnnotationOnAComponentIsNotReadTyped() {
        StateSchema<NullsAsEmpty> nulls = StateSchema.of(NullsAsEmpty.class);
        // the two ways would disagree: a replace of tags with null reads [] through the tree, null typed
        byte[] snapshot = codec.encode(new NullsAsEmpty(List.of("a"), 1));
        byte[] patch = "[{\"op\":\"replace\",\"path\":\"/tags\",\"value\":null}]".getBytes();
        JsonNode tree = codec.readTree(snapshot);
        JsonPatch.apply(tree, codec.readTree(patch));
        assertThat(codec.fromTree(tree, NullsAsEmpty.class).tags()).isEmpty();
        TypedPatch<NullsAsEmpty> typed = TypedPatch.from(nulls, codec, codec.decode(snapshot, NullsAsEmpty.class));
        assertThat(typed.apply(patch)).isTrue();
        assertThat(typed.state().tags()).isNull();
        // so the loader never takes the typed way for it
        assertThat(TypedPatch.fits(nulls, codec)).isFalse();
        assertThat(TypedPatch.fits(schema, codec)).isTrue();
    }

    @Test
    void aRecordWhoseJsonNamesAreNotItsComponentsIsNotReadTyped() {
        assertThat(TypedPatch.fits(StateSchema.of(Renamed.class), codec)).isFalse();
    }
}
