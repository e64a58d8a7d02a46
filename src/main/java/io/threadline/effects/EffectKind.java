package io.threadline.effects;

/** What a recorded effect was. */
public enum EffectKind {
    /** A chat model call: the request sent, the reply received. */
    MODEL,
    /** A tool call: name and arguments, the result text. */
    TOOL,
    /** A reading of the clock. */
    CLOCK,
    /** A fresh id. */
    ID,
    /** A long-term memory search: namespace, query, k; the memories found. */
    RECALL,
    /** The value a thread was resumed with, as the node received it (from whoever answered the interrupt). */
    RESUME,
    /** Not a call: the attempt of the node ended with this exception (so a replay expects it again). */
    FAILURE
}
