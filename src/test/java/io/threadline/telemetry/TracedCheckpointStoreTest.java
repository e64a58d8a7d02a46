package io.threadline.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.CheckpointStoreContract;
import io.threadline.checkpoint.InMemoryCheckpointStore;

/**
 * The traced store is what the runtime talks to whenever telemetry is on: it must keep every promise of the SPI,
 * optional capabilities (listing, tags, head scans, delete) included — a method it does not forward would fall back
 * to the SPI's default and refuse what the store beneath can do.
 */
class TracedCheckpointStoreTest extends CheckpointStoreContract {

    private final CheckpointStore store = ThreadlineTelemetry.of(OpenTelemetry.noop()).checkpointStore(new InMemoryCheckpointStore());

    @Override
    protected CheckpointStore store() {
        return store;
    }
}
