package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.config.MigrationDryRunCommand;
import io.threadline.graph.DocAgentNext;
import io.threadline.runtime.DryRunThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The dry-run command (infra/versions/dry-run) against a table on DynamoDB Local, as an operator runs it. */
class MigrationDryRunCommandTest {

    private static DynamoDbClient client;
    private static String table;

    @BeforeAll
    static void writeThreads() throws Exception {
        client = LocalTables.client();
        table = LocalTables.newTable(client, "dryrun-cli");
        DryRunThreads.write(new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC()),
                List.of("acme", "globex"), 40);
        // The command's client takes the default credentials chain: DynamoDB Local's keys, as system properties.
        System.setProperty("aws.accessKeyId", DynamoDbLocal.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", DynamoDbLocal.SECRET_KEY);
    }

    @AfterAll
    static void dropTable() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        LocalTables.drop(client, table);
        client.close();
    }

    private String[] args(String... more) {
        List<String> all = new java.util.ArrayList<>(List.of("--table", table, "--endpoint", DynamoDbLocal.get().endpoint().toString(),
                "--region", DynamoDbLocal.REGION, "--agent", DocAgentNext.class.getName()));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void itPrintsTheCountsForEveryTenant() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String out = MigrationDryRunCommand.run(args("--all-tenants", "--page", "7", "--examples", "2"), new PrintStream(log, true));
        assertThat(out).startsWith("migration dry-run of every tenant\n")
                .containsPattern("continue +40   \\(0 on the same graph\\)\n")
                .containsPattern("migrate +20\n").containsPattern("pinned +20\n").containsPattern("read +80\n")
                .contains("migrates: 'review' → 'check'");
        assertThat(log.toString()).contains("agent doc (" + DocAgentNext.class.getName() + "): graph ");
    }

    @Test
    void oneTenantAndACursorToGoOn() {
        String out = MigrationDryRunCommand.run(args("--tenant", "globex", "--page", "10", "--max-threads", "20"), new PrintStream(new ByteArrayOutputStream()));
        assertThat(out).startsWith("migration dry-run of tenant globex (cut short: go on with --cursor ").containsPattern("read +20\n");
    }

    @Test
    void badArgumentsAreRefusedWithTheUsage() {
        for (String[] bad : List.of(new String[]{"--table", "t"}, args(), args("--tenant", "acme", "--all-tenants"), args("--all-tenants", "--page", "x"),
                new String[]{"--table", table, "--all-tenants", "--agent", "java.lang.String"}, args("--all-tenants", "--bogus", "1"))) {
            ThreadlineException e = catchThrowableOfType(() -> MigrationDryRunCommand.run(bad, new PrintStream(new ByteArrayOutputStream())),
                    ThreadlineException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.getMessage()).contains("usage: dry-run");
        }
    }
}
