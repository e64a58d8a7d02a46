package io.threadline.checkpoint;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * How a checkpoint stores its state: the whole state (a snapshot) or the change against its parent
 * (a JSON Patch). Both are UTF-8 JSON; stores keep the bytes as they are. Two changes are equal when they
 * are of the same kind and hold the same bytes.
 */
public abstract sealed class StateChange permits StateChange.Snapshot, StateChange.Delta {

    private final byte[] json;

    private StateChange(byte[] json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    public final byte[] json() {
        return json;
    }

    public final int size() {
        return json.length;
    }

    public final String jsonText() {
        return new String(json, StandardCharsets.UTF_8);
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && Arrays.equals(json, ((StateChange) o).json);
    }

    @Override
    public final int hashCode() {
        return 31 * Arrays.hashCode(json) + (this instanceof Snapshot ? 1 : 0);
    }

    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[" + json.length + " bytes]";
    }

    /** The whole state as JSON. */
    public static final class Snapshot extends StateChange {
        public Snapshot(byte[] json) {
            super(json);
        }
    }

    /** An RFC 6902 JSON Patch against the parent checkpoint's state. */
    public static final class Delta extends StateChange {
        public Delta(byte[] json) {
            super(json);
        }
    }
}
