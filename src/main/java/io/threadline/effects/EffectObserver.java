package io.threadline.effects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Watches the calls a step makes to the world as they happen: told before a live call is made and
 * when it ended (with the {@link Effect} as recorded), and when a recorded result is served again
 * instead of a call (a SYNC retry reusing what an earlier attempt got).
 *
 * <p>Telemetry implements this (one span per model or tool call, timed around the real call); the
 * core never depends on what an observer does. An observer must not throw: it runs inside the step.
 * Replays are not observed — they make no call.
 */
public interface EffectObserver {

    /** Observes nothing. */
    EffectObserver NONE = new EffectObserver() {
    };

    /**
     * A live call of {@code node}'s attempt is about to be made.
     *
     * @param request what is asked, in its recorded JSON form (for a model, its messages and tool specifications)
     * @return told exactly once how the call ended; {@link Call#NONE} to ignore it
     */
    default Call calling(String node, int attempt, EffectKind kind, String name, JsonNode request) {
        return Call.NONE;
    }

    /** A recorded result was served in place of a call (it was made by an earlier attempt). */
    default void served(Effect effect) {
    }

    /** One live call in flight. */
    interface Call {

        /** Ignores how the call ended. */
        Call NONE = effect -> {
        };

        /** The call ended; {@code recorded} holds its response or its error. */
        void ended(Effect recorded);
    }
}
