package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.graph.InterruptSignal;
import io.threadline.state.StateCodec;

/** What an INTERRUPTED checkpoint stores of what it waits for: {@code {"node", "when", "payload"}}. */
final class Interrupts {

    private Interrupts() {
    }

    static String json(InterruptSignal signal, StateCodec codec) {
        return write(signal.node(), signal.when(), signal.payload() instanceof JsonNode j ? j : codec.toTree(signal.payload()), codec);
    }

    static String after(String node, StateCodec codec) {
        return write(node, InterruptSignal.When.AFTER, codec.mapper().createObjectNode().put("after", node), codec);
    }

    private static String write(String node, InterruptSignal.When when, JsonNode payload, StateCodec codec) {
        ObjectNode o = codec.mapper().createObjectNode();
        o.put("node", node).put("when", when.name()).set("payload", payload);
        return o.toString();
    }
}
