package io.threadline.runtime;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.DocGraphs;
import io.threadline.graph.DocGraphs.Doc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Threads of the document agent (DocGraphs) as v1 left them, in four kinds by {@code i % 4}: waiting at review
 * (0), waiting at publish (1), done (2), and pinned to v1 while waiting at review (3) — for dry-run tests.
 */
public final class DryRunThreads {

    private DryRunThreads() {
    }

    /** {@code perTenant} threads in each of {@code tenants}, written with a few writers at once. */
    public static void write(CheckpointStore store, List<String> tenants, int perTenant) throws Exception {
        ThreadRuntime<Doc> v1 = ThreadRuntime.builder(DocGraphs.v1()).store(store).agent("doc").build();
        ThreadRuntime<Doc> pinning = ThreadRuntime.builder(DocGraphs.v1Builder().pinThreads().compile()).store(store).agent("doc").build();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String tenant : tenants) {
                for (int i = 0; i < perTenant; i++) {
                    int kind = i % 4;
                    ThreadKey thread = ThreadKey.of(tenant, "doc-" + i);
                    done.add(writers.submit(() -> {
                        ThreadRuntime<Doc> runtime = kind == 3 ? pinning : v1;
                        for (int s = 0; s < (kind == 0 || kind == 3 ? 1 : kind == 1 ? 2 : 3); s++) {
                            runtime.step(thread);
                        }
                    }));
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            writers.shutdownNow();
        }
    }

    /** How many threads of {@code total} written by {@link #write} are of kind {@code kind}. */
    public static long ofKind(int total, int kind) {
        return total / 4 + (total % 4 > kind ? 1 : 0);
    }
}
