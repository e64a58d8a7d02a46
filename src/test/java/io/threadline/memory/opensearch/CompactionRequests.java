package io.threadline.memory.opensearch;

import java.util.List;

/**
 * The requests a compaction ({@link MemoryIndexMaintenance}) sends the node, as method and path: what the
 * memory-compact role's policy must allow and all it may allow (TemplateIamTest), and what a recorded compaction is
 * checked against (SignedOpenSearchTest). A trailing {@code *} stands for the merge's task id ({@code <node>:<n>}).
 */
public final class CompactionRequests {

    private CompactionRequests() {
    }

    /** One request: {@code method} (GET or POST) of {@code path}. */
    public record Request(String method, String path) {
        /** Whether a request with this method and path (its query left off) is this one. */
        public boolean matches(String method, String path) {
            return this.method.equals(method)
                    && (this.path.endsWith("*") ? path.startsWith(this.path.substring(0, this.path.length() - 1)) : this.path.equals(path));
        }
    }

    /** Segment stats of the index, the merge's start, its task, and the refresh once it is over. */
    public static List<Request> of(String index) {
        return List.of(new Request("GET", "/" + index + "/_stats"), new Request("POST", "/" + index + "/_forcemerge"),
                new Request("GET", "/_tasks/*"), new Request("POST", "/" + index + "/_refresh"));
    }
}
