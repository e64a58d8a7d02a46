package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.Faults.Fault;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * DynamoDB failing under the store: throttling, server errors, I/O errors and lost responses, with the
 * production retry policy (standard mode, 4 attempts; only the backoff is shortened). Transient
 * failures are absorbed; persistent ones surface as DEPENDENCY_UNAVAILABLE with nothing written.
 */
class DynamoDbFailureTest {

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("failures");
    private static Faults.FailingHttp failing;
    private static Faults.LostResponses lost;
    private static DynamoDbClient faulty;
    private static DynamoDbCheckpointStore store;

    private final Steps steps = new Steps(Instant.now());

    @BeforeAll
    static void createTable() {
        failing = new Faults.FailingHttp(UrlConnectionHttpClient.create());
        lost = new Faults.LostResponses("TransactWriteItems");
        faulty = Faults.client(failing, lost);
        store = new DynamoDbCheckpointStore(faulty, DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC());
    }

    @AfterAll
    static void dropTable() {
        faulty.close();
    }

    private Checkpoint startThread() {
        Checkpoint first = steps.first(ThreadKey.of("failures", "th-" + UUID.randomUUID()));
        store.commit(new Commit(first, 0));
        return first;
    }

    private static List<Map<String, AttributeValue>> items(ThreadKey thread) {
        return LocalTables.items(TABLE.client(), TABLE.name(), thread);
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"THROTTLING", "SERVER_ERROR", "IO"})
    void twoTransientFailuresAreRetriedAndTheCommitLandsOnce(Fault fault) {
        Checkpoint first = startThread();
        Checkpoint next = steps.next(first, false);
        failing.failNext(2, fault, "TransactWriteItems");

        CommitResult result = store.commit(new Commit(next, 1));

        assertThat(result.duplicate()).isFalse();
        assertThat(failing.attempts()).isEqualTo(3);
        assertThat(LocalTables.sortKeys(items(first.thread())).stream().filter(Keys::isCheckpoint)).hasSize(2);
        assertThat(store.head(first.thread())).contains(new ThreadHead(next.id(), 2));
    }

    @Test
    void aCommitWhoseResponsesWereLostIsRetriedWithItsTokenAndLandsOnce() {
        // The transaction executes, its answer is replaced by a 500 twice; the SDK retries with the same
        // ClientRequestToken, which DynamoDB answers as the same, already applied, transaction.
        Checkpoint first = startThread();
        Checkpoint next = steps.next(first, false);
        lost.loseNext(2, Fault.SERVER_ERROR);

        CommitResult result = store.commit(new Commit(next, 1));

        assertThat(result.checkpoint()).isEqualTo(next);
        assertThat(lost.attempts()).isEqualTo(3);
        assertThat(LocalTables.sortKeys(items(first.thread())).stream().filter(Keys::isCheckpoint)).hasSize(2);
        assertThat(store.head(first.thread())).contains(new ThreadHead(next.id(), 2));
    }

    @Test
    void aTransactionConflictIsRetriedByTheStore() {
        Checkpoint first = startThread();
        Checkpoint next = steps.next(first, false);
        failing.failNext(1, Fault.TRANSACTION_CONFLICT, "TransactWriteItems");

        assertThat(store.commit(new Commit(next, 1)).checkpoint()).isEqualTo(next);
        assertThat(failing.attempts()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"THROTTLING", "SERVER_ERROR", "IO", "TRANSACTION_THROTTLED"})
    void persistentFailuresAreDependencyUnavailableAndWriteNothing(Fault fault) {
        Checkpoint first = startThread();
        List<Map<String, AttributeValue>> before = items(first.thread());
        // A throttled transaction is an answer to TransactWriteItems only; the others can hit any call.
        boolean transactionOnly = fault == Fault.TRANSACTION_THROTTLED;
        failing.failNext(Integer.MAX_VALUE, fault, transactionOnly ? "TransactWriteItems" : null);
        try {
            assertThatThrownBy(() -> store.commit(new Commit(steps.next(first, false), 1)))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("safe to retry");
                        assertThat(e.details()).containsEntry("operation", "commit").containsEntry("table", TABLE.name())
                                .containsEntry("awsErrorCode", switch (fault) {
                                    case THROTTLING -> "ThrottlingException";
                                    case SERVER_ERROR -> "InternalServerError";
                                    case TRANSACTION_THROTTLED -> "ThrottlingError";
                                    default -> "SdkClientException";
                                });
                    });
            // A cancelled transaction is an answer, not a failure: the SDK does not retry it.
            assertThat(failing.attempts()).isEqualTo(transactionOnly ? 1 : Faults.MAX_ATTEMPTS);
            if (!transactionOnly) {
                assertThatThrownBy(() -> store.loadLatest(first.thread()))
                        .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                            assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                            assertThat(e.details()).containsEntry("operation", "loadLatest");
                        });
            }
        } finally {
            failing.failNext(0, fault, null);
        }
        assertThat(items(first.thread())).isEqualTo(before);
    }

    @Test
    void anUnreachableEndpointIsDependencyUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (DynamoDbClient nowhere = DynamoDbLocal.get().clientBuilder()
                .endpointOverride(URI.create("http://127.0.0.1:" + closedPort))
                .overrideConfiguration(o -> o.retryStrategy(Faults.fastRetry()))
                .build()) {
            DynamoDbCheckpointStore unreachable = new DynamoDbCheckpointStore(nowhere, DynamoDbStoreSettings.defaults(TABLE.name()),
                    Clock.systemUTC());
            ThreadKey thread = ThreadKey.of("failures", "th-" + UUID.randomUUID());
            assertThatThrownBy(() -> unreachable.commit(new Commit(steps.first(thread), 0)))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("did not get an answer").contains("safe to retry");
                    });
            assertThat(items(thread)).isEmpty();
        }
    }

    @Test
    void aMissingTableSaysHowToCreateIt() {
        DynamoDbCheckpointStore noTable = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults("no-such-table"),
                Clock.systemUTC());
        assertThatThrownBy(() -> noTable.head(ThreadKey.of("failures", "x")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                    assertThat(e.getMessage()).contains("does not exist").contains("infra/dynamodb/table.json");
                    assertThat(e.details()).containsEntry("awsErrorCode", "ResourceNotFoundException");
                });
    }

    /**
     * A delete that DynamoDB stops half way (its batch deletes keep failing) leaves the thread closed: no reader
     * finds it, every commit — of the next step, or of a first step starting the id anew — is THREAD_DELETED and
     * writes nothing. Running the delete again finishes it, reports what it removed then (the head it closed
     * the first time included), and frees the id.
     */
    @Test
    void anInterruptedDeleteLeavesTheThreadClosedUntilItIsRunAgain() {
        Checkpoint first = startThread();
        Checkpoint second = steps.next(first, false);
        store.commit(new Commit(second, 1));
        ThreadKey thread = first.thread();
        failing.failNext(Faults.MAX_ATTEMPTS, Fault.SERVER_ERROR, "BatchWriteItem");

        assertThatThrownBy(() -> store.delete(thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));

        assertThat(store.head(thread)).isEmpty();
        assertThat(store.loadLatest(thread)).isEmpty();
        assertThat(LocalTables.sortKeys(items(thread)).stream().filter(Keys::isCheckpoint)).as("the items are still there").hasSize(2);
        int before = items(thread).size();
        assertThatThrownBy(() -> store.commit(new Commit(steps.next(second, false), 2)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.THREAD_DELETED);
                    assertThat(e.getMessage()).contains("running it again");
                });
        assertThatThrownBy(() -> store.commit(new Commit(steps.first(thread), 0)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_DELETED));
        assertThat(items(thread)).hasSize(before);

        ThreadDeletion finished = store.delete(thread);

        assertThat(finished.checkpoints()).isEqualTo(2);
        assertThat(finished.heads()).as("the head the first attempt closed").isEqualTo(1);
        assertThat(items(thread)).isEmpty();
        assertThat(store.delete(thread)).isEqualTo(ThreadDeletion.NONE);
        assertThat(store.commit(new Commit(steps.first(thread), 0)).duplicate()).isFalse();
    }
}
