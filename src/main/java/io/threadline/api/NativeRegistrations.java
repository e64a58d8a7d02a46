package io.threadline.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.agent.AgentState;
import io.threadline.agent.Message;

/**
 * Types a native image must keep reflective access to, registered at build time: request records
 * bound by our own mapper, the error envelope, and the reference agent's state (read by
 * {@code StateSchema} through its record components, canonical constructor and channel constants).
 * Funqy registers only the parameter and return types of the functions themselves.
 */
@RegisterForReflection(targets = {
        Requests.Step.class, Requests.Run.class, Requests.State.class, Requests.History.class,
        Requests.Resume.class, Requests.Fork.class, Requests.Rewind.class, Requests.Update.class, Requests.Replay.class, Requests.MemorySearch.class, Requests.MemoryPut.class, Requests.MemoryDelete.class,
        Replies.Memory.class, io.threadline.runtime.ReplayReport.class, io.threadline.runtime.ReplayReport.FieldDifference.class,
        io.threadline.effects.NonDeterministicException.Divergence.class, io.threadline.effects.NonDeterministicException.Call.class,
        io.threadline.checkpoint.StepError.class, io.threadline.checkpoint.Decision.class,
        ErrorBody.class, ErrorBody.Envelope.class,
        AgentState.class, Message.class})
final class NativeRegistrations {

    private NativeRegistrations() {
    }
}
