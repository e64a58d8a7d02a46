package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.JacksonException;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import jakarta.json.JsonException;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.transport.httpclient5.ResponseException;

import java.io.IOException;
import java.util.Map;

/** One call of the memory store to OpenSearch: its time limit, and what its failures mean to the caller. */
final class StoreCalls {

    private StoreCalls() {
    }

    /** Work made of requests. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException;
    }

    /**
     * A store call. What is worth retrying — the network, a timeout, OpenSearch or a gateway answering 5xx or
     * 429 — becomes DEPENDENCY_UNAVAILABLE; a 409 that escaped the write's own retries, CONFLICT; a refusal (any
     * other 4xx: a proxy's 403, a bad request) and an
     * answer that is not OpenSearch's (HTML from a proxy) become INTERNAL, which a retry would not cure.
     */
    static <T> T call(OpenSearchClient client, String what, Call<T> body) {
        try {
            // One store call, one time limit for all its requests (OpenSearchClients); a client built elsewhere
            // keeps its own per-request timeouts.
            return client._transport() instanceof TimeLimitedTransport limited ? limited.withinOneCall(body::run) : body.run();
        } catch (ThreadlineException e) {
            throw e;
        } catch (IOException e) {
            // An HTTP answer the client did not take for OpenSearch's own error arrives as an IOException
            // around the transport's ResponseException, which has the status.
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof ResponseException r) {
                    throw byStatus(what, r.status(), e);
                }
                if (cause instanceof RawRequests.StatusException r) {
                    throw byStatus(what, r.status(), e);
                }
            }
            throw unavailable(what, e);
        } catch (OpenSearchException e) {
            throw byStatus(what, e.status(), e);
        } catch (RuntimeException e) {
            if (!unreadableAnswer(e)) {
                throw e;
            }
            throw new ThreadlineException(ErrorCode.INTERNAL, "could not read OpenSearch's answer when trying to " + what + ": "
                    + e.getMessage(), Map.of(), e);
        }
    }

    /** The client failed to parse what came back (not OpenSearch's JSON: a proxy's page, a truncated body). */
    private static boolean unreadableAnswer(RuntimeException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof JacksonException || cause instanceof JsonException
                    || cause.getMessage() != null && cause.getMessage().startsWith("Jackson exception")) {
                return true;
            }
        }
        return false;
    }

    private static ThreadlineException byStatus(String what, int status, Exception e) {
        if (status >= 500 || status == 429) {
            return unavailable(what, e);
        }
        if (status == 409) {
            return new ThreadlineException(ErrorCode.CONFLICT, "OpenSearch reported a concurrent change when trying to " + what + "; retry",
                    Map.of("status", status), e);
        }
        return new ThreadlineException(ErrorCode.INTERNAL, "OpenSearch refused to " + what + " (HTTP " + status + "): " + e.getMessage(),
                Map.of("status", status), e);
    }

    private static ThreadlineException unavailable(String what, Exception e) {
        return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE,
                "OpenSearch did not " + what + " (" + e.getMessage() + "); safe to retry", Map.of(), e);
    }
}
