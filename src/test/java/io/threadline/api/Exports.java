package io.threadline.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.threadline.memory.opensearch.OpenSearchNode;

import java.util.Map;

/** Test profiles that export one function each, as the deployed Lambda functions do (QUARKUS_FUNQY_EXPORT). */
final class Exports {

    private Exports() {
    }

    public static class Run implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "run");
        }
    }

    public static class State implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "state");
        }
    }

    public static class History implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "history");
        }
    }

    public static class Http implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http");
        }
    }

    public static class Replay implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "replay");
        }
    }

    /** Memory functions on the real OpenSearch node the build starts. */
    abstract static class OnOpenSearch implements QuarkusTestProfile {
        abstract String export();

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", export(),
                    "threadline.memory.store", "opensearch",
                    "threadline.memory.opensearch.url", OpenSearchNode.get().endpoint().toString(),
                    "threadline.memory.opensearch.index", "api-memories",
                    // Creating the index took over 5 s on the real node at load 30-50 (every build at once).
                    "threadline.memory.opensearch.timeout", "PT30S",
                    // Below the default (P3650D), so a test sees the configured limit applied.
                    "threadline.memory.max-ttl", "P400D");
        }
    }

    public static class MemoryPut extends OnOpenSearch {
        @Override
        String export() {
            return "memory-put";
        }
    }

    public static class MemorySearch extends OnOpenSearch {
        @Override
        String export() {
            return "memory-search";
        }
    }

    public static class MemoryDelete extends OnOpenSearch {
        @Override
        String export() {
            return "memory-delete";
        }
    }

    public static class MemoryHistory extends OnOpenSearch {
        @Override
        String export() {
            return "memory-history";
        }
    }

    public static class MemoryForget extends OnOpenSearch {
        @Override
        String export() {
            return "memory-forget";
        }
    }

    public static class MemoryCompact extends OnOpenSearch {
        @Override
        String export() {
            return "memory-compact";
        }
    }

    /** The local HTTP server (as infra/local/start runs it) with an in-process memory store. */
    public static class LocalWithMemory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("threadline.memory.store", "memory");
        }
    }

    /** The HTTP function with an in-process memory store. */
    public static class HttpWithMemory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http", "threadline.memory.store", "memory");
        }
    }

    /**
     * The HTTP function answering history and export in small pages: {@value ResponsePagingTest#BUDGET} bytes
     * per answer instead of 5 MiB, so a thread of a few steps is "too large" for one answer.
     */
    public static class HttpSmallResponses implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http",
                    "threadline.api.max-response-bytes", Integer.toString(ResponsePagingTest.BUDGET));
        }
    }

    /** The HTTP function with the reference agent asking a human before every tool call. */
    public static class HttpWithApproval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http", "threadline.reference-agent.approve-tools", "true");
        }
    }

    /** The resume function, with the reference agent asking a human before every tool call. */
    /** The delete function, with an in-process memory store so a thread's memories go with it. */
    public static class Delete implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "delete", "threadline.memory.store", "memory");
        }
    }

    public static class ResumeWithApproval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "resume", "threadline.reference-agent.approve-tools", "true");
        }
    }
}
