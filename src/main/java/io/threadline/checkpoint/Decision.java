package io.threadline.checkpoint;

import java.util.List;

/** A routing decision taken after a node: where the graph went next, and why. */
public record Decision(String from, List<String> to, String reason) {
    public Decision {
        to = List.copyOf(to);
    }
}
