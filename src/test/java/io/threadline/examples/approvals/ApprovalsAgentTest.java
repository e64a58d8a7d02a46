package io.threadline.examples.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.ToolBox;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.runtime.ThreadlineAgent;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The approvals example on the core runtime alone ({@code ThreadRuntime.builder(agent)}, in-memory store): the
 * policy's own decisions, a human's approval and rejection through the interrupt, the busy gateway retried
 * (attempts recorded, replayed the same), and the fan-out of {@code policy} and {@code history} in one step.
 */
class ApprovalsAgentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RefundPolicy POLICY = new RefundPolicy(10_000, 500_000, 3);

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final RefundTools gateway = new RefundTools(1);
    private final ThreadRuntime<RefundState> runtime = runtime(gateway);
    private final ThreadKey thread = ThreadKey.of("acme", "refund-1");

    private ThreadRuntime<RefundState> runtime(RefundTools tools) {
        ThreadlineAgent<RefundState> agent = ThreadlineAgent.of(ApprovalsAgentBean.NAME,
                ApprovalsAgent.graph(POLICY, Duration.ZERO), ToolBox.of(tools));
        return ThreadRuntime.builder(agent).store(store).build();
    }

    private static Update<RefundState> refund(String id, String customer, long cents) {
        return Update.of(RefundState.REQUEST.set(new RefundRequest(id, customer, cents, "damaged on arrival")));
    }

    private List<Checkpoint> history() {
        return store.history(thread, HistoryQuery.first(100)).checkpoints();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void aRefundWithinTheLimitIsPaidWithoutAskingAndTheBusyGatewayIsRetried() {
        RunResult<RefundState> run = runtime.run(thread, refund("r-100", "ann", 4_250), RunBudget.steps(10));

        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(run.steps()).extracting(s -> s.nodes())
                .containsExactly(List.of("intake"), List.of("policy", "history"), List.of("review"), List.of("pay"), List.of("notify"));
        RefundState done = run.state();
        assertThat(done.outcome()).isEqualTo(Outcome.REFUNDED);
        assertThat(done.approval()).isEqualTo(new Approval(true, Approval.POLICY, "42.50 is within the auto-approve limit of 100.00"));
        assertThat(done.paymentReference()).isEqualTo("rf-r-100-4250");
        assertThat(done.paymentRetries()).as("the gateway was busy once").isEqualTo(1);
        assertThat(gateway.calls("r-100")).isEqualTo(2);
        assertThat(done.log()).last().asString().isEqualTo("told ann: 42.50 refunded (rf-r-100-4250)");
        assertThat(run.steps()).allSatisfy(s -> assertThat(s.metadata().get("agent")).isEqualTo("approvals"));
    }

    @Test
    void theRetryIsRecordedInTheAttemptsMetadataAndReplaysTheSameWithoutCallingTheGateway() {
        RunResult<RefundState> run = runtime.run(thread, refund("r-101", "ann", 4_250), RunBudget.steps(10));
        var pay = run.steps().get(3);
        assertThat(pay.nodes()).containsExactly("pay");
        assertThat(pay.metadata()).containsEntry("attempts.pay", "2");

        RefundTools fresh = new RefundTools(1);
        ReplayReport report = runtime(fresh).replay(thread, CheckpointId.parse(pay.id().value()));

        assertThat(report.verdict()).as(report.summary()).isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(report.effectsServed()).as("both attempts' calls are served from the record").isEqualTo(report.effectsRecorded());
        assertThat(fresh.calls("r-101")).as("a replay calls no tool").isZero();
        for (Checkpoint cp : history()) {
            assertThat(runtime(new RefundTools(1)).replay(thread, cp.id()).verdict()).as("step " + cp.step()).isEqualTo(ReplayReport.Verdict.SAME);
        }
    }

    @Test
    void policyAndHistoryFanOutAndRunInOneStepOnTheSameInput() {
        runtime.step(thread, refund("r-102", "bo", 2_000), null);

        StepResult<RefundState> fanned = runtime.step(thread);

        assertThat(fanned.checkpoint().step()).isEqualTo(2);
        assertThat(fanned.checkpoint().nodes()).containsExactly("policy", "history");
        assertThat(fanned.checkpoint().next()).as("both branches join in review, once").containsExactly("review");
        assertThat(fanned.state().policy().verdict()).isEqualTo(PolicyCheck.Verdict.WITHIN_LIMIT);
        assertThat(fanned.state().priorRefunds()).isZero();
        assertThat(fanned.state().log()).hasSize(3).element(1).asString().startsWith("policy: ");
        assertThat(fanned.state().log()).element(2).asString().startsWith("history: 0 refund(s)");
    }

    @Test
    void aLargeRefundWaitsForAHumanAndIsPaidWhenApproved() {
        RunResult<RefundState> asked = runtime.run(thread, refund("r-200", "cy", 25_000), RunBudget.steps(10));

        assertThat(asked.stopReason()).isEqualTo(RunResult.StopReason.INTERRUPTED);
        var waiting = asked.steps().get(asked.steps().size() - 1);
        assertThat(waiting.status()).isEqualTo(Status.INTERRUPTED);
        assertThat(waiting.interrupt().tree().at("/node").asText()).isEqualTo("review");
        assertThat(waiting.interrupt().tree().at("/payload/question").asText())
                .isEqualTo("Approve this refund? 250.00 is over the auto-approve limit of 100.00");
        assertThat(waiting.interrupt().tree().at("/payload/request/amountCents").asLong()).isEqualTo(25_000);
        assertThat(gateway.calls("r-200")).isZero();

        StepResult<RefundState> approved = runtime.resume(thread,
                json("{\"approved\": true, \"approver\": \"dana\", \"comment\": \"loyal customer\"}"), "approve-r-200");
        assertThat(approved.state().approval()).isEqualTo(new Approval(true, "dana", "loyal customer"));
        assertThat(approved.checkpoint().next()).containsExactly("pay");

        RunResult<RefundState> rest = runtime.run(thread, Update.none(), RunBudget.steps(10));
        assertThat(rest.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(rest.state().outcome()).isEqualTo(Outcome.REFUNDED);
        assertThat(rest.state().paymentReference()).isEqualTo("rf-r-200-25000");
    }

    @Test
    void aRejectedRefundIsNotPaidAndTheCustomerIsTold() {
        runtime.run(thread, refund("r-300", "di", 40_000), RunBudget.steps(10));

        StepResult<RefundState> rejected = runtime.resume(thread,
                json("{\"approved\": false, \"approver\": \"dana\", \"comment\": \"outside the return window\"}"), null);
        assertThat(rejected.checkpoint().decisions()).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("rejected by dana"));
        RunResult<RefundState> rest = runtime.run(thread, Update.none(), RunBudget.steps(10));

        assertThat(rest.steps()).extracting(s -> s.nodes()).containsExactly(List.of("notify"));
        assertThat(rest.state().outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(rest.state().paymentReference()).isNull();
        assertThat(gateway.calls("r-300")).isZero();
        assertThat(rest.state().log()).last().asString().isEqualTo("told di: refund r-300 declined (outside the return window)");
    }

    @Test
    void aRefundOverTheMaximumIsRejectedByThePolicyWithoutAsking() {
        RunResult<RefundState> run = runtime.run(thread, refund("r-400", "ed", 600_000), RunBudget.steps(10));

        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(run.state().approval().approver()).isEqualTo(Approval.POLICY);
        assertThat(run.state().outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(gateway.calls("r-400")).isZero();
    }

    @Test
    void aFrequentCustomerNeedsApprovalEvenWithinTheLimit() {
        for (int i = 0; i < 3; i++) {
            runtime.run(thread, refund("r-50" + i, "fay", 1_000), RunBudget.steps(10));
        }
        RunResult<RefundState> fourth = runtime.run(thread, refund("r-503", "fay", 1_000), RunBudget.steps(10));

        assertThat(fourth.stopReason()).isEqualTo(RunResult.StopReason.INTERRUPTED);
        assertThat(fourth.state().priorRefunds()).isEqualTo(3);
        assertThat(fourth.state().approval()).as("the previous refund's approval is cleared by intake").isNull();
        assertThat(fourth.steps().get(fourth.steps().size() - 1).interrupt().tree().at("/payload/question").asText())
                .isEqualTo("Approve this refund? fay was refunded 3 times before");
    }

    @Test
    void aResumeValueThatIsNoApprovalIsRefusedAndTheThreadStillWaits() {
        runtime.run(thread, refund("r-600", "gus", 30_000), RunBudget.steps(10));
        List<Checkpoint> before = history();

        assertThatThrownBy(() -> runtime.resume(thread, json("\"yes\""), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("\"approved\": true|false");
                });
        assertThatThrownBy(() -> runtime.resume(thread, json("{\"approved\": true}"), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
                    assertThat(e.getMessage()).contains("approval.approver");
                });

        assertThat(history()).isEqualTo(before);
        assertThat(runtime.state(thread).checkpoint().status()).isEqualTo(Status.INTERRUPTED);
    }

    @Test
    void aStepWithoutARefundIsRefusedAndNothingIsStored() {
        assertThatThrownBy(() -> runtime.step(thread, Update.none(), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
                    assertThat(e.getMessage()).contains("request");
                });
        assertThat(history()).isEmpty();
    }

    @Test
    void aGatewayBusyForEveryAttemptFailsTheStepAndTheNextStepPays() {
        RefundTools veryBusy = new RefundTools(ApprovalsAgent.PAYMENT_ATTEMPTS);
        ThreadRuntime<RefundState> rt = runtime(veryBusy);

        RunResult<RefundState> run = rt.run(thread, refund("r-700", "hal", 500), RunBudget.steps(10));

        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.FAILED);
        var failed = run.steps().get(run.steps().size() - 1);
        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.metadata()).containsEntry("attempts.pay", "3");
        assertThat(failed.error().message()).contains("payment gateway busy (call 3 for refund r-700)");

        RunResult<RefundState> retried = rt.run(thread, Update.none(), RunBudget.steps(10));
        assertThat(retried.state().outcome()).isEqualTo(Outcome.REFUNDED);
        assertThat(retried.state().paymentRetries()).as("the fourth call, first of its step").isZero();
        assertThat(veryBusy.calls("r-700")).isEqualTo(4);
    }
}
