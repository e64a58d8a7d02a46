package io.threadline.examples.reference;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** One message of the conversation. */
public record Message(
        @NotBlank @Pattern(regexp = "user|assistant|system|tool", message = "must be user, assistant, system or tool") String role,
        @NotNull @Size(max = 100_000) String content) {

    public static Message user(String content) {
        return new Message("user", content);
    }

    public static Message assistant(String content) {
        return new Message("assistant", content);
    }

    public static Message system(String content) {
        return new Message("system", content);
    }

    public static Message tool(String content) {
        return new Message("tool", content);
    }
}
