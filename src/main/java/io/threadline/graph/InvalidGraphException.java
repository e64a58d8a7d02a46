package io.threadline.graph;

import java.util.List;

/**
 * A graph definition that cannot run, found when it is compiled (at start-up, never mid-thread).
 * Lists every problem at once.
 */
public class InvalidGraphException extends IllegalStateException {

    private final List<String> problems;

    public InvalidGraphException(List<String> problems) {
        super("invalid graph:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
