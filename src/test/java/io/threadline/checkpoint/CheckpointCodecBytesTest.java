package io.threadline.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The envelope both stores keep (the in-memory store as it is, DynamoDB in its items) is byte for byte what
 * it was before checkpoint payloads were typed, and a stored envelope reads back and writes again unchanged:
 * the payloads pass through as their stored text, never re-encoded.
 */
class CheckpointCodecBytesTest {

    /** {@code CheckpointCodec.encode} of {@link #paused()} by the code of commit 6f6a0f1, payloads as JSON strings. */
    private static final String BEFORE = "AQAAAfZ7ImkiOiIwMU05NTVWVzAwMDAwMDAwMDAwMDAwMDAwMiIsInMiOjIsInAiOiIwMU05NTVWVlpaMDAwMDAwMDAwMDAwMDAwMSIs"
            + "Im4iOlsidGhpbmsiXSwiZCI6W1sidGhpbmsiLFsiYWN0Il0sImEgdG9vbCJdXSwieCI6WyJhY3QiXSwic3QiOiJJIiwidiI6MywiYyI6IkQiLCJh"
            + "dCI6MTc5NjU0NDAwMDAwMCwiayI6ImstMSIsIm8iOiJbe1wiY29udGVudFwiOlwicmVtZW1iZXIgXFx1MjYwM1wifV0iLCJpbiI6Ilt7XCJvcFwi"
            + "OlwiYWRkXCIsXCJwYXRoXCI6XCIvaW5cIixcInZhbHVlXCI6MS4xMH1dIiwiZWYiOiJbe1wic2VxXCI6MCxcIm5vZGVcIjpcInRoaW5rXCIsXCJh"
            + "dHRlbXB0XCI6MSxcImtpbmRcIjpcIlRPT0xcIixcIm5hbWVcIjpcImFkZFwiLFwicmVzcG9uc2VcIjpcIjQyXCJ9XSIsIml0Ijoie1wibm9kZVwi"
            + "OlwidGhpbmtcIixcIndoZW5cIjpcIkFGVEVSXCIsXCJwYXlsb2FkXCI6e1wiYWZ0ZXJcIjpcInRoaW5rXCJ9fSIsIm0iOnsiYXR0ZW1wdHMudGhp"
            + "bmsiOiIxIn19W3sib3AiOiJhZGQiLCJwYXRoIjoiL24vLSIsInZhbHVlIjoyfV0=";

    private static Checkpoint paused() {
        ThreadKey thread = ThreadKey.of("acme", "t-1");
        Instant at = Instant.parse("2026-12-06T08:00:00Z");
        CheckpointId parent = CheckpointId.next(at.minusMillis(1), () -> 1L, null);
        CheckpointId id = CheckpointId.next(at, () -> 2L, parent);
        return Checkpoint.draft(id, thread, 2, parent)
                .state(3, new StateChange.Delta("[{\"op\":\"add\",\"path\":\"/n/-\",\"value\":2}]".getBytes(StandardCharsets.UTF_8)), at)
                .metadata(Map.of("attempts.think", "1"))
                .input(StepInput.fromJson("[{\"op\":\"add\",\"path\":\"/in\",\"value\":1.10}]"))
                .effects(EffectLog.fromJson("[{\"seq\":0,\"node\":\"think\",\"attempt\":1,\"kind\":\"TOOL\",\"name\":\"add\",\"response\":\"42\"}]"))
                .idempotencyKey("k-1")
                .outbox(MemoryOutbox.fromJson("[{\"content\":\"remember \\u2603\"}]"))
                .pausedStep(List.of("think"), List.of(new Decision("think", List.of("act"), "a tool")), List.of("act"),
                        InterruptPayload.of("think", "AFTER", new ObjectMapper().createObjectNode().put("after", "think")));
    }

    @Test
    void theEnvelopeIsWrittenAsBefore() {
        assertThat(Base64.getEncoder().encodeToString(CheckpointCodec.encode(paused()))).isEqualTo(BEFORE);
    }

    /** A corrupt header whose node list is not a list: refused, where its read once ran on until the heap was gone. */
    @Test
    void aHeaderWhoseNodesAreNotAListIsRefused() {
        for (String header : List.of("{\"i\":\"01M955VW000000000000000002\",\"s\":2,\"n\":\"think\",\"st\":\"R\",\"v\":1,\"c\":\"D\",\"at\":1}",
                "{\"i\":\"01M955VW000000000000000002\",\"s\":2,\"x\":[\"a\"", "{\"d\":[[\"a\",\"b\",\"c\"]]}")) {
            byte[] head = header.getBytes(StandardCharsets.UTF_8);
            byte[] payload = "[]".getBytes(StandardCharsets.UTF_8);
            byte[] envelope = ByteBuffer.allocate(5 + head.length + payload.length).put((byte) 1).putInt(head.length).put(head)
                    .put(payload).array();
            assertThatThrownBy(() -> CheckpointCodec.decode(ThreadKey.of("acme", "t-1"), envelope)).as(header)
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
        }
    }

    @Test
    void aStoredEnvelopeReadsBackAndIsWrittenAgainUnchanged() {
        byte[] stored = Base64.getDecoder().decode(BEFORE);
        Checkpoint read = CheckpointCodec.decode(ThreadKey.of("acme", "t-1"), stored);

        assertThat(CheckpointCodec.encode(read)).isEqualTo(stored);
        assertThat(read).isEqualTo(paused());
        assertThat(read.input().patch().get(0).get("value").decimalValue()).isEqualByComparingTo("1.10");
        assertThat(read.interrupt().node()).isEqualTo("think");
        assertThat(read.interrupt().when()).isEqualTo("AFTER");
    }

    /**
     * The metadata's order is not the map's: {@code Map.copyOf} iterates in an order salted per JVM, so without a
     * fixed order the same checkpoint would be stored as different bytes by two Lambda containers. Keys are
     * written sorted, whatever map they came in.
     */
    @Test
    void theSameCheckpointEncodesToTheSameBytesWhateverOrderItsMetadataCameIn() {
        Map<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < 24; i++) {
            sorted.put(String.format("k%02d", i), "v" + i);
        }
        Map<String, String> reversed = new LinkedHashMap<>();
        sorted.keySet().stream().sorted(Comparator.reverseOrder()).forEach(k -> reversed.put(k, sorted.get(k)));

        byte[] fromSorted = CheckpointCodec.encode(withMetadata(sorted));
        assertThat(CheckpointCodec.encode(withMetadata(reversed))).isEqualTo(fromSorted);
        assertThat(CheckpointCodec.encode(withMetadata(new HashMap<>(reversed)))).isEqualTo(fromSorted);
        assertThat(CheckpointCodec.encode(withMetadata(Map.copyOf(reversed)))).isEqualTo(fromSorted);

        StringBuilder expected = new StringBuilder("\"m\":{");
        sorted.forEach((k, v) -> expected.append('"').append(k).append("\":\"").append(v).append("\","));
        expected.setLength(expected.length() - 1);
        assertThat(new String(fromSorted, StandardCharsets.UTF_8)).contains(expected.append('}'));
    }

    /**
     * A step's input that its delta begins with is stored once (issue 22): the envelope says how many of the change's
     * bytes it is, and reads back as exactly the text it was. An input the change does not begin with, and an envelope
     * written before, keep the input whole.
     */
    @Test
    void anInputItsDeltaBeginsWithIsStoredOnceAndReadsBackAsItWas() {
        String input = "[{\"op\":\"add\",\"path\":\"/messages/-\",\"value\":{\"role\":\"user\",\"content\":\"h\\u00e9llo \\\"you\\\"\"}}]";
        String change = input.substring(0, input.length() - 1) + ",{\"op\":\"replace\",\"path\":\"/turn\",\"value\":2}]";
        Checkpoint once = withInput(change, input);
        byte[] stored = CheckpointCodec.encode(once);

        assertThat(new String(stored, StandardCharsets.UTF_8)).doesNotContain("\"in\":").contains("\"ip\":" + (input.length() - 1));
        Checkpoint read = CheckpointCodec.decode(once.thread(), stored);
        assertThat(read).isEqualTo(once);
        assertThat(read.input().json()).isEqualTo(input);
        assertThat(CheckpointCodec.encode(read)).isEqualTo(stored);
        assertThat(stored.length).isLessThan(CheckpointCodec.encode(withInput(change, null)).length + 16);
        assertThat(CheckpointCodec.storedInputBytes(once)).isZero();

        // the whole change is the input (a node that changed nothing)
        Checkpoint whole = withInput(input, input);
        assertThat(CheckpointCodec.decode(whole.thread(), CheckpointCodec.encode(whole))).isEqualTo(whole);

        // not a prefix at an operation's end: the change's first operation only starts like the input's
        String longer = "[{\"op\":\"add\",\"path\":\"/messages/-\",\"value\":1}]";
        String notAtEnd = "[{\"op\":\"add\",\"path\":\"/messages/-\",\"value\":12}]";
        for (Checkpoint cp : List.of(withInput(notAtEnd, longer), withInput("[{\"op\":\"remove\",\"path\":\"/x\"}]", input))) {
            byte[] bytes = CheckpointCodec.encode(cp);
            assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"in\":");
            assertThat(CheckpointCodec.decode(cp.thread(), bytes)).isEqualTo(cp);
            assertThat(CheckpointCodec.storedInputBytes(cp)).isEqualTo(cp.input().json().length());
        }
    }

    @Test
    void anEnvelopeWhoseInputReferenceDoesNotFitItsChangeIsRefusedAsCorrupt() {
        Checkpoint once = withInput("[{\"op\":\"add\",\"path\":\"/a\",\"value\":1},{\"op\":\"add\",\"path\":\"/b\",\"value\":2}]",
                "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]");
        String text = new String(CheckpointCodec.encode(once), StandardCharsets.ISO_8859_1);
        String reference = "\"ip\":" + (once.input().json().length() - 1);
        byte[] broken = text.replace(reference, "\"ip\":999").getBytes(StandardCharsets.ISO_8859_1);

        assertThat(text).contains(reference);
        assertThatThrownBy(() -> CheckpointCodec.decode(once.thread(), broken))
                .isInstanceOfSatisfying(ThreadlineException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    }

    private static Checkpoint withInput(String change, String input) {
        Checkpoint p = paused();
        return Checkpoint.draft(p.id(), p.thread(), p.step(), p.parent())
                .state(p.schemaVersion(), new StateChange.Delta(change.getBytes(StandardCharsets.UTF_8)), p.createdAt())
                .input(StepInput.fromJson(input))
                .step(List.of("think"), List.of(), List.of());
    }

    private static Checkpoint withMetadata(Map<String, String> metadata) {
        Checkpoint p = paused();
        return Checkpoint.draft(p.id(), p.thread(), p.step(), p.parent())
                .state(p.schemaVersion(), p.change(), p.createdAt())
                .metadata(metadata)
                .step(List.of("think"), List.of(), List.of());
    }
}
