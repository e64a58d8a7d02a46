package io.threadline.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.effects.EffectKind;
import io.threadline.effects.NonDeterministicException;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.opensearch.MemoryDocument;
import io.threadline.runs.Run;
import io.threadline.runs.RunMessage;
import io.threadline.runs.RunStatus;
import io.threadline.runtime.ReplayReport;

/**
 * Every type Jackson reads or writes, registered for reflection at build time so a native image can
 * bind it (the JVM needs none of this). Funqy registers the parameter and return types of the functions
 * it exports, but not what the API Gateway function writes as an {@code Object}, what our own mappers
 * read (requests, the checkpoint outbox, OpenSearch documents), nor the state records
 * {@code StateSchema} reads through their components, canonical constructor and channel constants — each
 * agent registers its own state and tool types where it is declared ({@code AgentNativeRegistrationTest}).
 * {@code NativeRegistrationsTest} fails when a serialised type is missing here.
 */
@RegisterForReflection(targets = {
        // API: what callers send and what they get back.
        Requests.Step.class, Requests.Run.class, Requests.State.class, Requests.History.class,
        Requests.Resume.class, Requests.Fork.class, Requests.Rewind.class, Requests.Update.class, Requests.Replay.class, Requests.Export.class, Requests.Delete.class, Requests.MemorySearch.class, Requests.MemoryPut.class, Requests.MemoryDelete.class, Requests.MemoryHistory.class, Requests.MemoryForget.class,
        Requests.Start.class, Requests.Cancel.class, Replies.Start.class, Replies.Cancel.class, Replies.RunInfo.class,
        Requests.RunStatus.class, Replies.RunStatus.class,
        RunFunctions.BatchResponse.class, RunFunctions.BatchItemFailure.class, RunFunctions.SweepResult.class, MemoryCompactFunction.Reply.class,
        Run.class, Run.Queued.class, RunStatus.class, RunMessage.class,
        Replies.Step.class, Replies.Run.class, Replies.State.class, Replies.History.class, Replies.CheckpointEntry.class,
        Replies.Replay.class, Replies.Export.class, Replies.Delete.class, Replies.MemorySearch.class, Replies.MemoryPut.class, Replies.MemoryDelete.class, Replies.MemoryHistory.class, Replies.MemoryForget.class, Replies.Memory.class,
        Requests.Threads.class, Requests.Tag.class, Requests.MigrationDryRun.class, Replies.MigrationDryRun.class, Replies.DryRunExample.class,
        EraseOperation.Request.class, EraseOperation.Reply.class, SubjectErasure.Signed.class,
        Replies.Threads.class, Replies.ThreadEntry.class, Replies.Tag.class, ThreadSummary.Waiting.class,
        ErrorBody.class, ErrorBody.Envelope.class, ApiGatewayFunction.HttpResponse.class,
        CheckpointSummary.class, Decision.class, Status.class, StepError.class,
        ReplayReport.class, ReplayReport.Verdict.class, ReplayReport.FieldDifference.class,
        NonDeterministicException.Divergence.class, NonDeterministicException.Call.class, EffectKind.class,
        // Memory: the writes a checkpoint's outbox carries, and the OpenSearch document.
        MemoryWrite.class, MemoryDocument.class})
final class NativeRegistrations {

    private NativeRegistrations() {
    }
}
