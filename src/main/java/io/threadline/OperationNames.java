package io.threadline;

import java.util.List;

/**
 * The names of Threadline's operations — Lambda functions, HTTP routes, span names — in one place. The API's
 * handler table ({@code io.threadline.api.Operations}) refuses to start unless it handles exactly these, and
 * telemetry names spans by them; tests hold template.yaml, the direct functions and the README to this list.
 */
public final class OperationNames {

    /** Every operation, in the order the README's table lists them. */
    public static final List<String> ALL = List.of("step", "run", "state", "history", "resume", "fork", "rewind", "update",
            "replay", "export", "delete", "erase", "memory-search", "memory-put", "memory-delete", "memory-forget", "memory-history", "start", "cancel", "run-status", "threads", "tag",
            "migration-dry-run");

    private OperationNames() {
    }
}
