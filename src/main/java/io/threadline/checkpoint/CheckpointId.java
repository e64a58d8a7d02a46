package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A checkpoint id: 128 bits, a millisecond timestamp followed by random bits, written as 26
 * characters of Crockford base32 (a ULID). Ids sort by time as strings, which is the order storage
 * keys need; within one thread each id is strictly greater than its parent's.
 */
public record CheckpointId(String value) implements Comparable<CheckpointId> {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final int LENGTH = 26;
    /**
     * Each ASCII character's value in {@link #ALPHABET}, -1 for one not in it. Every checkpoint a read decodes parses
     * two ids (its own and its parent's): a scan of the alphabet per character was ~half of decoding a packed delta's
     * envelope (s39).
     */
    private static final byte[] VALUES = values();

    public CheckpointId {
        if (value == null || value.length() != LENGTH || !valid(value)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "a checkpoint id is 26 characters of Crockford base32, got '" + value + "'",
                    Map.of("field", "checkpointId"));
        }
    }

    public static CheckpointId parse(String value) {
        return new CheckpointId(value);
    }

    /**
     * A new id for time {@code now}, strictly greater than {@code after} when given (so a thread's
     * ids stay ordered even when the clock steps back or two steps share a millisecond).
     */
    public static CheckpointId next(Instant now, RandomGenerator random, CheckpointId after) {
        long hi = (now.toEpochMilli() << 16) | (random.nextInt() & 0xFFFFL);
        long lo = random.nextLong();
        if (after != null) {
            long[] prev = after.bits();
            if (Long.compareUnsigned(hi, prev[0]) < 0 || (hi == prev[0] && Long.compareUnsigned(lo, prev[1]) <= 0)) {
                hi = prev[0];
                lo = prev[1] + 1;
                if (lo == 0) {
                    hi++;
                }
            }
        }
        return new CheckpointId(encode(hi, lo));
    }

    /** The smallest id of millisecond {@code at}: every id made at or after it sorts at or above this one. */
    public static CheckpointId earliestAt(Instant at) {
        return new CheckpointId(encode(at.toEpochMilli() << 16, 0));
    }

    /** The millisecond the id was made at. */
    public Instant timestamp() {
        return Instant.ofEpochMilli(bits()[0] >>> 16);
    }

    private long[] bits() {
        long hi = 0;
        long lo = 0;
        // 26 chars * 5 bits = 130 bits; the first char carries only the top 3 bits.
        for (int i = 0; i < LENGTH; i++) {
            int v = decodeChar(value.charAt(i));
            hi = (hi << 5) | (lo >>> 59);
            lo = (lo << 5) | v;
        }
        return new long[] {hi, lo};
    }

    private static String encode(long hi, long lo) {
        char[] out = new char[LENGTH];
        for (int i = LENGTH - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo = (lo >>> 5) | (hi << 59);
            hi >>>= 5;
        }
        return new String(out);
    }

    private static boolean valid(String s) {
        if (s.charAt(0) > '7') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (decodeChar(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static int decodeChar(char c) {
        return c < VALUES.length ? VALUES[c] : -1;
    }

    private static byte[] values() {
        byte[] values = new byte[128];
        Arrays.fill(values, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            values[ALPHABET[i]] = (byte) i;
        }
        return values;
    }

    @Override
    public int compareTo(CheckpointId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
