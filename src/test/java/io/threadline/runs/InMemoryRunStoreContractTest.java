package io.threadline.runs;

import io.threadline.checkpoint.ThreadKey;

/** {@link RunStoreContract} on the in-memory run store (unit tests, local demos without DynamoDB). */
class InMemoryRunStoreContractTest extends RunStoreContract {

    @Override
    protected RunStore newStore() {
        return new InMemoryRunStore();
    }

    @Override
    protected long wakeEntries(ThreadKey thread) {
        return ((InMemoryRunStore) store).filed(thread) ? 1 : 0;
    }
}
