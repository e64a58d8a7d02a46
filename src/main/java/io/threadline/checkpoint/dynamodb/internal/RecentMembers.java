package io.threadline.checkpoint.dynamodb.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last few full gzip members the writer deflated, each kept with its input. A thread's next snapshot repeats the
 * bytes of its last one up to where the state changed — a conversation appends — so where the envelope's header kept
 * its length, the members over that prefix have the same input, and deflate gives the same bytes for the same input.
 * Deflate is most of a snapshot step's CPU (W1 at T=1000: ~18 ms for its 0.9 MB state, the mean CPU per step's excess
 * over the median; issue 22, bench/README.md), and that step's CPU counts in the mean.
 *
 * <p>A kept member is used only when its input is byte for byte the new one (found by the CRC32 the trailer needs
 * anyway, then compared in full), so what is stored is exactly what deflating would have written; the member header's
 * payload length is the writer's to rewrite. Bounded at {@link #KEPT} members (~200 KB each with their input): a state
 * of more members than that evicts its own members before its next snapshot and is simply deflated, as before.
 */
final class RecentMembers {

    /** Members kept: the middle members of two or three ~1 MB states (a first and last member are never kept). */
    static final int KEPT = 16;

    private record Kept(byte[] input, byte[] member) {}

    private final Map<Long, Kept> kept = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Kept> eldest) {
            return size() > KEPT;
        }
    };

    /** The member kept for input {@code in[from, to)} of CRC32 {@code crc}, or null; the array is not to be changed. */
    synchronized byte[] find(int crc, byte[] in, int from, int to) {
        Kept k = kept.get(key(crc, to - from));
        return k != null && Arrays.equals(k.input(), 0, k.input().length, in, from, to) ? k.member() : null;
    }

    /** Keeps {@code out[at, at + length)}, the member deflated from {@code in[from, to)} of CRC32 {@code crc}. */
    synchronized void keep(int crc, byte[] in, int from, int to, byte[] out, int at, int length) {
        kept.put(key(crc, to - from), new Kept(Arrays.copyOfRange(in, from, to), Arrays.copyOfRange(out, at, at + length)));
    }

    synchronized int size() {
        return kept.size();
    }

    private static long key(int crc, int length) {
        return (long) length << 32 | (crc & 0xffffffffL);
    }
}
