package io.threadline.checkpoint;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a checkpoint header written as {@link CheckpointCodec#encode} writes a step's: compact JSON, ASCII strings
 * without escapes, integers, string lists, a metadata object. Each checkpoint a cold read decodes has one, and a
 * JSON parser's set-up and its per-token work were most of decoding a packed delta's envelope (s39).
 *
 * <p>Anything else — whitespace, an escape, a byte outside printable ASCII, a long string, a number it does not
 * expect, a field it does not know, decisions, an error — answers null, and the caller reads the header with Jackson
 * as before. So what this reads, it reads as Jackson does; what it does not, Jackson reads or refuses.
 */
final class CompactHeader {

    /** Longer strings are left to Jackson, whose stream limits then apply as before. */
    private static final int MAX_STRING = 1024;

    private final byte[] b;
    private final int end;
    /** The most digits of an integer that cannot overflow a long (longer ones are left to Jackson). */
    private static final int LONG_DIGITS = 18;
    /** The same for an int. */
    private static final int INT_DIGITS = 9;
    private int at;

    private CompactHeader(byte[] bytes, int from, int end) {
        this.b = bytes;
        this.at = from;
        this.end = end;
    }

    /**
     * The header in {@code bytes[from, from + length)}, or null where Jackson must read it.
     *
     * @throws IllegalArgumentException for a status letter no version writes: the exception and message Jackson's path
     *                                  throws for it, so the read fails the same way (INTERNAL)
     */
    static CheckpointCodec.Header read(byte[] bytes, int from, int length) {
        if (length < 2 || from < 0 || from > bytes.length - length) {
            return null;
        }
        try {
            return new CompactHeader(bytes, from, from + length).header();
        } catch (NotCompact e) {
            return null;
        }
    }

    private CheckpointCodec.Header header() {
        CheckpointCodec.Header h = new CheckpointCodec.Header();
        expect('{');
        if (peek() == '}') {
            at++;
        } else {
            do {
                int field = name();
                expect(':');
                switch (field) {
                    case 'i' -> h.id = string();
                    case 's' -> h.step = number(LONG_DIGITS);
                    case 'p' -> h.parent = string();
                    case 'n' -> h.nodes = strings();
                    case 'x' -> h.next = strings();
                    case 's' << 8 | 't' -> h.status = CheckpointCodec.status(string());
                    case 'v' -> h.version = (int) number(INT_DIGITS);
                    case 'c' -> h.snapshot = "S".equals(string());
                    case 'a' << 8 | 't' -> h.at = number(LONG_DIGITS);
                    case 'k' -> h.key = string();
                    case 'm' -> h.metadata = map();
                    case 'o' -> h.outbox = string();
                    case 'i' << 8 | 'n' -> h.input = string();
                    case 'i' << 8 | 'p' -> h.inputPrefix = (int) number(INT_DIGITS);
                    case 'e' << 8 | 'f' -> h.effects = string();
                    case 'i' << 8 | 't' -> h.interrupt = string();
                    default -> throw NotCompact.INSTANCE; // decisions, an error, a field this version does not know
                }
            } while (comma());
            expect('}');
        }
        if (at != end) {
            throw NotCompact.INSTANCE;
        }
        return h;
    }

    private byte peek() {
        if (at >= end) {
            throw NotCompact.INSTANCE;
        }
        return b[at];
    }

    private void expect(char c) {
        if (peek() != c) {
            throw NotCompact.INSTANCE;
        }
        at++;
    }

    /** Whether a comma follows (consumed), else the container ends here. */
    private boolean comma() {
        if (peek() == ',') {
            at++;
            return true;
        }
        return false;
    }

    /**
     * A field's name of one or two lowercase letters (every name the codec writes) as {@code first << 8 | second}, or
     * {@code first} alone; any other name is not compact.
     */
    private int name() {
        if (end - at < 3 || b[at] != '"') {
            throw NotCompact.INSTANCE;
        }
        int first = b[at + 1];
        if (first < 'a' || first > 'z') {
            throw NotCompact.INSTANCE;
        }
        if (b[at + 2] == '"') {
            at += 3;
            return first;
        }
        int second = end - at < 4 ? 0 : b[at + 2];
        if (second < 'a' || second > 'z' || b[at + 3] != '"') {
            throw NotCompact.INSTANCE;
        }
        at += 4;
        return first << 8 | second;
    }

    private String string() {
        expect('"');
        int from = at;
        int limit = Math.min(end, from + MAX_STRING);
        int i = from;
        // bytes are signed: every byte from 0x80 up is below 0x20 here
        while (i < limit && b[i] != '"') {
            byte c = b[i];
            if (c < 0x20 || c == 0x7F || c == '\\') {
                throw NotCompact.INSTANCE;
            }
            i++;
        }
        if (i >= limit) {
            throw NotCompact.INSTANCE;
        }
        at = i + 1;
        return new String(b, from, i - from, StandardCharsets.ISO_8859_1);
    }

    /** An integer of at most {@code digits} digits, optionally negative, without leading zeros (as JSON writes it). */
    private long number(int digits) {
        boolean negative = peek() == '-';
        if (negative) {
            at++;
        }
        int from = at;
        long value = 0;
        while (at < end && b[at] >= '0' && b[at] <= '9') {
            value = value * 10 + (b[at] - '0');
            at++;
        }
        int n = at - from;
        if (n == 0 || n > digits || (n > 1 && b[from] == '0')) {
            throw NotCompact.INSTANCE;
        }
        byte next = peek();
        if (next != ',' && next != '}') {
            throw NotCompact.INSTANCE; // a fraction, an exponent: Jackson says what it makes of them
        }
        return negative ? -value : value;
    }

    /**
     * A list as {@link Checkpoint} keeps it (unmodifiable), so its constructor's copy is no copy: a step's one or two
     * node names are most of a packed delta's header.
     */
    private List<String> strings() {
        expect('[');
        if (peek() == ']') {
            at++;
            return List.of();
        }
        String first = string();
        if (!comma()) {
            expect(']');
            return List.of(first);
        }
        List<String> out = new ArrayList<>(4);
        out.add(first);
        do {
            out.add(string());
        } while (comma());
        expect(']');
        return List.copyOf(out);
    }

    /** Metadata as {@link Checkpoint} keeps it (unmodifiable): a step's one entry (its graph) without a map to copy. */
    private Map<String, String> map() {
        expect('{');
        if (peek() == '}') {
            at++;
            return Map.of();
        }
        String key = string();
        expect(':');
        String value = string();
        if (!comma()) {
            expect('}');
            return Map.of(key, value);
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put(key, value);
        do {
            key = string();
            expect(':');
            out.put(key, string());
        } while (comma());
        expect('}');
        return out;
    }

    /** The header is not in the compact form this reads. */
    private static final class NotCompact extends RuntimeException {
        static final NotCompact INSTANCE = new NotCompact();

        private NotCompact() {
            super(null, null, false, false);
        }
    }
}
