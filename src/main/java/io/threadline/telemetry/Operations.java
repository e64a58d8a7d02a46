package io.threadline.telemetry;

import io.threadline.OperationNames;

import java.util.Set;

/** The API's operation names, as span names may use them (a bounded set: no path from a request). */
final class Operations {

    private static final Set<String> NAMES = Set.copyOf(OperationNames.ALL);

    private Operations() {
    }

    static boolean known(String name) {
        return NAMES.contains(name);
    }
}
