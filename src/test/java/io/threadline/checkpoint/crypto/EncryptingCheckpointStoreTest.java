package io.threadline.checkpoint.crypto;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.CheckpointStoreContract;
import io.threadline.checkpoint.InMemoryCheckpointStore;

import java.security.SecureRandom;

/** The encrypting store over the in-memory one, with a configured key, against the shared contract. */
class EncryptingCheckpointStoreTest extends CheckpointStoreContract {

    private final CheckpointStore store = new EncryptingCheckpointStore(new InMemoryCheckpointStore(),
            new LocalKeyProvider(new SecureRandom().generateSeed(32), new SecureRandom()), new InMemoryDataKeyStore(),
            new SecureRandom(), 100);

    @Override
    protected CheckpointStore store() {
        return store;
    }

    /** The payload is sealed at rest: the listing says where a thread waits, not what it was asked. */
    @Override
    protected boolean listsInterruptPayloads() {
        return false;
    }
}
