package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.CheckpointStoreContract;
import io.threadline.runs.RunStore;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;

/** The DynamoDB store against the shared contract, on a real DynamoDB Local and a table of its own. */
class DynamoDbCheckpointStoreTest extends CheckpointStoreContract {

    private static DynamoDbClient client;
    private static String table;
    private static DynamoDbCheckpointStore store;
    private static DynamoDbCheckpointStore zstd;
    private static DynamoDbCheckpointStore packedByTwo;
    private static DynamoDbCheckpointStore packedByThree;

    @BeforeAll
    static void createTable() {
        client = LocalTables.client();
        table = LocalTables.newTable(client, "contract");
        store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC());
        zstd = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table)
                .withSizes(0, DynamoDbStoreSettings.DEFAULT_MAX_ITEM_BYTES, DynamoDbStoreSettings.DEFAULT_MAX_CHECKPOINT_BYTES)
                .withCompression(Compression.ZSTD).withZstdAboveBytes(0), Clock.systemUTC());
        packedByTwo = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table).withDeltasPerPack(2), Clock.systemUTC());
        packedByThree = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table).withDeltasPerPack(3), Clock.systemUTC());
    }

    @AfterAll
    static void dropTable() {
        LocalTables.drop(client, table);
        client.close();
    }

    @Override
    protected CheckpointStore store() {
        return store;
    }

    /** Run records on the store's own table, where the run guard's ConditionCheck reads them. */
    @Override
    protected RunStore runStore() {
        return new DynamoDbRunStore(client, table, 4);
    }

    /** The contract on another store of the same table, with the outer class's run records. */
    abstract class OnStore extends CheckpointStoreContract {

        private final CheckpointStore variant;

        OnStore(CheckpointStore variant) {
            this.variant = variant;
        }

        @Override
        protected CheckpointStore store() {
            return variant;
        }

        @Override
        protected RunStore runStore() {
            return DynamoDbCheckpointStoreTest.this.runStore();
        }
    }

    /**
     * The same contract with {@code threadline.dynamodb.compression=zstd} and every envelope compressed in zstd (deltas
     * too: {@code zstd-above-bytes=0}): the codec changes stored bytes, nothing the contract asks.
     */
    @Nested
    class Zstd extends OnStore {
        Zstd() {
            super(zstd);
        }
    }

    /**
     * The same contract with deltas packed by two: every even step packs the two steps before it, so the contract's
     * chains, histories and lookups read packs and the deltas' own items at every point.
     */
    @Nested
    class PackedByTwo extends OnStore {
        PackedByTwo() {
            super(packedByTwo);
        }
    }

    /** Packed by three: packs of three, and blocks that a snapshot cuts short. */
    @Nested
    class PackedByThree extends OnStore {
        PackedByThree() {
            super(packedByThree);
        }
    }
}
