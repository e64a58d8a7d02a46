package io.threadline.runtime.internal;

import io.threadline.graph.InterruptPoint;
import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.graph.internal.InterruptSignal;
import io.threadline.state.StateCodec;

/** What an INTERRUPTED checkpoint keeps of what it waits for, from the graph's interrupt. */
final class Interrupts {

    private Interrupts() {
    }

    /** A node's interrupt (inside, before or after it), its payload as JSON. */
    static InterruptPayload of(InterruptSignal signal, StateCodec codec) {
        return InterruptPayload.of(signal.node(), signal.when().name(),
                signal.payload() instanceof JsonNode j ? j : codec.toTree(signal.payload()));
    }

    /** The pause a node asked for after it ran: its payload names the node. */
    static InterruptPayload after(String node, StateCodec codec) {
        return InterruptPayload.of(node, InterruptPoint.AFTER.name(), codec.mapper().createObjectNode().put("after", node));
    }
}
