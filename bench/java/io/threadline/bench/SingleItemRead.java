package io.threadline.bench;

import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The reference for a cold read: the single-item read a checkpointer that keeps a thread's whole state in one item
 * makes (the LangGraph.js DynamoDB saver's 15.8 ms at T=1000, measured outside the project), here on the same
 * DynamoDB Local in the same sitting. The item holds 0.9 MB of incompressible bytes (W1's final state at T=1000 is
 * ~0.96 MB of JSON). DynamoDB refuses items over 400 KB; where DynamoDB Local does too, the reference is the same
 * 0.9 MB read in one strongly consistent Query page as three 300 KB items of one partition.
 */
final class SingleItemRead {

    static final int BYTES = 900_000;
    static final int READS = 21;

    private SingleItemRead() {
    }

    static void reference(DynamoDbClient client, W1.Probe probe) {
        reference(client, client, probe);
    }

    /** {@code admin} creates the table (a client without the store's call limits; see W1DynamoDb). */
    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe) {
        reference(client, admin, probe, null);
    }

    /**
     * With {@code coldRead} (a cold read of W1's final state, T=1000), the reference reads alternate with it, one each in
     * turn, and both medians are printed: on a loaded machine the two then see the same moments, where the growth
     * table's cold reads and the reference ran minutes apart.
     */
    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe, Runnable coldRead) {
        reference(client, admin, probe, coldRead, null);
    }

    /**
     * With {@code queriesOf} (the Query requests a read sends), the alternation has a third read: the cold read's own
     * Query requests replayed through the same client, nothing of Threadline around them (no gunzip, no decode). The
     * cold read minus the replay is Threadline's part of a cold read; the replay against the reference is what the
     * read's shape (item count, attributes) costs DynamoDB Local and the SDK for about half the bytes.
     */
    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe, Runnable coldRead,
                          java.util.function.Function<Runnable, java.util.List<QueryRequest>> queriesOf) {
        String table = "w1-reference";
        DynamoDbTables.createIfMissing(admin, table);
        byte[] data = new byte[BYTES];
        new Random(9).nextBytes(data);
        String shape;
        java.util.function.IntSupplier read;
        try {
            admin.putItem(b -> b.tableName(table).item(Map.of("pk", s("ref"), "sk", s("one"),
                    "data", AttributeValue.fromB(SdkBytes.fromByteArray(data)))));
            shape = "one item of " + BYTES + " B (GetItem, consistent)";
            read = () -> client.getItem(b -> b.tableName(table).consistentRead(true)
                    .key(Map.of("pk", s("ref"), "sk", s("one")))).item().size();
            time(shape, probe, read);
        } catch (DynamoDbException refused) {
            System.out.println("reference: DynamoDB Local refuses one " + BYTES + " B item (" + refused.awsErrorDetails().errorMessage()
                    + "); reading the same bytes as 3 items of one Query page instead");
            for (int i = 0; i < 3; i++) {
                byte[] part = java.util.Arrays.copyOfRange(data, i * BYTES / 3, (i + 1) * BYTES / 3);
                int n = i;
                admin.putItem(b -> b.tableName(table).item(Map.of("pk", s("ref3"), "sk", s("part" + n),
                        "data", AttributeValue.fromB(SdkBytes.fromByteArray(part)))));
            }
            shape = "3 items of " + BYTES / 3 + " B in one Query page (consistent)";
            read = () -> client.query(QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s("ref3"))).build()).count();
            time(shape, probe, read);
        }
        if (coldRead != null && queriesOf != null) {
            java.util.List<QueryRequest> queries = queriesOf.apply(coldRead);
            int[] items = new int[1];
            java.util.function.IntSupplier replay = () -> {
                int n = 0;
                for (QueryRequest q : queries) {
                    n += client.query(q).count();
                }
                items[0] = n;
                return n;
            };
            alternating(coldRead, read, replay);
            System.out.printf(Locale.ROOT, "the cold read's Query requests: %d, returning %d items%n", queries.size(), items[0]);
        } else if (coldRead != null) {
            alternating(coldRead, read, null);
        }
    }

    private static void alternating(Runnable coldRead, java.util.function.IntSupplier reference,
                                    java.util.function.IntSupplier replay) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 5; i++) {
            coldRead.run();
            reference.getAsInt();
            if (replay != null) {
                replay.getAsInt();
            }
        }
        double[] cold = new double[READS];
        double[] ref = new double[READS];
        double[] raw = new double[READS];
        double[] coldCpu = new double[READS];
        double[] refCpu = new double[READS];
        double[] rawCpu = new double[READS];
        for (int i = 0; i < READS; i++) {
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            coldRead.run();
            long t1 = System.nanoTime();
            long c1 = threads.getCurrentThreadCpuTime();
            reference.getAsInt();
            long t2 = System.nanoTime();
            long c2 = threads.getCurrentThreadCpuTime();
            if (replay != null) {
                replay.getAsInt();
            }
            cold[i] = (t1 - t0) / 1e6;
            ref[i] = (t2 - t1) / 1e6;
            raw[i] = (System.nanoTime() - t2) / 1e6;
            coldCpu[i] = (c1 - c0) / 1e6;
            refCpu[i] = (c2 - c1) / 1e6;
            rawCpu[i] = (threads.getCurrentThreadCpuTime() - c2) / 1e6;
        }
        System.out.printf(Locale.ROOT, "alternating, %d each: cold read of the latest state at T=max median %.2f ms, reference "
                + "median %.2f ms%n", READS, Machine.median(cold), Machine.median(ref));
        System.out.printf(Locale.ROOT, "  calling-thread CPU per read: cold read %.2f ms, reference %.2f ms%n",
                Machine.median(coldCpu), Machine.median(refCpu));
        if (replay != null) {
            System.out.printf(Locale.ROOT, "  the cold read's Query requests replayed alone: median %.2f ms, %.2f ms of CPU%n",
                    Machine.median(raw), Machine.median(rawCpu));
            System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.cold_read_queries_ms %.3f%n", Machine.median(raw));
            System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.cold_read_queries_cpu_ms %.3f%n", Machine.median(rawCpu));
        }
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.cold_read_ms %.3f%n", Machine.median(cold));
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.reference_read_ms %.3f%n", Machine.median(ref));
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.cold_read_cpu_ms %.3f%n", Machine.median(coldCpu));
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.reference_read_cpu_ms %.3f%n", Machine.median(refCpu));
    }

    private static void time(String shape, W1.Probe probe, java.util.function.IntSupplier read) {
        for (int i = 0; i < 5; i++) {
            read.getAsInt(); // warm
        }
        double[] ms = new double[READS];
        long bytes0 = probe.bytesRead();
        for (int i = 0; i < READS; i++) {
            long t0 = System.nanoTime();
            read.getAsInt();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        long bytes = (probe.bytesRead() - bytes0) / READS;
        System.out.printf(Locale.ROOT, "reference read, %s: median %.2f ms (min %.2f, max %.2f) over %d reads, %,d B read each%n",
                shape, Machine.median(ms), java.util.Arrays.stream(ms).min().orElse(0), java.util.Arrays.stream(ms).max().orElse(0),
                READS, bytes);
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.reference_read_ms %.3f%n", Machine.median(ms));
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.reference_read_bytes %d%n", bytes);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
