package io.threadline.checkpoint;

import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A header in the form the codec writes a step's is read without Jackson ({@link CompactHeader}), and every header,
 * in that form or not, decodes to what Jackson alone makes of it, or fails as it fails.
 */
class CompactHeaderTest {

    private static final ThreadKey THREAD = ThreadKey.of("acme", "t-1");
    private static final Instant AT = Instant.parse("2026-12-07T20:00:00.123Z");

    private static List<Checkpoint> checkpoints() {
        Random random = new Random(3);
        CheckpointId parent = CheckpointId.next(AT.minusMillis(5), random::nextLong, null);
        CheckpointId id = CheckpointId.next(AT, random::nextLong, parent);
        byte[] delta = "[{\"op\":\"add\",\"path\":\"/messages/-\",\"value\":{\"role\":\"user\",\"content\":\"hi\"}}]".getBytes(StandardCharsets.UTF_8);
        List<Checkpoint> out = new ArrayList<>();
        // a W1 step: nodes, metadata, no decisions
        out.add(Checkpoint.draft(id, THREAD, 9, parent).state(1, new StateChange.Delta(delta), AT)
                .metadata(Map.of("graph", "30b6f737e58d8cbf")).step(List.of("respond"), List.of(), List.of()));
        // its input stored as the change's prefix, an idempotency key, several metadata entries and next nodes
        out.add(Checkpoint.draft(id, THREAD, 1234567, parent).state(3, new StateChange.Delta(delta), AT)
                .input(StepInput.fromJson("[{\"op\":\"add\",\"path\":\"/messages/-\",\"value\":{\"role\":\"user\",\"content\":\"hi\"}}]"))
                .idempotencyKey("req-42").metadata(Map.of("graph", "g", "agent", "a b/c", "attempts.x", "1"))
                .step(List.of("process", "execute"), List.of(), List.of("respond", "other")));
        // a snapshot, the thread's first: no parent, no nodes
        out.add(Checkpoint.draft(id, THREAD, 1, null).state(1, new StateChange.Snapshot("{\"messages\":[]}".getBytes(StandardCharsets.UTF_8)), AT)
                .step(List.of(), List.of(), List.of()));
        // left to Jackson: decisions, an error, escaped JSON in strings, non-ASCII
        out.add(Checkpoint.draft(id, THREAD, 2, parent).state(1, new StateChange.Delta(delta), AT)
                .step(List.of("a"), List.of(new Decision("a", List.of("b"), "why")), List.of("b")));
        out.add(Checkpoint.draft(id, THREAD, 2, parent).state(1, new StateChange.Delta(delta), AT)
                .failedStep(List.of("a"), List.of("a"), new StepError("a", "java.lang.IllegalStateException", "bad \"x\"", null)));
        out.add(Checkpoint.draft(id, THREAD, 2, parent).state(1, new StateChange.Delta(delta), AT)
                .input(StepInput.fromJson("[{\"op\":\"replace\",\"path\":\"/n\",\"value\":1}]"))
                .metadata(Map.of("note", "caf\u00e9")).step(List.of("a"), List.of(), List.of()));
        return out;
    }

    @Test
    void aStepsHeaderIsReadWithoutJacksonAsJacksonReadsIt() {
        List<Checkpoint> all = checkpoints();
        for (int i = 0; i < all.size(); i++) {
            Checkpoint cp = all.get(i);
            byte[] envelope = CheckpointCodec.encode(cp);
            int headLength = ByteBuffer.wrap(envelope, 1, 4).getInt();
            assertThat(CompactHeader.read(envelope, 5, headLength) != null).as("read compact: %s", cp).isEqualTo(i < 3);
            assertThat(outcome(envelope, true)).isEqualTo(outcome(envelope, false));
            Checkpoint read = CheckpointCodec.decode(THREAD, envelope);
            assertThat(read).isEqualTo(CheckpointCodec.decode(THREAD, envelope, false));
            assertThat(CheckpointCodec.encode(read)).isEqualTo(envelope);
        }
    }

    /** Headers changed byte by byte — inserted, removed, replaced — decode or fail exactly as through Jackson alone. */
    @Test
    void everyOtherHeaderDecodesOrFailsAsThroughJackson() {
        byte[] alphabet = "\"\\,:{}[]09-+. eESabIv\u007f".getBytes(StandardCharsets.ISO_8859_1);
        Random random = new Random(39);
        int compact = 0;
        int tried = 0;
        for (Checkpoint cp : checkpoints()) {
            byte[] envelope = CheckpointCodec.encode(cp);
            int headLength = ByteBuffer.wrap(envelope, 1, 4).getInt();
            byte[] header = Arrays.copyOfRange(envelope, 5, 5 + headLength);
            byte[] payload = Arrays.copyOfRange(envelope, 5 + headLength, envelope.length);
            for (int n = 0; n < 3000; n++) {
                byte[] changed = header.clone();
                for (int edits = 1 + random.nextInt(2); edits > 0; edits--) {
                    changed = edit(changed, random, random.nextInt(8) == 0 ? (byte) (0x80 + random.nextInt(0x80)) : alphabet[random.nextInt(alphabet.length)]);
                }
                byte[] mutated = envelope(changed, payload);
                tried++;
                try {
                    if (CompactHeader.read(mutated, 5, changed.length) != null) {
                        compact++;
                    }
                } catch (IllegalArgumentException e) {
                    compact++; // a status letter it read, and refuses, as Jackson's read refuses it
                }
                assertThat(outcome(mutated, true)).as(new String(changed, StandardCharsets.ISO_8859_1)).isEqualTo(outcome(mutated, false));
            }
        }
        // both ways were exercised: many mutants are still compact (a digit for a digit), most are not
        assertThat(compact).isGreaterThan(100).isLessThan(tried);
        // a header length that lies: past the envelope's end, or negative
        byte[] envelope = CheckpointCodec.encode(checkpoints().get(0));
        for (int lie : new int[] {-1, 0, 1, envelope.length, Integer.MAX_VALUE}) {
            byte[] bad = envelope.clone();
            ByteBuffer.wrap(bad, 1, 4).putInt(lie);
            assertThat(outcome(bad, true)).isEqualTo(outcome(bad, false));
        }
    }

    /** Lists of each length and metadata of each size, read into the unmodifiable forms a checkpoint keeps, as Jackson reads them. */
    @Test
    void listsAndMetadataOfEverySizeReadAsJacksonReadsThem() {
        Random random = new Random(40);
        CheckpointId parent = CheckpointId.next(AT.minusMillis(5), random::nextLong, null);
        CheckpointId id = CheckpointId.next(AT, random::nextLong, parent);
        List<String> names = List.of("process", "execute", "respond", "process", "x");
        int compact = 0;
        for (int nodes = 0; nodes <= 5; nodes++) {
            for (int next = 0; next <= 5; next++) {
                for (int entries = 0; entries <= 4; entries++) {
                    Map<String, String> metadata = new HashMap<>();
                    for (int e = 0; e < entries; e++) {
                        metadata.put("k" + e, "v" + (e * nodes));
                    }
                    Checkpoint cp = Checkpoint.draft(id, THREAD, 7, parent)
                            .state(1, new StateChange.Delta("[]".getBytes(StandardCharsets.UTF_8)), AT).metadata(metadata)
                            .step(names.subList(0, nodes), List.of(), names.subList(0, next));
                    byte[] envelope = CheckpointCodec.encode(cp);
                    int headLength = ByteBuffer.wrap(envelope, 1, 4).getInt();
                    compact += CompactHeader.read(envelope, 5, headLength) != null ? 1 : 0;
                    Checkpoint read = CheckpointCodec.decode(THREAD, envelope);
                    assertThat(read).isEqualTo(cp).isEqualTo(CheckpointCodec.decode(THREAD, envelope, false));
                    assertThat(outcome(envelope, true)).isEqualTo(outcome(envelope, false));
                }
            }
        }
        assertThat(compact).isEqualTo(6 * 6 * 5);
        // a metadata name twice: the last value, as Jackson keeps it, in either form
        byte[] twice = envelope("{\"i\":\"%s\",\"s\":7,\"p\":\"%s\",\"st\":\"D\",\"v\":1,\"c\":\"D\",\"at\":1,\"m\":{\"a\":\"1\",\"a\":\"2\"}}"
                .formatted(id, parent).getBytes(StandardCharsets.UTF_8), "[]".getBytes(StandardCharsets.UTF_8));
        assertThat(CheckpointCodec.decode(THREAD, twice).metadata()).isEqualTo(Map.of("a", "2"));
        assertThat(outcome(twice, true)).isEqualTo(outcome(twice, false));
    }

    /**
     * An envelope read where it lies among other bytes (a pack's) decodes, or fails, as the envelope alone: valid ones,
     * headers changed byte by byte, header lengths that lie, envelopes cut short.
     */
    @Test
    void anEnvelopeReadInPlaceDecodesOrFailsAsAlone() {
        Random random = new Random(41);
        List<byte[]> envelopes = new ArrayList<>();
        for (Checkpoint cp : checkpoints()) {
            byte[] envelope = CheckpointCodec.encode(cp);
            envelopes.add(envelope);
            int headLength = ByteBuffer.wrap(envelope, 1, 4).getInt();
            byte[] header = Arrays.copyOfRange(envelope, 5, 5 + headLength);
            byte[] payload = Arrays.copyOfRange(envelope, 5 + headLength, envelope.length);
            for (int n = 0; n < 300; n++) {
                envelopes.add(envelope(edit(header, random, (byte) ('!' + random.nextInt(90))), payload));
            }
            for (int lie : new int[] {-1, 0, 1, headLength - 1, headLength + 1, envelope.length - 5, envelope.length - 4,
                    envelope.length, Integer.MAX_VALUE}) {
                byte[] bad = envelope.clone();
                ByteBuffer.wrap(bad, 1, 4).putInt(lie);
                envelopes.add(bad);
            }
            for (int cut = 0; cut < 8; cut++) {
                envelopes.add(Arrays.copyOf(envelope, cut));
            }
            byte[] format = envelope.clone();
            format[0] = 2;
            envelopes.add(format);
        }
        int decoded = 0;
        for (byte[] envelope : envelopes) {
            // the bytes around it: another envelope's, say, which a header length that lies would reach into
            byte[] around = new byte[envelope.length + 64];
            random.nextBytes(around);
            int offset = random.nextInt(33);
            System.arraycopy(envelope, 0, around, offset, envelope.length);
            String alone = outcome(envelope, true);
            assertThat(outcome(() -> CheckpointCodec.decode(THREAD, around, offset, envelope.length))).as(alone).isEqualTo(alone);
            // and as a pack's last: nothing after it
            byte[] last = new byte[offset + envelope.length];
            System.arraycopy(around, 0, last, 0, last.length);
            assertThat(outcome(() -> CheckpointCodec.decode(THREAD, last, offset, envelope.length))).as(alone).isEqualTo(alone);
            decoded += alone.startsWith("INTERNAL") ? 0 : 1;
        }
        assertThat(decoded).isGreaterThan(100).isLessThan(envelopes.size());
    }

    private static byte[] edit(byte[] header, Random random, byte b) {
        int at = random.nextInt(header.length);
        return switch (random.nextInt(3)) {
            case 0 -> {
                byte[] out = header.clone();
                out[at] = b;
                yield out;
            }
            case 1 -> {
                byte[] out = new byte[header.length + 1];
                System.arraycopy(header, 0, out, 0, at);
                out[at] = b;
                System.arraycopy(header, at, out, at + 1, header.length - at);
                yield out;
            }
            default -> {
                if (header.length < 2) {
                    yield header;
                }
                byte[] out = new byte[header.length - 1];
                System.arraycopy(header, 0, out, 0, at);
                System.arraycopy(header, at + 1, out, at, header.length - at - 1);
                yield out;
            }
        };
    }

    private static byte[] envelope(byte[] header, byte[] payload) {
        return ByteBuffer.allocate(5 + header.length + payload.length).put((byte) 1).putInt(header.length).put(header).put(payload).array();
    }

    /** What decoding makes: the checkpoint written back (and its input), or the error's code and message. */
    private static String outcome(byte[] envelope, boolean compactFirst) {
        return outcome(() -> CheckpointCodec.decode(THREAD, envelope, compactFirst));
    }

    private static String outcome(Supplier<Checkpoint> decode) {
        try {
            Checkpoint cp = decode.get();
            return Base64.getEncoder().encodeToString(CheckpointCodec.encode(cp)) + " input " + (cp.input() == null ? null : cp.input().json())
                    + " " + cp;
        } catch (ThreadlineException e) {
            return e.code() + ": " + e.getMessage() + " " + e.details();
        } catch (RuntimeException e) {
            return e.toString();
        }
    }
}
