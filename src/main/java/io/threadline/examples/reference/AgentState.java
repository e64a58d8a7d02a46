package io.threadline.examples.reference;

import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.MapChannel;
import io.threadline.state.SchemaVersion;
import io.threadline.state.ValueChannel;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.util.List;
import java.util.Map;

/**
 * The reference agent's state, the seed's fields typed: the conversation, the task being worked
 * on, what tools returned, how often the current task was retried and the last routing decision;
 * and what the current turn carries from node to node (one node per step, so through the state):
 * the tool calls the model asked for with their results, the model's direct answer when it asked
 * for none, and the memories recalled for the task.
 */
@SchemaVersion(1)
public record AgentState(
        @NotNull @Size(max = 20_000) List<@NotNull @Valid Message> messages,
        @Size(max = 2_000) String currentTask,
        @NotNull Map<String, @NotNull @Size(max = 100_000) String> toolOutputs,
        @PositiveOrZero @Max(5) int retryCount,
        String lastDecision,
        @NotNull @Size(max = 16) List<@NotNull @Valid ToolCall> toolCalls,
        @Size(max = 100_000) String directAnswer,
        @NotNull @Size(max = 10) List<@NotNull @Size(max = 100_000) String> memories) {

    public static final ListChannel<AgentState, Message> MESSAGES = Channel.appending("messages");
    public static final ValueChannel<AgentState, String> CURRENT_TASK = Channel.overwriting("currentTask");
    public static final MapChannel<AgentState, String> TOOL_OUTPUTS = Channel.merging("toolOutputs");
    public static final ValueChannel<AgentState, Integer> RETRY_COUNT = Channel.overwriting("retryCount");
    public static final ValueChannel<AgentState, String> LAST_DECISION = Channel.overwriting("lastDecision");
    /** Replaced every turn: a turn's calls are not the next turn's. */
    public static final ValueChannel<AgentState, List<ToolCall>> TOOL_CALLS = Channel.overwriting("toolCalls");
    public static final ValueChannel<AgentState, String> DIRECT_ANSWER = Channel.overwriting("directAnswer");
    public static final ValueChannel<AgentState, List<String>> MEMORIES = Channel.overwriting("memories");

    /** The latest message from the user, or null. */
    public Message lastUserMessage() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).role())) {
                return messages.get(i);
            }
        }
        return null;
    }
}
