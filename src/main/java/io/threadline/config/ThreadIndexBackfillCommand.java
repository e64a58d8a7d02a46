package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.dynamodb.ThreadIndexBackfill;
import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * The thread index backfill as a command ({@code infra/versions/backfill-thread-index}, README "Upgrading a table"):
 * gives every HEAD item written before {@code threadsByActivity} existed that index's attributes, so listings and the
 * migration dry-run see those threads. Safe beside a running deployment (a racing commit wins) and safe to repeat.
 */
public final class ThreadIndexBackfillCommand {

    static final String USAGE = "usage: backfill-thread-index --table TABLE [--endpoint URL] [--region REGION] [--cursor CURSOR]"
            + " [--max-items N] [--shards N] [--granularity DURATION]";

    private ThreadIndexBackfillCommand() {
    }

    public static void main(String[] args) {
        MigrationDryRunCommand.printOrExit(() -> run(args));
    }

    /** Runs the backfill {@code args} describe and returns its report as text; problems with the arguments are INVALID_INPUT. */
    public static String run(String[] args) {
        String table = null;
        String endpoint = null;
        String region = null;
        String cursor = null;
        long maxItems = Long.MAX_VALUE;
        int shards = ThreadIndexSettings.DEFAULT_SHARDS;
        Duration granularity = ThreadIndexSettings.DEFAULT_GRANULARITY;
        for (int i = 0; i < args.length; i += 2) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw invalid(flag + " needs a value");
            }
            String value = args[i + 1];
            switch (flag) {
                case "--table" -> table = value;
                case "--endpoint" -> endpoint = value;
                case "--region" -> region = value;
                case "--cursor" -> cursor = value;
                case "--max-items" -> maxItems = count(flag, value);
                case "--shards" -> shards = (int) Math.min(Integer.MAX_VALUE, count(flag, value));
                case "--granularity" -> granularity = duration(value);
                default -> throw invalid("unknown option " + flag);
            }
        }
        if (table == null) {
            throw invalid("name the table (--table)");
        }
        ThreadIndexSettings index;
        try {
            index = new ThreadIndexSettings(shards, granularity, ThreadIndexSettings.DEFAULT_MAX_EXAMINED);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        try (DynamoDbClient client = MigrationDryRunCommand.client(endpoint, region)) {
            return new ThreadIndexBackfill(client, table, index).run(cursor, maxItems).render();
        } catch (ThreadlineException e) {
            throw e.code() == ErrorCode.INVALID_INPUT ? invalid(e.getMessage()) : e;
        }
    }

    /** A whole number; range checks are the backfill's and the index settings'. */
    private static long count(String flag, String value) {
        return MigrationDryRunCommand.number(flag, value, USAGE);
    }

    private static Duration duration(String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw invalid("--granularity takes an ISO-8601 duration such as PT1M, not '" + value + "'");
        }
    }

    private static ThreadlineException invalid(String message) {
        return MigrationDryRunCommand.invalid(message, USAGE);
    }
}
