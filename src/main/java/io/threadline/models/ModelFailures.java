package io.threadline.models;

import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A hosted model's failures as Threadline's: one that passes — throttling (HTTP 429, {@code ThrottlingException}),
 * a 5xx, a timeout, the network — is {@code DEPENDENCY_UNAVAILABLE}, safe to retry, and passes through the step
 * unretried and uncommitted like a store's; anything else (a refused request, access denied, an unknown model) is
 * the model call's own failure, which fails the step and is recorded with its type.
 */
public final class ModelFailures {

    private ModelFailures() {
    }

    /** Whether {@code e} (or a cause) is a failure that a later call may not meet. */
    public static boolean passing(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RetriableException || c instanceof IOException) {
                return true;
            }
            if (c instanceof SdkServiceException service) {
                return service.isThrottlingException() || service.statusCode() >= 500 || service.statusCode() == 429;
            }
            if (c instanceof SdkClientException) {
                return true; // no answer: I/O, the call's timeout
            }
        }
        return false;
    }

    static RuntimeException translate(String model, RuntimeException e) {
        if (e instanceof ThreadlineException || !passing(e)) {
            return e;
        }
        return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, model + " did not answer (" + e.getMessage()
                + "); safe to retry", Map.of("model", model), e);
    }

    /** A chat model whose passing failures are DEPENDENCY_UNAVAILABLE. */
    public static final class Chat implements ChatModel {

        private final ChatModel delegate;
        private final String name;

        Chat(ChatModel delegate, String name) {
            this.delegate = delegate;
            this.name = name;
        }

        /** The model underneath (tests). */
        public ChatModel delegate() {
            return delegate;
        }

        @Override
        public ChatResponse chat(ChatRequest request) {
            try {
                return delegate.chat(request);
            } catch (RuntimeException e) {
                throw translate(name, e);
            }
        }

        @Override
        public ChatRequestParameters defaultRequestParameters() {
            return delegate.defaultRequestParameters();
        }

        @Override
        public List<ChatModelListener> listeners() {
            return delegate.listeners();
        }

        @Override
        public ModelProvider provider() {
            return delegate.provider();
        }

        @Override
        public Set<Capability> supportedCapabilities() {
            return delegate.supportedCapabilities();
        }
    }
}
