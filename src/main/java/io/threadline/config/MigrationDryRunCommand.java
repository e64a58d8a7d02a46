package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbDataKeyStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.runtime.MigrationDryRun;
import io.threadline.runtime.MigrationReport;
import io.threadline.runtime.ThreadlineAgent;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The migration dry-run as a command ({@code infra/versions/dry-run}, README "Deploying a new version"): the agents of
 * this build, named by class, judged against every thread of a DynamoDB table, the report printed. Reads only. Runs on
 * the JVM from the build's class path, outside the application: agents are made with their constructor without
 * arguments. Making them as the application does ({@link Agents}, CDI beans with what the deployment injects) would
 * need the application's container started with the deployment's configuration, which a command on a developer's
 * class path does not have; such agents are dry-run by the {@code migration-dry-run} operation, inside the deployment.
 */
public final class MigrationDryRunCommand {

    static final String USAGE = "usage: dry-run --table TABLE (--tenant TENANT | --all-tenants) --agent CLASS [--agent CLASS …]"
            + " [--endpoint URL] [--region REGION] [--page N] [--examples N] [--max-threads N] [--cursor CURSOR]"
            + " [--encryption none|local|kms] [--local-key BASE64] [--kms-key-id KEY] [--data-key-table TABLE]";

    private MigrationDryRunCommand() {
    }

    public static void main(String[] args) {
        printOrExit(() -> run(args, System.err));
    }

    /** A command's report printed, or its error: exit status 2 for bad arguments, 1 otherwise (shared with the backfill command). */
    static void printOrExit(Supplier<String> command) {
        try {
            System.out.print(command.get());
        } catch (ThreadlineException e) {
            System.err.println(e.code() + ": " + e.getMessage());
            System.exit(e.code() == ErrorCode.INVALID_INPUT ? 2 : 1);
        }
    }

    /** Runs the dry-run {@code args} describe and returns the report as text; problems with the arguments are INVALID_INPUT. */
    public static String run(String[] args, PrintStream log) {
        String table = null;
        String tenant = null;
        boolean allTenants = false;
        String endpoint = null;
        String region = null;
        String cursor = null;
        String encryption = CheckpointStores.NONE;
        String localKey = null;
        String kmsKeyId = null;
        String dataKeyTable = "threadline-datakeys";
        int page = 500;
        int examples = 5;
        long maxThreads = Long.MAX_VALUE;
        List<String> agents = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--all-tenants")) {
                allTenants = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw invalid(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--table" -> table = value;
                case "--tenant" -> tenant = value;
                case "--agent" -> agents.add(value);
                case "--endpoint" -> endpoint = value;
                case "--region" -> region = value;
                case "--cursor" -> cursor = value;
                case "--encryption" -> encryption = value;
                case "--local-key" -> localKey = value;
                case "--kms-key-id" -> kmsKeyId = value;
                case "--data-key-table" -> dataKeyTable = value;
                case "--page" -> page = number(flag, value);
                case "--examples" -> examples = number(flag, value);
                case "--max-threads" -> maxThreads = number(flag, value);
                default -> throw invalid("unknown option " + flag);
            }
        }
        if (table == null || agents.isEmpty() || (tenant == null) == !allTenants) {
            throw invalid("name the table, at least one agent, and either one tenant or --all-tenants");
        }
        List<ThreadlineAgent<?>> loaded = new ArrayList<>();
        for (String name : agents) {
            ThreadlineAgent<?> agent = agent(name);
            log.println("agent " + agent.name() + " (" + name + "): graph " + agent.graph().fingerprint().value());
            loaded.add(agent);
        }
        CheckpointStores keys = new CheckpointStores();
        try (DynamoDbClient client = client(endpoint, region)) {
            CheckpointStore plain = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC());
            // Sealed checkpoints are read through the same store the application builds (CheckpointStores), from the flags.
            CheckpointStore store;
            try {
                store = CheckpointStores.encrypted(plain, encryption(encryption, localKey, kmsKeyId, dataKeyTable, region),
                        t -> new DynamoDbDataKeyStore(client, t), keys::keyProviderFor, Clock.systemUTC());
            } catch (ThreadlineException e) {
                throw invalid(e.getMessage());
            } catch (IllegalArgumentException e) {
                throw invalid("--local-key: " + e.getMessage());
            }
            MigrationDryRun.Builder dryRun = MigrationDryRun.over(store);
            loaded.forEach(agent -> dryRun.graph(agent.name(), agent.graph()));
            MigrationReport report;
            try {
                report = dryRun.pageSize(page).examples(examples).build().run(tenant, cursor, maxThreads);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            return report.render();
        } finally {
            keys.close();   // the KMS client, when --encryption kms made one
        }
    }

    /** The encryption settings the flags name, the application's defaults for the rest (threadline.encryption.*). */
    static EncryptionConfig encryption(String keys, String localKey, String kmsKeyId, String dataKeyTable, String region) {
        return new EncryptionConfig() {
            public String keys() { return keys; }
            public Optional<String> localKey() { return Optional.ofNullable(localKey); }
            public Optional<String> kmsKeyId() { return Optional.ofNullable(kmsKeyId); }
            public Optional<String> kmsRegion() { return Optional.ofNullable(region); }
            public Optional<URI> kmsEndpointOverride() { return Optional.empty(); }
            public Duration kmsTimeout() { return Duration.ofSeconds(5); }
            public int kmsMaxAttempts() { return 3; }
            public String dataKeyTable() { return dataKeyTable; }
            public int keyCacheThreads() { return 1024; }
            public Duration keyCacheLifetime() { return Duration.ofMinutes(5); }
        };
    }

    /** A client of the table's DynamoDB: {@code endpoint} for DynamoDB Local, else AWS's (shared with the backfill command). */
    static DynamoDbClient client(String endpoint, String region) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        if (region != null) {
            builder.region(Region.of(region));
        } else if (endpoint != null && System.getenv("AWS_REGION") == null) {
            builder.region(Region.US_EAST_1);   // DynamoDB Local accepts any region; AWS's region chain would find none
        }
        return builder.build();
    }

    /** An agent by class name, made with its constructor without arguments (a command-line tool on the JVM: reflection is fine here). */
    private static ThreadlineAgent<?> agent(String className) {
        try {
            Class<?> type = Class.forName(className);
            if (!ThreadlineAgent.class.isAssignableFrom(type)) {
                throw invalid(className + " is not a ThreadlineAgent");
            }
            var constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return (ThreadlineAgent<?>) constructor.newInstance();
        } catch (ClassNotFoundException e) {
            throw invalid("no class " + className + " on the class path (build it first: mvn compile)");
        } catch (NoSuchMethodException e) {
            throw invalid(className + " has no constructor without arguments: the application makes it (Agents), so dry-run it "
                    + "through the application's migration-dry-run operation (README \"Deploying a new version\")");
        } catch (ReflectiveOperationException e) {
            throw invalid("cannot make " + className + ": " + (e.getCause() != null ? e.getCause() : e));
        }
    }

    private static int number(String flag, String value) {
        long n = number(flag, value, USAGE);
        if (n != (int) n) {
            throw invalid(flag + " takes a number up to " + Integer.MAX_VALUE + ", not '" + value + "'");
        }
        return (int) n;
    }

    /** {@code value} as a whole number, or INVALID_INPUT naming the flag and ending in {@code usage} (shared with the backfill command). */
    static long number(String flag, String value, String usage) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalid(flag + " takes a number, not '" + value + "'", usage);
        }
    }

    private static ThreadlineException invalid(String message) {
        return invalid(message, USAGE);
    }

    static ThreadlineException invalid(String message, String usage) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message + "\n" + usage);
    }
}
