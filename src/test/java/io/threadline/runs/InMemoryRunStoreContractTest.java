package io.threadline.runs;

/** {@link RunStoreContract} on the in-memory run store (unit tests, local demos without DynamoDB). */
class InMemoryRunStoreContractTest extends RunStoreContract {

    @Override
    protected RunStore newStore() {
        return new InMemoryRunStore();
    }
}
