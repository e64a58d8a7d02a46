package io.threadline.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The byte form of a checkpoint for stores that keep one blob per checkpoint: a format byte, the
 * length of a compact JSON header, the header (ids, step, nodes, decisions, status…), then the
 * state change as is. The thread key is not stored — the store's key holds it.
 *
 * <p>Header keys are short on purpose: a checkpoint a step is written for every step, and its
 * metadata is the part of storage that does not shrink with deltas.
 */
public final class CheckpointCodec {

    private static final byte FORMAT = 1;
    private static final JsonFactory JSON = new JsonFactory();

    private CheckpointCodec() {
    }

    public static byte[] encode(Checkpoint cp) {
        int inputPrefix = inputPrefix(cp);
        ByteArrayOutputStream header = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(header)) {
            g.writeStartObject();
            g.writeStringField("i", cp.id().value());
            g.writeNumberField("s", cp.step());
            if (cp.parent() != null) {
                g.writeStringField("p", cp.parent().value());
            }
            writeStrings(g, "n", cp.nodes());
            if (!cp.decisions().isEmpty()) {
                g.writeArrayFieldStart("d");
                for (Decision d : cp.decisions()) {
                    g.writeStartArray();
                    g.writeString(d.from());
                    g.writeStartArray();
                    for (String to : d.to()) {
                        g.writeString(to);
                    }
                    g.writeEndArray();
                    g.writeString(d.reason());
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            writeStrings(g, "x", cp.next());
            g.writeStringField("st", cp.status().name().substring(0, 1));
            g.writeNumberField("v", cp.schemaVersion());
            g.writeStringField("c", cp.isSnapshot() ? "S" : "D");
            g.writeNumberField("at", cp.createdAt().toEpochMilli());
            if (cp.idempotencyKey() != null) {
                g.writeStringField("k", cp.idempotencyKey());
            }
            if (cp.outbox() != null) {
                g.writeStringField("o", cp.outbox().json());
            }
            if (inputPrefix >= 0) {
                g.writeNumberField("ip", inputPrefix);
            } else if (cp.input() != null) {
                g.writeStringField("in", cp.input().json());
            }
            if (cp.effects() != null) {
                g.writeStringField("ef", cp.effects().json());
            }
            if (cp.interrupt() != null) {
                g.writeStringField("it", cp.interrupt().json());
            }
            if (cp.error() != null) {
                g.writeObjectFieldStart("er");
                g.writeStringField("n", cp.error().node());
                g.writeStringField("t", cp.error().type());
                if (cp.error().message() != null) {
                    g.writeStringField("m", cp.error().message());
                }
                if (cp.error().stack() != null) {
                    g.writeStringField("s", cp.error().stack());
                }
                g.writeEndObject();
            }
            if (!cp.metadata().isEmpty()) {
                g.writeObjectFieldStart("m");
                // Sorted: a Map.copyOf iterates in an order salted per JVM, and the same checkpoint must be the
                // same bytes wherever it is written (stored sizes, byte comparisons, content hashes).
                for (Map.Entry<String, String> e : new TreeMap<>(cp.metadata()).entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode checkpoint header", e);
        }
        byte[] head = header.toByteArray();
        byte[] payload = cp.change().json();
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + head.length + payload.length);
        out.put(FORMAT).putInt(head.length).put(head).put(payload);
        return out.array();
    }

    /**
     * Where a step's input is already in its delta, the length of the delta's bytes it begins with, else -1. A step's
     * delta is its input's operations followed by its nodes' (the runtime applies the input first and encodes both with
     * the same codec), so W1's user message would otherwise be stored twice — once as the input, escaped inside the
     * header, and once in the change — about a quarter of every such delta checkpoint. The test is on the bytes, so
     * the input read back is exactly the text written: {@code input = change[0, n) + "]"}, kept only when the change
     * has the input's operations, without its closing bracket, as its first {@code n} bytes, followed by {@code ,} or
     * {@code ]}. An input written another way (its keys ordered by a caller, a sealed change) is stored whole.
     */
    static int inputPrefix(Checkpoint cp) {
        if (cp.input() == null || cp.isSnapshot()) {
            return -1;
        }
        byte[] input = cp.input().json().getBytes(StandardCharsets.UTF_8);
        byte[] change = cp.change().json();
        int n = input.length - 1;
        if (n < 1 || input[0] != '[' || input[n] != ']' || change.length <= n) {
            return -1;
        }
        if (!Arrays.equals(input, 0, n, change, 0, n)) {
            return -1;
        }
        return change[n] == ',' || change[n] == ']' ? n : -1;
    }

    /** The bytes a stored envelope spends on the step's input: none when its delta carries it ({@link #inputPrefix}). */
    public static int storedInputBytes(Checkpoint cp) {
        return cp.input() == null || inputPrefix(cp) >= 0 ? 0 : cp.input().json().length();
    }

    private static void writeStrings(JsonGenerator g, String field, List<String> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    public static Checkpoint decode(ThreadKey thread, byte[] bytes) {
        return decode(thread, bytes, true);
    }

    /**
     * The envelope in {@code bytes[offset, offset + length)}, read where it lies (a pack's, say, not copied out of it
     * first). An envelope whose header length does not fit it is read from a copy, so it fails as
     * {@link #decode(ThreadKey, byte[])} fails on it.
     *
     * @throws IndexOutOfBoundsException a range outside {@code bytes}: the caller's bug, not bad data
     */
    public static Checkpoint decode(ThreadKey thread, byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        int headLength = length < 5 || bytes[offset] != FORMAT ? -1 : ByteBuffer.wrap(bytes, offset + 1, 4).getInt();
        if (headLength < 0 || headLength > length - 5) {
            return decode(thread, Arrays.copyOfRange(bytes, offset, offset + length));
        }
        return decode(thread, bytes, offset, length, headLength, true);
    }

    /** @param compactFirst whether a header as {@link #encode} writes it is read by {@link CompactHeader} (else Jackson) */
    static Checkpoint decode(ThreadKey thread, byte[] bytes, boolean compactFirst) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.get() != FORMAT) {
                throw corrupt(thread, "unknown checkpoint format " + bytes[0]);
            }
            return decode(thread, bytes, 0, bytes.length, in.getInt(), compactFirst);
        } catch (RuntimeException e) {
            if (e instanceof ThreadlineException te) {
                throw te;
            }
            throw corrupt(thread, e.toString());
        }
    }

    /** The envelope in {@code bytes[offset, offset + length)}, its format byte checked, its header {@code headLength} long. */
    private static Checkpoint decode(ThreadKey thread, byte[] bytes, int offset, int length, int headLength, boolean compactFirst) {
        try {
            int from = offset + 5;
            Header h = compactFirst ? CompactHeader.read(bytes, from, headLength) : null;
            if (h == null) {
                h = readHeader(bytes, from, headLength);
            }
            byte[] payload = new byte[length - 5 - headLength];
            System.arraycopy(bytes, from + headLength, payload, 0, payload.length);
            StateChange change = h.snapshot ? new StateChange.Snapshot(payload) : new StateChange.Delta(payload);
            if (h.inputPrefix >= 0) {
                if (h.inputPrefix < 1 || h.inputPrefix >= payload.length) {
                    throw corrupt(thread, "its input is said to be the first " + h.inputPrefix + " of its change's " + payload.length + " bytes");
                }
                h.input = new String(payload, 0, h.inputPrefix, StandardCharsets.UTF_8) + "]";
            }
            return new Checkpoint(CheckpointId.parse(h.id), thread, h.step, h.parent == null ? null : CheckpointId.parse(h.parent),
                    h.nodes, h.decisions, h.next, h.status, h.version, change, Instant.ofEpochMilli(h.at), h.key, h.metadata,
                    MemoryOutbox.fromJson(h.outbox), StepInput.fromJson(h.input), EffectLog.fromJson(h.effects), h.error,
                    InterruptPayload.fromJson(h.interrupt));
        } catch (IOException | RuntimeException e) {
            if (e instanceof ThreadlineException te) {
                throw te;
            }
            throw corrupt(thread, e.toString());
        }
    }

    /** A header's fields as read. */
    static final class Header {
        String id;
        long step;
        String parent;
        List<String> nodes = List.of();
        List<Decision> decisions = List.of();
        List<String> next = List.of();
        Status status;
        int version;
        boolean snapshot;
        long at;
        String key;
        Map<String, String> metadata = Map.of();
        String outbox;
        String input;
        int inputPrefix = -1;
        String effects;
        StepError error;
        String interrupt;
    }

    private static Header readHeader(byte[] bytes, int offset, int length) throws IOException {
        Header h = new Header();
        try (JsonParser p = JSON.createParser(bytes, offset, length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "i" -> h.id = p.getText();
                    case "s" -> h.step = p.getLongValue();
                    case "p" -> h.parent = p.getText();
                    case "n" -> h.nodes = readStrings(p);
                    case "d" -> h.decisions = readDecisions(p);
                    case "x" -> h.next = readStrings(p);
                    case "st" -> h.status = status(p.getText());
                    case "v" -> h.version = p.getIntValue();
                    case "c" -> h.snapshot = "S".equals(p.getText());
                    case "at" -> h.at = p.getLongValue();
                    case "k" -> h.key = p.getText();
                    case "m" -> h.metadata = readMap(p);
                    case "o" -> h.outbox = p.getText();
                    case "in" -> h.input = p.getText();
                    case "ip" -> h.inputPrefix = p.getIntValue();
                    case "ef" -> h.effects = p.getText();
                    case "er" -> h.error = readError(p);
                    case "it" -> h.interrupt = p.getText();
                    default -> p.skipChildren();
                }
            }
        }
        return h;
    }

    private static List<String> readStrings(JsonParser p) throws IOException {
        // Anything but a list is refused: read on to an END_ARRAY, a corrupt header's string here was read past its end
        // and added nulls until the heap ran out.
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(p.getText());
        }
        return out;
    }

    private static List<Decision> readDecisions(JsonParser p) throws IOException {
        List<Decision> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_ARRAY) {
            p.nextToken();
            String from = p.getText();
            p.nextToken();
            List<String> to = readStrings(p);
            p.nextToken();
            String reason = p.getText();
            expect(p.nextToken(), JsonToken.END_ARRAY);
            out.add(new Decision(from, to, reason));
        }
        return out;
    }

    private static Map<String, String> readMap(JsonParser p) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            p.nextToken();
            out.put(k, p.getText());
        }
        return out;
    }

    private static StepError readError(JsonParser p) throws IOException {
        Map<String, String> e = readMap(p);
        return new StepError(e.get("n"), e.get("t"), e.get("m"), e.get("s"));
    }

    static Status status(String letter) {
        for (Status s : Status.values()) {
            if (s.name().startsWith(letter)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status " + letter);
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("expected " + expected + " but found " + actual);
        }
    }

    private static ThreadlineException corrupt(ThreadKey thread, String why) {
        return new ThreadlineException(ErrorCode.INTERNAL, "a stored checkpoint of " + thread + " is unreadable: " + why,
                Map.of("thread", thread.threadId()));
    }
}
