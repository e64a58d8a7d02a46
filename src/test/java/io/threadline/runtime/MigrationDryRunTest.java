package io.threadline.runtime;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.DocGraphs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.threadline.runtime.VersionCheck.Outcome.CONTINUE;
import static io.threadline.runtime.VersionCheck.Outcome.MIGRATE;
import static io.threadline.runtime.VersionCheck.Outcome.PINNED;
import static io.threadline.runtime.VersionCheck.Outcome.REFUSE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migration dry-run on the in-memory store: 3,000 threads of three tenants, judged by three candidate graphs;
 * counts per outcome, examples, the missing nodes and routes, page by page — and not one write (the store it is
 * given refuses every write).
 */
class MigrationDryRunTest {

    private static final int PER_TENANT = 1000;
    private static final List<String> TENANTS = List.of("t0", "t1", "t2");
    private static final InMemoryCheckpointStore STORE = new InMemoryCheckpointStore();

    @BeforeAll
    static void writeThreads() throws Exception {
        DryRunThreads.write(STORE, TENANTS, PER_TENANT);
    }

    /** The store, through a door that lets only reads pass: any write the dry-run tried fails the test. */
    static CheckpointStore readOnly(CheckpointStore store) {
        Set<String> writes = Set.of("commit", "markPublished", "prune", "putPendingEffect", "clearPendingEffects", "discardPendingEffects");
        return (CheckpointStore) Proxy.newProxyInstance(CheckpointStore.class.getClassLoader(), new Class<?>[]{CheckpointStore.class},
                (proxy, method, args) -> {
                    if (writes.contains(method.getName())) {
                        throw new AssertionError("the dry-run wrote: " + method.getName());
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static MigrationDryRun dryRun(CheckpointStore store, CompiledGraph<?> graph, int pageSize) {
        return MigrationDryRun.over(readOnly(store)).graph("doc", graph).pageSize(pageSize).examples(3).build();
    }

    @Test
    void aGraphThatRenamesANodeWithAMigrationMigratesTheThreadsWaitingThere() {
        MigrationReport report = dryRun(STORE, DocGraphs.reviewRenamed(true), 128).run(null);
        int total = PER_TENANT * TENANTS.size();
        assertThat(report.threads()).isEqualTo(total);
        assertThat(report.count(MIGRATE)).isEqualTo(TENANTS.size() * DryRunThreads.ofKind(PER_TENANT, 0));
        assertThat(report.count(CONTINUE)).isEqualTo(TENANTS.size() * (DryRunThreads.ofKind(PER_TENANT, 1) + DryRunThreads.ofKind(PER_TENANT, 2)));
        assertThat(report.count(PINNED)).isEqualTo(TENANTS.size() * DryRunThreads.ofKind(PER_TENANT, 3));
        assertThat(report.count(REFUSE)).isZero();
        assertThat(report.sameGraph()).isZero();
        assertThat(report.nextCursor()).isNull();
        assertThat(report.examples().get(MIGRATE)).hasSize(3)
                .allSatisfy(x -> assertThat(x.verdict()).isEqualTo("migrates: 'review' → 'check'"));
        assertThat(report.examples().get(PINNED)).allSatisfy(x -> assertThat(x.verdict()).contains(DocGraphs.v1().fingerprint().value()));
        assertThat(report.render()).containsPattern("migrate +750\n").containsPattern("pinned +750\n").containsPattern("read +3000\n");
    }

    @Test
    void aGraphThatDropsANodeAndARouteRefusesTheThreadsThatNeedThem() {
        MigrationReport report = dryRun(STORE, DocGraphs.publishReplaced(), 500).run("t1");
        assertThat(report.threads()).isEqualTo(PER_TENANT);
        long atReview = DryRunThreads.ofKind(PER_TENANT, 0);
        long atPublish = DryRunThreads.ofKind(PER_TENANT, 1);
        assertThat(report.count(REFUSE)).isEqualTo(atReview + atPublish);
        assertThat(report.missing()).containsExactly(Map.entry("node 'publish'", atPublish),
                Map.entry("route 'review' → 'publish'", atReview));
        assertThat(report.examples().get(REFUSE)).allSatisfy(x -> assertThat(x.tenant()).isEqualTo("t1"));
        assertThat(report.render()).contains("refused for lack of:").contains("node 'publish'");
    }

    @Test
    void theSameGraphContinuesEveryThreadItDidNotPin() {
        MigrationReport report = dryRun(STORE, DocGraphs.v1(), 1000).run("t2");
        assertThat(report.count(CONTINUE)).isEqualTo(PER_TENANT);
        assertThat(report.sameGraph()).isEqualTo(PER_TENANT);
        assertThat(report.examples().get(CONTINUE)).isEmpty();
    }

    @Test
    void aDryRunCutShortGoesOnFromItsCursorAndTheTotalsAddUp() {
        MigrationDryRun dryRun = dryRun(STORE, DocGraphs.reviewRenamed(false), 100);
        long threads = 0;
        long refused = 0;
        String cursor = null;
        int parts = 0;
        do {
            MigrationReport part = dryRun.run("t0", cursor, 300);
            threads += part.threads();
            refused += part.count(REFUSE);
            cursor = part.nextCursor();
            parts++;
        } while (cursor != null);
        assertThat(parts).isEqualTo(4);
        assertThat(threads).isEqualTo(PER_TENANT);
        assertThat(refused).isEqualTo(DryRunThreads.ofKind(PER_TENANT, 0));
    }

    @Test
    void threadsOfAnAgentThisBuildDoesNotServeAreCountedApart() {
        MigrationReport report = MigrationDryRun.over(readOnly(STORE)).graph("other", DocGraphs.v1()).build().run("t0");
        assertThat(report.unserved()).isEqualTo(PER_TENANT);
        assertThat(report.counts().values()).allMatch(n -> n == 0);
    }

    @Test
    void theDryRunWroteNothing() {
        long before = STORE.scanHeads(HeadScan.allTenants(1000)).heads().size();
        dryRun(STORE, DocGraphs.reviewRenamed(false), 50).run(null);
        assertThat(STORE.scanHeads(HeadScan.allTenants(1000)).heads()).hasSize((int) before);
        // and the read-only door above would have failed it on any write
    }
}
