package io.threadline.telemetry;

import java.util.Set;

/** The API's operation names, as span names may use them (a bounded set: no path from a request). */
final class Operations {

    private static final Set<String> NAMES = Set.copyOf(io.threadline.OperationNames.ALL);

    private Operations() {
    }

    static boolean known(String name) {
        return NAMES.contains(name);
    }
}
