package io.threadline.runs.dynamodb;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.LocalTable;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.Counter;
import io.threadline.runs.DoubleTexting;
import io.threadline.runs.Run;
import io.threadline.runs.RunHarness;
import io.threadline.runs.RunMessage;
import io.threadline.runs.RunStatus;
import io.threadline.runtime.ThreadRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A background run's every step checks its run record inside its own TransactWriteItems (the run guard), and DynamoDB
 * refuses a plain PutItem or DeleteItem of an item an in-flight transaction holds with {@code TransactionConflictException}
 * (the SDK does not retry it). Enqueue, cancel and the thread delete's removal of the run, meeting a step's commit, must
 * read that as a lost race and try again — not fail with DEPENDENCY_UNAVAILABLE. The real SDK client against DynamoDB
 * Local, with an interceptor that refuses the next write(s) of a RUN item exactly as DynamoDB does (status 400, error code
 * TransactionConflictException), before it is sent: an in-flight transaction cannot be held open on DynamoDB Local.
 */
class DynamoDbRunStoreTransactionConflictTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AGENT = "counter";
    private static final AtomicInteger PUT_CONFLICTS = new AtomicInteger();
    private static final AtomicInteger DELETE_CONFLICTS = new AtomicInteger();
    private static final AtomicInteger REFUSED = new AtomicInteger();

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("run-conflict").intercepting(new InFlightTransaction());

    /**
     * Refuses the next PUT_CONFLICTS writes (PutItem, or the store's TransactWriteItems with a wake entry) and
     * DELETE_CONFLICTS DeleteItems of a run record, as a transaction in flight holding it would.
     */
    static final class InFlightTransaction implements ExecutionInterceptor {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            SdkRequest request = context.request();
            if (request instanceof PutItemRequest put && isRun(put.item()) && takeOne(PUT_CONFLICTS)
                    || request instanceof DeleteItemRequest delete && isRun(delete.key()) && takeOne(DELETE_CONFLICTS)) {
                REFUSED.incrementAndGet();
                throw (TransactionConflictException) TransactionConflictException.builder()
                        .statusCode(400)
                        .message("Transaction is ongoing for the item")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("TransactionConflictException")
                                .errorMessage("Transaction is ongoing for the item").serviceName("DynamoDb").build())
                        .build();
            }
            if (request instanceof TransactWriteItemsRequest transact
                    && transact.transactItems().stream().anyMatch(i -> i.put() != null && isRun(i.put().item()))
                    && takeOne(PUT_CONFLICTS)) {
                REFUSED.incrementAndGet();
                // DynamoDB cancels a transaction touching an item another transaction holds: one reason per action.
                List<CancellationReason> reasons = transact.transactItems().stream()
                        .map(i -> i.put() != null && isRun(i.put().item())
                                ? CancellationReason.builder().code("TransactionConflict").message("Transaction is ongoing for the item").build()
                                : CancellationReason.builder().code("None").build())
                        .toList();
                throw (TransactionCanceledException) TransactionCanceledException.builder()
                        .statusCode(400)
                        .message("Transaction cancelled, please refer cancellation reasons for specific reasons")
                        .cancellationReasons(reasons)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("TransactionCanceledException")
                                .errorMessage("Transaction cancelled").serviceName("DynamoDb").build())
                        .build();
            }
        }

        private static boolean isRun(Map<String, AttributeValue> key) {
            return key.get("pk").s().startsWith("RUN#");
        }

        private static boolean takeOne(AtomicInteger left) {
            return left.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        }
    }

    private record Deployment(CheckpointStore store, DynamoDbRunStore runStore, BackgroundRuns runs, List<RunMessage> sent) {}

    private static Deployment deployment() {
        CheckpointStore store = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC());
        DynamoDbRunStore runStore = new DynamoDbRunStore(TABLE.client(), TABLE.name(), 4);
        ThreadRuntime<Counter.State> runtime = ThreadRuntime.builder(Counter.GRAPH).store(store).agent(AGENT).build();
        List<RunMessage> sent = new ArrayList<>();
        BackgroundRuns runs = new BackgroundRuns(runStore, sent::add, store, RunHarness.runtimesOf(runtime), Clock.systemUTC(),
                () -> "run-" + UUID.randomUUID(), RunHarness.SETTINGS);
        return new Deployment(store, runStore, runs, sent);
    }

    private static ThreadKey newThread() {
        return ThreadKey.of("t-" + UUID.randomUUID().toString().substring(0, 8), "conflict-" + UUID.randomUUID());
    }

    /** Starts a run (input {@code target: 3}) on {@code thread}, its first step still to come: its record is there. */
    private static Run startRun(Deployment d, ThreadKey thread) {
        return d.runs().start(thread, AGENT, JSON.createObjectNode().put("target", 3), 10, DoubleTexting.REJECT, null, "test").run();
    }

    /** A deployment, its thread and the run started on it, with refusals armed. */
    private record Armed(Deployment d, ThreadKey thread, Run run) {}

    /** A run started on a new thread of a new deployment; then the next {@code refusals} writes {@code conflicts} counts are refused. */
    private static Armed startedRunWithConflicts(AtomicInteger conflicts, int refusals) {
        Deployment d = deployment();
        ThreadKey thread = newThread();
        Run run = startRun(d, thread);
        REFUSED.set(0);
        conflicts.set(refusals);
        return new Armed(d, thread, run);
    }

    @Test
    void enqueueMeetingAStepsCommitQueuesTheInputOnce() {
        Armed a = startedRunWithConflicts(PUT_CONFLICTS, 1);
        Deployment d = a.d();
        ThreadKey thread = a.thread();
        Run first = a.run();

        BackgroundRuns.Started queued = d.runs().start(thread, AGENT, JSON.createObjectNode().put("target", 5), 10,
                DoubleTexting.ENQUEUE, null, "test");

        assertThat(REFUSED.get()).as("the enqueue met the in-flight transaction once").isEqualTo(1);
        assertThat(queued.queued()).isTrue();
        Run stored = d.runStore().get(thread).orElseThrow();
        assertThat(stored.runId()).isEqualTo(first.runId());
        assertThat(stored.inputs()).as("both inputs, the second once").hasSize(2);
        assertThat(stored.version()).isEqualTo(first.version() + 1);
    }

    @Test
    void cancelMeetingAStepsCommitRecordsTheCancel() {
        Armed a = startedRunWithConflicts(PUT_CONFLICTS, 1);
        Deployment d = a.d();
        ThreadKey thread = a.thread();

        Run cancelled = d.runs().cancel(thread, "test");

        assertThat(REFUSED.get()).isEqualTo(1);
        // A run with a step to come is stopped by that step: the cancel is recorded on the run, once.
        assertThat(cancelled.cancelledBy()).isEqualTo("test");
        Run stored = d.runStore().get(thread).orElseThrow();
        assertThat(stored.cancelledBy()).isEqualTo("test");
        assertThat(stored.status()).isEqualTo(RunStatus.ACTIVE);
    }

    @Test
    void theDeletesRemovalOfTheRunMeetingAStepsCommitRemovesItWhole() {
        Armed a = startedRunWithConflicts(DELETE_CONFLICTS, 1);
        Deployment d = a.d();
        ThreadKey thread = a.thread();

        Map<String, Long> removed = d.runs().forget(thread);

        assertThat(REFUSED.get()).isEqualTo(1);
        assertThat(removed).containsEntry("runs", 1L).containsEntry("queuedInputs", 1L);
        assertThat(d.runStore().get(thread)).isEmpty();
        assertThat(TABLE.itemsNaming(thread)).as("no record, no wake entry left").isEmpty();
    }

    @Test
    void aDeleteThatKeepsMeetingCommitsAnswersARetryableConflictAndLeavesTheRunWhole() {
        Armed a = startedRunWithConflicts(DELETE_CONFLICTS, Integer.MAX_VALUE);
        Deployment d = a.d();
        ThreadKey thread = a.thread();
        Run started = a.run();

        try {
            assertThatThrownBy(() -> d.runs().forget(thread)).isInstanceOfSatisfying(ThreadlineException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        } finally {
            DELETE_CONFLICTS.set(0);
        }
        assertThat(d.runStore().get(thread)).contains(started);
        // Once the commits stop, the delete goes through.
        assertThat(d.runs().forget(thread)).containsEntry("runs", 1L);
        assertThat(TABLE.itemsNaming(thread)).isEmpty();
    }
}
