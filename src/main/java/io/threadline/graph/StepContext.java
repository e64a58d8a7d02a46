package io.threadline.graph;

import java.time.Instant;

/**
 * What a node may ask of the world during a step. Only through here, so that what it got can be
 * recorded and replayed.
 */
public interface StepContext {

    String tenant();

    String threadId();

    /** The step being computed (the new checkpoint's step number). */
    long step();

    /** The current time, from the runtime's clock. */
    Instant now();

    /** A fresh unique, time-ordered id. */
    String newId();
}
