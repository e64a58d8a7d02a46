package io.threadline.memory;

/** The in-memory store against the shared memory contract. */
class InMemoryMemoryStoreTest extends MemoryStoreContract {

    private final MemoryStore store = new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);

    @Override
    protected MemoryStore store() {
        return store;
    }
}
