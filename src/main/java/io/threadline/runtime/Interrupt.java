package io.threadline.runtime;

import io.threadline.graph.InterruptPoint;
import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.state.StateCodec;

/**
 * What an INTERRUPTED thread waits for: the node, whether it stopped inside, before or after it, and
 * the payload to show whoever resumes it. Stored in the checkpoint as
 * {@code {"node", "when", "payload"}}.
 */
public record Interrupt(String node, InterruptPoint when, JsonNode payload) {

    /** The interrupt an INTERRUPTED checkpoint waits for. */
    public static Interrupt of(Checkpoint cp, StateCodec codec) {
        if (cp.interrupt() == null) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "checkpoint " + cp.id() + " waits for nothing");
        }
        JsonNode o = cp.interrupt().tree();
        return new Interrupt(o.get("node").asText(), InterruptPoint.valueOf(o.get("when").asText()), o.get("payload"));
    }
}
