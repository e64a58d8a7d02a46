package io.threadline.checkpoint;

/** The in-memory store against the shared contract. */
class InMemoryCheckpointStoreTest extends CheckpointStoreContract {

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();

    @Override
    protected CheckpointStore store() {
        return store;
    }
}
