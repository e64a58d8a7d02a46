package io.threadline.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class StateCodecTest {

    private final StateCodec codec = new StateCodec();

    public record Leaf(String label, BigDecimal amount, List<String> tags) {}

    public record Branch(Leaf leaf, List<Leaf> leaves, Map<String, Leaf> byName) {}

    public record Root(Branch branch, String name) {}

    public record Times(Instant instant, OffsetDateTime offsetDateTime, ZonedDateTime zonedDateTime,
                       LocalDate localDate, LocalDateTime localDateTime, Duration duration) {}

    public record Numbers(BigDecimal trailingZeros, BigDecimal bigScale, BigDecimal huge, double tenth, double tiny,
                          double max, double minSubnormal, long nearMax, long min, int negative, float third) {}

    public record Containers(List<List<Integer>> grid, Map<String, Map<String, List<String>>> index,
                             Map<String, Object> loose, List<Optional<String>> unused) {}

    public record Optionals(Optional<String> present, Optional<String> absent) {}

    public record Nulls(String text, Leaf leaf, List<String> list, Map<String, String> map, Integer boxed,
                        BigDecimal decimal, Instant instant) {}

    public record Text(String value) {}

    public record DoubleBox(double value) {}

    public record Everything(Times times, Numbers numbers, Root root, Containers containers, Optionals optionals,
                             Nulls nulls, Text unicode) {}

    private static Times times() {
        return new Times(
                Instant.parse("2024-02-29T23:59:59.123456789Z"),
                OffsetDateTime.of(2024, 3, 31, 1, 30, 0, 987_654_321, ZoneOffset.ofHoursMinutes(5, 45)),
                ZonedDateTime.of(LocalDateTime.of(2024, 10, 27, 2, 30, 15, 1), ZoneId.of("Europe/Paris")),
                LocalDate.of(1, 1, 1),
                LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_999),
                Duration.ofDays(400).plusNanos(1).negated());
    }

    private static Numbers numbers() {
        return new Numbers(new BigDecimal("1.10"), new BigDecimal("0.000000000000000000000000000000000100"),
                new BigDecimal("123456789012345678901234567890.123456789012345678901234567890"),
                0.1, 1e-300, Double.MAX_VALUE, Double.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE, -42, 1f / 3);
    }

    private static Root root() {
        Leaf a = new Leaf("a", new BigDecimal("2.500"), List.of("x", "y"));
        Leaf b = new Leaf(null, null, null);
        Map<String, Leaf> byName = new LinkedHashMap<>();
        byName.put("z", a);
        byName.put("b", b);
        return new Root(new Branch(a, List.of(a, b), byName), "root");
    }

    private static Containers containers() {
        Map<String, Map<String, List<String>>> index = new LinkedHashMap<>();
        index.put("outer", Map.of("inner", List.of("1", "2"), "empty", List.of()));
        index.put("none", Map.of());
        Map<String, Object> loose = new LinkedHashMap<>();
        loose.put("s", "text");
        loose.put("list", List.of("a", List.of("b")));
        loose.put("map", Map.of("k", "v"));
        loose.put("bool", true);
        loose.put("nil", null);
        return new Containers(List.of(List.of(1, 2), List.of(), List.of(3)), index, loose, List.of());
    }

    private static Text unicode() {
        return new Text("emoji 😀👩‍👩‍👧‍👦 🏳️‍🌈, RTL עברית العربية \u200F, combining e\u0301, "
                + "controls \u0000\u0001\t\n\"\\ and a lone BMP \uFFFF");
    }

    private static Everything everything() {
        return new Everything(times(), numbers(), root(), containers(),
                new Optionals(Optional.of("here"), Optional.empty()),
                new Nulls(null, null, null, null, null, null, null), unicode());
    }

    private <T> T bytesRoundTrip(T value, Class<T> type) {
        return codec.decode(codec.encode(value), type);
    }

    private <T> T treeRoundTrip(T value, Class<T> type) {
        return codec.fromTree(codec.readTree(codec.encode(value)), type);
    }

    private <T> T toTreeRoundTrip(T value, Class<T> type) {
        return codec.fromTree(codec.toTree(value), type);
    }

    // ---- exact round trips ----

    @Test
    void everythingRoundTripsExactlyThroughBytes() {
        Everything original = everything();

        assertThat(bytesRoundTrip(original, Everything.class)).isEqualTo(original);
    }

    @Test
    void everythingRoundTripsExactlyThroughTheReadTree() {
        Everything original = everything();

        assertThat(treeRoundTrip(original, Everything.class)).isEqualTo(original);
    }

    @Test
    void everythingRoundTripsExactlyThroughToTree() {
        Everything original = everything();

        assertThat(toTreeRoundTrip(original, Everything.class)).isEqualTo(original);
    }

    @Test
    void reEncodingADecodedStateGivesTheSameBytes() {
        byte[] first = codec.encode(everything());

        byte[] second = codec.encode(codec.decode(first, Everything.class));

        assertThat(new String(second, StandardCharsets.UTF_8)).isEqualTo(new String(first, StandardCharsets.UTF_8));
    }

    @Test
    void javaTimeValuesKeepNanosOffsetAndZone() {
        Times decoded = treeRoundTrip(times(), Times.class);

        assertThat(decoded.instant().getNano()).isEqualTo(123_456_789);
        assertThat(decoded.offsetDateTime().getOffset()).isEqualTo(ZoneOffset.ofHoursMinutes(5, 45));
        assertThat(decoded.offsetDateTime().getNano()).isEqualTo(987_654_321);
        assertThat(decoded.zonedDateTime().getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(decoded.zonedDateTime().getOffset()).isEqualTo(times().zonedDateTime().getOffset());
        assertThat(decoded.duration()).isEqualTo(Duration.ofDays(400).plusNanos(1).negated());
    }

    @Test
    void zonedDateTimeInTheAmbiguousDstHourKeepsItsOffset() {
        // 2024-10-27 02:30 happens twice in Paris; the later (+01:00) instance must not come back as +02:00.
        ZonedDateTime later = ZonedDateTime.of(LocalDateTime.of(2024, 10, 27, 2, 30), ZoneId.of("Europe/Paris"))
                .withLaterOffsetAtOverlap();
        Times original = new Times(null, null, later, null, null, null);

        assertThat(bytesRoundTrip(original, Times.class).zonedDateTime()).isEqualTo(later);
        assertThat(treeRoundTrip(original, Times.class).zonedDateTime()).isEqualTo(later);
    }

    @Test
    void javaTimeValuesAreWrittenAsIsoStrings() {
        JsonNode tree = codec.readTree(codec.encode(times()));

        assertThat(tree.get("instant").asText()).isEqualTo("2024-02-29T23:59:59.123456789Z");
        assertThat(tree.get("offsetDateTime").asText()).isEqualTo("2024-03-31T01:30:00.987654321+05:45");
        assertThat(tree.get("zonedDateTime").asText()).endsWith("[Europe/Paris]");
        assertThat(tree.get("duration").isTextual()).isTrue();
    }

    @Test
    void bigDecimalKeepsItsScale() {
        Numbers decoded = treeRoundTrip(numbers(), Numbers.class);

        assertThat(decoded.trailingZeros()).isEqualTo(new BigDecimal("1.10"));
        assertThat(decoded.trailingZeros().scale()).isEqualTo(2);
        assertThat(decoded.bigScale().scale()).isEqualTo(36);
        assertThat(bytesRoundTrip(numbers(), Numbers.class).trailingZeros().scale()).isEqualTo(2);
        assertThat(toTreeRoundTrip(numbers(), Numbers.class).trailingZeros().scale()).isEqualTo(2);
    }

    @Test
    void bigDecimalIsWrittenAsAPlainJsonNumber() {
        String json = new String(codec.encode(new Leaf("x", new BigDecimal("1.10"), null)), StandardCharsets.UTF_8);

        assertThat(json).contains("\"amount\":1.10");
    }

    @Test
    void numbersRoundTripExactly() {
        Numbers original = numbers();

        assertThat(bytesRoundTrip(original, Numbers.class)).isEqualTo(original);
        assertThat(treeRoundTrip(original, Numbers.class)).isEqualTo(original);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 1e-300, 0.0, 1.0, -1.5, Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL,
            1.0 / 3, 9007199254740993.0})
    void doublesRoundTripExactlyThroughBytesAndTree(double value) {
        DoubleBox original = new DoubleBox(value);

        assertThat(bytesRoundTrip(original, DoubleBox.class)).isEqualTo(original);
        assertThat(treeRoundTrip(original, DoubleBox.class)).isEqualTo(original);
        assertThat(toTreeRoundTrip(original, DoubleBox.class)).isEqualTo(original);
    }

    @Test
    void negativeZeroRoundTripsThroughBytes() {
        DoubleBox decoded = bytesRoundTrip(new DoubleBox(-0.0), DoubleBox.class);

        assertThat(Double.doubleToRawLongBits(decoded.value())).isEqualTo(Double.doubleToRawLongBits(-0.0));
    }

    @Test
    void negativeZeroReadsBackAsZeroThroughTheTreeAsDocumented() {
        // Documented loss (StateCodec javadoc): exact decimal trees have no negative zero.
        DoubleBox decoded = treeRoundTrip(new DoubleBox(-0.0), DoubleBox.class);

        assertThat(decoded).isEqualTo(new DoubleBox(0.0));
    }

    @Test
    void untypedNumbersComeBackAsTheSameJavaTypesThroughBytesAndTree() {
        Map<String, Object> loose = new LinkedHashMap<>();
        loose.put("d", 1.5d);
        loose.put("tiny", 1e-300);
        loose.put("i", 7);
        loose.put("l", Long.MAX_VALUE);
        Containers original = new Containers(List.of(), Map.of(), loose, List.of());

        Containers viaBytes = bytesRoundTrip(original, Containers.class);
        Containers viaTree = treeRoundTrip(original, Containers.class);

        assertThat(viaBytes).isEqualTo(original);
        assertThat(viaTree).isEqualTo(original);
        assertThat(viaTree.loose().get("d")).isInstanceOf(Double.class);
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void nonFiniteDoublesRoundTripThroughBytes(double value) {
        DoubleBox original = new DoubleBox(value);

        assertThat(bytesRoundTrip(original, DoubleBox.class)).isEqualTo(original);
    }

    @Test
    void longsNearTheLimitsKeepEveryDigit() {
        Numbers decoded = treeRoundTrip(numbers(), Numbers.class);

        assertThat(decoded.nearMax()).isEqualTo(Long.MAX_VALUE - 1);
        assertThat(decoded.min()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void nestedRecordsThreeLevelsDeepRoundTrip() {
        Root original = root();

        Root decoded = treeRoundTrip(original, Root.class);

        assertThat(decoded).isEqualTo(original);
        assertThat(decoded.branch().leaves().get(0).amount().scale()).isEqualTo(3);
        assertThat(decoded.branch().byName()).containsKeys("z", "b");
    }

    @Test
    void nullFieldsRoundTripAsNull() {
        Nulls original = new Nulls(null, null, null, null, null, null, null);

        assertThat(bytesRoundTrip(original, Nulls.class)).isEqualTo(original);
        assertThat(treeRoundTrip(original, Nulls.class)).isEqualTo(original);
        JsonNode tree = codec.readTree(codec.encode(original));
        assertThat(tree.size()).isEqualTo(7);
        tree.elements().forEachRemaining(node -> assertThat(node.isNull()).isTrue());
    }

    @Test
    void nestedListsAndMapsRoundTrip() {
        Containers original = containers();

        assertThat(bytesRoundTrip(original, Containers.class)).isEqualTo(original);
        assertThat(treeRoundTrip(original, Containers.class)).isEqualTo(original);
    }

    @Test
    void optionalsRoundTripPresentAndEmpty() {
        Optionals original = new Optionals(Optional.of("here"), Optional.empty());

        Optionals decoded = treeRoundTrip(original, Optionals.class);

        assertThat(decoded).isEqualTo(original);
        assertThat(decoded.absent()).isEmpty();
        assertThat(codec.readTree(codec.encode(original)).get("present").asText()).isEqualTo("here");
    }

    @Test
    void unicodeRoundTripsExactly() {
        Text original = unicode();

        assertThat(bytesRoundTrip(original, Text.class)).isEqualTo(original);
        assertThat(treeRoundTrip(original, Text.class)).isEqualTo(original);
    }

    @Test
    void bmpCharactersAreWrittenAsUtf8AndSupplementaryOnesAsSurrogateEscapes() {
        byte[] bytes = codec.encode(new Text("ש😀"));

        // Jackson's UTF-8 generator escapes characters outside the BMP as a \\uXXXX surrogate pair (valid JSON).
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("{\"value\":\"ש\\uD83D\\uDE00\"}");
        assertThat(codec.decode(bytes, Text.class).value()).isEqualTo("ש😀");
    }

    @Test
    void fiveMillionCharacterStringRoundTrips() {
        char[] chars = new char[5_000_000];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('a' + i % 26);
        }
        chars[4_999_999] = 'Ω';
        Text original = new Text(new String(chars));

        Text viaBytes = bytesRoundTrip(original, Text.class);
        Text viaTree = treeRoundTrip(original, Text.class);

        assertThat(viaBytes.value()).hasSize(5_000_000);
        assertThat(viaBytes).isEqualTo(original);
        assertThat(viaTree).isEqualTo(original);
    }

    @Test
    void writeTreeOfAReadTreeGivesTheSameBytesForStatesWithoutExponentDoubles() {
        Everything state = new Everything(times(), null, root(), containers(),
                new Optionals(Optional.of("x"), Optional.empty()), null, unicode());
        byte[] encoded = codec.encode(state);

        byte[] rewritten = codec.writeTree(codec.readTree(encoded));

        assertThat(new String(rewritten, StandardCharsets.UTF_8)).isEqualTo(new String(encoded, StandardCharsets.UTF_8));
    }

    @Test
    void writeTreeRespellsDoublesInExponentFormButTheValueSurvives() {
        // encode() writes Double.toString ("1.7976931348623157E308"); a tree holds BigDecimal and writes "E+308".
        DoubleBox original = new DoubleBox(Double.MAX_VALUE);
        byte[] encoded = codec.encode(original);

        byte[] rewritten = codec.writeTree(codec.readTree(encoded));

        assertThat(new String(encoded, StandardCharsets.UTF_8)).isEqualTo("{\"value\":1.7976931348623157E308}");
        assertThat(new String(rewritten, StandardCharsets.UTF_8)).isEqualTo("{\"value\":1.7976931348623157E+308}");
        assertThat(codec.decode(rewritten, DoubleBox.class)).isEqualTo(original);
    }

    // ---- deterministic encoding ----

    @Test
    void mapEntriesAreEncodedInKeyOrderWhateverTheInsertionOrder() {
        Map<String, Object> first = new LinkedHashMap<>();
        first.put("b", 2);
        first.put("a", Map.of("y", 1, "x", 2));
        first.put("c", 3);
        Map<String, Object> second = new LinkedHashMap<>();
        second.put("c", 3);
        second.put("a", new TreeMap<>(Map.of("x", 2, "y", 1)));
        second.put("b", 2);

        byte[] one = codec.encode(first);
        byte[] two = codec.encode(second);

        assertThat(two).isEqualTo(one);
        assertThat(new String(one, StandardCharsets.UTF_8)).isEqualTo("{\"a\":{\"x\":2,\"y\":1},\"b\":2,\"c\":3}");
    }

    @Test
    void equalStatesWithDifferentlyOrderedMapsEncodeToEqualBytes() {
        Map<String, Leaf> ab = new LinkedHashMap<>();
        ab.put("a", new Leaf("a", null, null));
        ab.put("b", new Leaf("b", null, null));
        Map<String, Leaf> ba = new HashMap<>();
        ba.put("b", new Leaf("b", null, null));
        ba.put("a", new Leaf("a", null, null));

        byte[] one = codec.encode(new Branch(null, List.of(), ab));
        byte[] two = codec.encode(new Branch(null, List.of(), ba));

        assertThat(two).isEqualTo(one);
    }

    @Test
    void recordComponentsAreEncodedInDeclarationOrder() {
        String json = new String(codec.encode(new Leaf("l", BigDecimal.ONE, List.of())), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"label\":\"l\",\"amount\":1,\"tags\":[]}");
    }

    // ---- errors ----

    @Test
    void convertInputConvertsAWellShapedValue() {
        StateSchema<Branch> schema = StateSchema.of(Branch.class);
        JsonNode input = codec.readTree("[{\"label\":\"x\",\"amount\":1.50,\"tags\":[\"t\"]}]".getBytes(StandardCharsets.UTF_8));

        Object converted = codec.convertInput(input, schema.fieldGenericType("leaves"), "leaves");

        assertThat(converted).isEqualTo(List.of(new Leaf("x", new BigDecimal("1.50"), List.of("t"))));
    }

    @Test
    void convertInputOfAWrongShapedValueIsInvalidInputNamingTheField() {
        StateSchema<Branch> schema = StateSchema.of(Branch.class);
        JsonNode input = codec.readTree("[{\"label\":{\"not\":\"a string\"}}]".getBytes(StandardCharsets.UTF_8));

        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.convertInput(input, schema.fieldGenericType("leaves"), "leaves"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).contains("'leaves'").contains("java.util.List<" + Leaf.class.getName() + ">");
        assertThat(StateSchemaTest.violations(e)).containsExactly(
                Map.of("path", "leaves", "message", "expected java.util.List<" + Leaf.class.getName() + ">"));
    }

    @Test
    void convertInputOfTextIntoAnIntIsInvalidInput() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.convertInput(JsonNodeFactory.instance.textNode("three"), int.class, "state.turn"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(StateSchemaTest.violations(e)).extracting(v -> v.get("path")).containsExactly("state.turn");
    }

    @Test
    void convertInputOfAnObjectIntoAListIsInvalidInput() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.convertInput(JsonNodeFactory.instance.objectNode().put("a", 1),
                        StateSchema.of(Leaf.class).fieldGenericType("tags"), "tags"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).contains("'tags'");
    }

    @Test
    void convertInputOfNullIntoAPrimitiveIsInvalidInput() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.convertInput(JsonNodeFactory.instance.nullNode(), int.class, "turn"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    }

    @Test
    void convertInputOfAnOutOfRangeNumberIsInvalidInput() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.convertInput(JsonNodeFactory.instance.numberNode(3_000_000_000L), int.class, "turn"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    }

    @Test
    void convertInputOfAFractionalNumberIntoAnIntIsInvalidInput() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.convertInput(JsonNodeFactory.instance.numberNode(new BigDecimal("1.5")), int.class, "turn"));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    }

    @Test
    void decodeOfUnreadableJsonIsInternal() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.decode("{\"label\":".getBytes(StandardCharsets.UTF_8), Leaf.class));

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("cannot read Leaf");
    }

    @Test
    void readTreeOfUnreadableJsonIsInternal() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.readTree("[1,".getBytes(StandardCharsets.UTF_8)));

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void fromTreeOfAWrongShapeIsInternal() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.fromTree(JsonNodeFactory.instance.arrayNode().add(1), Leaf.class));

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void decodeOfNullIntoAPrimitiveFieldIsRefused() {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> codec.decode("{\"value\":null}".getBytes(StandardCharsets.UTF_8), DoubleBox.class));

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void decodedListsAreIndependentOfOneAnother() {
        Leaf decoded = codec.decode(codec.encode(new Leaf("x", null, new ArrayList<>(Arrays.asList("a", "b")))), Leaf.class);

        assertThat(decoded.tags()).containsExactly("a", "b");
    }
}
