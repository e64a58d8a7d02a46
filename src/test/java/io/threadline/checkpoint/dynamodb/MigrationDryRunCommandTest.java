package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.crypto.EncryptingCheckpointStore;
import io.threadline.checkpoint.crypto.LocalKeyProvider;
import io.threadline.config.MigrationDryRunCommand;
import io.threadline.graph.DocAgentNext;
import io.threadline.runtime.DryRunThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The dry-run command (infra/versions/dry-run) against a table on DynamoDB Local, as an operator runs it. */
class MigrationDryRunCommandTest {

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("dryrun-cli");

    @BeforeAll
    static void writeThreads() throws Exception {
        DryRunThreads.write(new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC()),
                List.of("acme", "globex"), 40);
        // The command's client takes the default credentials chain: DynamoDB Local's keys, as system properties.
        System.setProperty("aws.accessKeyId", DynamoDbLocal.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", DynamoDbLocal.SECRET_KEY);
    }

    @AfterAll
    static void dropTable() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private String[] args(String... more) {
        List<String> all = new ArrayList<>(List.of("--table", TABLE.name(), "--endpoint", DynamoDbLocal.get().endpoint().toString(),
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
                new String[]{"--table", TABLE.name(), "--all-tenants", "--agent", "java.lang.String"}, args("--all-tenants", "--bogus", "1"))) {
            ThreadlineException e = catchThrowableOfType(() -> MigrationDryRunCommand.run(bad, new PrintStream(new ByteArrayOutputStream())),
                    ThreadlineException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.getMessage()).contains("usage: dry-run");
        }
    }

    /**
     * A table whose checkpoints are sealed (threadline.encryption.keys=local): read with the key and the data-key table,
     * the command counts them as on a plain table; without them it would read sealed bytes. A bad --encryption or a key
     * that is not one is INVALID_INPUT with the usage.
     */
    @Test
    void sealedCheckpointsAreReadWithTheKeyTheFlagsName() throws Exception {
        String sealedTable = LocalTables.newTable(TABLE.client(), "dryrun-sealed");
        String keyTable = LocalTables.newTable(TABLE.client(), "dryrun-keys");
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String localKey = Base64.getEncoder().encodeToString(raw);
        try {
            var sealed = new EncryptingCheckpointStore(
                    new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(sealedTable), Clock.systemUTC()),
                    LocalKeyProvider.fromBase64(localKey, new SecureRandom()),
                    new DynamoDbDataKeyStore(TABLE.client(), keyTable), new SecureRandom(), 16);
            DryRunThreads.write(sealed, List.of("acme"), 10);
            List<String> base = List.of("--table", sealedTable, "--endpoint", DynamoDbLocal.get().endpoint().toString(),
                    "--region", DynamoDbLocal.REGION, "--agent", DocAgentNext.class.getName(), "--tenant", "acme");
            Function<List<String>, String[]> with = more -> {
                List<String> all = new ArrayList<>(base);
                all.addAll(more);
                return all.toArray(String[]::new);
            };
            String out = MigrationDryRunCommand.run(with.apply(List.of("--encryption", "local", "--local-key", localKey,
                    "--data-key-table", keyTable)), new PrintStream(new ByteArrayOutputStream()));
            assertThat(out).startsWith("migration dry-run of tenant acme\n").containsPattern("read +10\n")
                    .containsPattern("continue +5 ").containsPattern("migrate +3\n").containsPattern("pinned +2\n");
            for (List<String> bad : List.of(List.of("--encryption", "rot13"), List.of("--encryption", "local", "--local-key", "not-a-key"),
                    List.of("--encryption", "local"))) {
                ThreadlineException e = catchThrowableOfType(() -> MigrationDryRunCommand.run(with.apply(bad),
                        new PrintStream(new ByteArrayOutputStream())), ThreadlineException.class);
                assertThat(e).as(bad.toString()).isNotNull();
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                assertThat(e.getMessage()).contains("usage: dry-run");
            }
        } finally {
            LocalTables.drop(TABLE.client(), sealedTable);
            LocalTables.drop(TABLE.client(), keyTable);
        }
    }
}
