package io.threadline.examples.reference;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * A tool call the model asked for in the current turn and, once {@code execute} ran it, its result.
 *
 * @param id        the model's id for the call (answers refer to it); may be null for models that give none
 * @param name      the tool
 * @param arguments the arguments as the model wrote them, a JSON object
 * @param result    the tool's output text (an error reads {@code error: …}); null until the tool ran
 */
// Part of the stored state, read and written by the JSON codec: a native image must keep its accessors.
@RegisterForReflection
public record ToolCall(
        @Size(max = 200) String id,
        @NotBlank @Size(max = 200) String name,
        @NotNull @Size(max = 20_000) String arguments,
        @Size(max = 100_000) String result) {

    static ToolCall requested(ToolExecutionRequest request) {
        return new ToolCall(request.id(), request.name(), request.arguments() == null ? "{}" : request.arguments(), null);
    }

    ToolCall withResult(String output) {
        return new ToolCall(id, name, arguments, output);
    }

    ToolExecutionRequest request() {
        return ToolExecutionRequest.builder().id(id).name(name).arguments(arguments).build();
    }
}
