package io.threadline.effects;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

/**
 * A replay asked for something other than what was recorded at that point: another call, other
 * arguments, a call too many — or left a recorded call unmade. Names the call on both sides.
 */
public final class NonDeterministicException extends ThreadlineException {

    private final Divergence divergence;

    public NonDeterministicException(Divergence divergence) {
        super(ErrorCode.NON_DETERMINISTIC, divergence.message());
        this.divergence = divergence;
    }

    public Divergence divergence() {
        return divergence;
    }

    /**
     * Where a replay left the record.
     *
     * @param node     the node that diverged
     * @param attempt  its attempt
     * @param index    the position of the call within that attempt, from 0
     * @param expected the recorded call at that position ({@code null}: none was recorded)
     * @param actual   the call the code made ({@code null}: it made none where one was recorded)
     * @param message  a sentence naming both
     */
    public record Divergence(String node, int attempt, int index, Call expected, Call actual, String message) {}

    /** One call as compared on replay. */
    public record Call(EffectKind kind, String name, JsonNode request) {

        @Override
        public String toString() {
            return kind + " " + name + (request == null || request.isNull() ? "" : " " + Effects.abbreviate(request.toString(), 200));
        }
    }
}
