package io.threadline.checkpoint.dynamodb;

import io.threadline.graph.DocGraphs;
import io.threadline.runtime.DryRunThreads;
import io.threadline.runtime.MigrationDryRun;
import io.threadline.runtime.MigrationReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.threadline.runtime.VersionCheck.Outcome.CONTINUE;
import static io.threadline.runtime.VersionCheck.Outcome.MIGRATE;
import static io.threadline.runtime.VersionCheck.Outcome.PINNED;
import static io.threadline.runtime.VersionCheck.Outcome.REFUSE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migration dry-run on DynamoDB Local: 2,400 threads of three tenants in a table of their own, read through the
 * tenant index page by page, judged by a graph that drops a node; the table holds exactly the same items, byte for
 * byte, afterwards.
 */
class DynamoDbMigrationDryRunTest {

    private static final int PER_TENANT = 800;
    private static final List<String> TENANTS = List.of("acme", "globex", "initech");

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("dryrun");
    private static DynamoDbCheckpointStore store;

    @BeforeAll
    static void writeThreads() throws Exception {
        store = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC());
        DryRunThreads.write(store, TENANTS, PER_TENANT);
    }

    /** Every item of the table, keyed by its key, as text: what "wrote nothing" is checked against. */
    private static Map<String, String> everyItem() {
        Map<String, String> items = new TreeMap<>();
        TABLE.client().scanPaginator(ScanRequest.builder().tableName(TABLE.name()).consistentRead(true).build()).items()
                .forEach(item -> items.put(item.get("pk").s() + "|" + item.get("sk").s(), new TreeMap<String, AttributeValue>(item).toString()));
        return items;
    }

    @Test
    void everyTenantsThreadsAreJudgedAndNothingIsWritten() {
        Map<String, String> before = everyItem();
        long started = System.nanoTime();
        MigrationReport report = MigrationDryRun.over(store).graph("doc", DocGraphs.reviewRenamed(false)).pageSize(250).build().run(null);
        long millis = (System.nanoTime() - started) / 1_000_000;
        int total = PER_TENANT * TENANTS.size();
        System.out.printf("dry-run of %d threads on DynamoDB Local: %d ms%n%s", total, millis, report.render());
        assertThat(report.threads()).isEqualTo(total);
        assertThat(report.count(REFUSE)).isEqualTo(TENANTS.size() * DryRunThreads.ofKind(PER_TENANT, 0));
        assertThat(report.missing()).containsExactly(Map.entry("node 'review'", TENANTS.size() * DryRunThreads.ofKind(PER_TENANT, 0)));
        assertThat(report.count(CONTINUE)).isEqualTo(TENANTS.size() * (DryRunThreads.ofKind(PER_TENANT, 1) + DryRunThreads.ofKind(PER_TENANT, 2)));
        assertThat(report.count(PINNED)).isEqualTo(TENANTS.size() * DryRunThreads.ofKind(PER_TENANT, 3));
        assertThat(everyItem()).isEqualTo(before);
    }

    @Test
    void oneTenantsThreadsOnly() {
        MigrationReport report = MigrationDryRun.over(store).graph("doc", DocGraphs.reviewRenamed(true)).pageSize(100).build().run("globex");
        assertThat(report.threads()).isEqualTo(PER_TENANT);
        assertThat(report.count(MIGRATE)).isEqualTo(DryRunThreads.ofKind(PER_TENANT, 0));
        assertThat(report.examples().values()).allSatisfy(list -> list.forEach(x -> assertThat(x.tenant()).isEqualTo("globex")));
    }
}
