package io.threadline.checkpoint;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a checkpoint stores its state: the whole state (a snapshot) or the change against its parent
 * (a JSON Patch). Both are UTF-8 JSON; stores keep the bytes as they are.
 */
public sealed interface StateChange {

    byte[] json();

    default int size() {
        return json().length;
    }

    default String jsonText() {
        return new String(json(), StandardCharsets.UTF_8);
    }

    /** The whole state as JSON. */
    record Snapshot(byte[] json) implements StateChange {
        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s && Arrays.equals(json, s.json);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(json);
        }

        @Override
        public String toString() {
            return "Snapshot[" + json.length + " bytes]";
        }
    }

    /** An RFC 6902 JSON Patch against the parent checkpoint's state. */
    record Delta(byte[] json) implements StateChange {
        @Override
        public boolean equals(Object o) {
            return o instanceof Delta d && Arrays.equals(json, d.json);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(json);
        }

        @Override
        public String toString() {
            return "Delta[" + json.length + " bytes]";
        }
    }
}
